"""补正后受理: the resident is back with what the 一次性告知书 asked for; the case resumes and the
receipt prints, the paused working days pushing the due date."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.counter_dto import CaseDetail, IntakeResult, MaterialInput
from app.services.dto import SignedInUser
from ui.background import BackgroundOp
from ui.counter.cases_page import CaseList
from ui.counter.common import error_text, show_error, show_ok, tr
from ui.counter.documents_glue import DocumentDesk

OWED = ("missing", "defective")


class ResumeDialog(QDialog):
    """Ticks the materials now handed in; Space toggles, Enter confirms."""

    def __init__(self, detail: CaseDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.owed = [m for m in detail.materials if m.state in OWED]
        self.title = QLabel()
        self.list = QListWidget()
        for m in self.owed:
            item = QListWidgetItem(f"{m.name}（{m.form}×{m.copies}）· {m.state_label}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.setWindowTitle(tr("补正后受理"))
        self.title.setText(
            tr("%s · %s：勾选本次已补交的材料")
            % (detail.summary.case_number, detail.summary.matter_name)
        )

    def handed_in(self) -> tuple[MaterialInput, ...]:
        return tuple(
            MaterialInput(m.code, "received")
            for i, m in enumerate(self.owed)
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        )


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

    def chosen(detail: CaseDetail) -> None:
        dialog = ask(detail, parent)
        if not dialog.exec():
            return
        materials = dialog.handed_in()
        BackgroundOp(
            lambda: services.intake.resume_after_supplement(
                c.id, user, counter_id=counter_id, materials=materials
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

    BackgroundOp(lambda: services.cases.detail(c.id, user)).success(chosen).failure(
        lambda e: show_error(page.info, error_text(e))
    ).run()
