"""补正后受理: the resident is back with what the 一次性告知书 asked for; the materials and the
application form are offered, editable; the case resumes, the paused days pushing the due date."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.counter_dto import CaseDetail, IntakeResult, MaterialInput
from app.services.dto import SignedInUser
from app.services.types import MatterSpec
from ui.background import BackgroundOp
from ui.counter.cases_page import CaseList
from ui.counter.common import ERROR_STYLE, error_text, plain_label, show_error, show_ok, tr
from ui.counter.dialogs import give_focus_back
from ui.counter.documents_glue import DocumentDesk
from ui.counter.form_editor import FormEditor

OWED = ("missing", "defective")


class ResumeDialog(QDialog):
    """Ticks the materials now handed in (Space toggles) and completes the form; Ctrl+Enter confirms.

    A case asked to supplement only its form (or both) is completed here: without the form the
    case could never leave 待补正.
    """

    def __init__(
        self,
        detail: CaseDetail,
        spec: MatterSpec,
        services: Services,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services, self.spec = services, spec
        self.owed = [m for m in detail.materials if m.state in OWED]
        self.title = plain_label()
        self.title.setWordWrap(True)
        self.list = QListWidget()
        for m in self.owed:
            item = QListWidgetItem(f"{m.name}（{m.form}×{m.copies}）· {m.state_label}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.setVisible(bool(self.owed))
        self.list.setMaximumHeight(24 * max(2, len(self.owed)) + 8)
        self.form = FormEditor(services)
        self.form.load(spec)
        for key, value in detail.form_data.items():
            if key in self.form.widgets:
                self.form.set_value(key, str(value))
        self.form.finished.connect(self._try_accept)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        self.form_label, self.message = QLabel(), QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        layout.addWidget(self.form_label)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, self._try_accept)
        self.resize(560, 620)
        self.setWindowTitle(tr("补正后受理"))
        self.title.setText(
            tr("%s · %s：勾选本次已补交的材料，补全申请表")
            % (detail.summary.case_number, detail.summary.matter_name)
        )
        self.form_label.setText(tr("申请表（可修改）"))
        first_empty = next(
            (w for k, w in self.form.widgets.items() if k not in self.form.values()), None
        )
        (first_empty or self.list).setFocus()

    def handed_in(self) -> tuple[MaterialInput, ...]:
        return tuple(
            MaterialInput(m.code, "received")
            for i, m in enumerate(self.owed)
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        )

    def form_values(self) -> dict[str, object]:
        return dict(self.form.values())

    def done(self, result: int) -> None:
        super().done(result)
        give_focus_back(self)

    def _try_accept(self) -> None:
        """Accept only a complete, valid form (the service checks it again)."""
        problems = self.services.intake.validate_form(self.spec.code, self.form.values())
        self.form._show(problems, show_all=True)
        if problems:
            self.message.setText(problems[0].message)
            return
        self.accept()


def resume_case(
    parent: QWidget,
    services: Services,
    user: SignedInUser | None,
    counter_id: uuid.UUID | None,
    desk: DocumentDesk,
    page: CaseList,
    ask: type[ResumeDialog] = ResumeDialog,
) -> None:
    """Resume the selected 待补正 case: ask what was handed in, resume, print the receipt."""
    c = page.current()
    if c is None or user is None:
        show_error(page.info, tr("请先在列表中选择办件"))
        return
    if c.status != "SUPPLEMENT_REQUESTED":
        show_error(page.info, tr("只有“待补正”的办件可以补正后受理（当前：%s）") % c.status_label)
        return

    def chosen(found: tuple[CaseDetail, MatterSpec]) -> None:
        detail, spec = found
        dialog = ask(detail, spec, services, parent)
        if not dialog.exec():
            return
        materials, form = dialog.handed_in(), dialog.form_values()
        BackgroundOp(
            lambda: services.intake.resume_after_supplement(
                c.id, user, counter_id=counter_id, materials=materials, form_data=form
            )
        ).success(done).failure(lambda e: show_error(page.info, error_text(e))).run()

    def done(result: IntakeResult) -> None:
        desk.print_result(result)
        show_ok(
            page.info,
            tr("已恢复办理：%s，新的办结期限 %s，正在打印受理回执")
            % (result.case_number, result.due_date),
        )
        refresh = getattr(page, "refresh", None)
        if callable(refresh):
            refresh()

    def find() -> tuple[CaseDetail, MatterSpec]:
        detail = services.cases.detail(c.id, user)
        return detail, services.catalogue.matter(detail.summary.matter_code)

    BackgroundOp(find).success(chosen).failure(lambda e: show_error(page.info, error_text(e))).run()
