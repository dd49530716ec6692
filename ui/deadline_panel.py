"""期限督办 on the supervisor's page: warning and overdue lists, 督办 with a note, 延期 granted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.dto import SignedInUser
from app.services.types import DeadlineCase, DeadlineLists
from ui.background import BackgroundOp
from ui.case_dialog import CaseDialog
from ui.i18n import tr
from ui.table_model import Column, RowTableModel, row_table_view


@dataclass(frozen=True)
class ExtensionRequest:
    """What the supervisor entered in the 延期 dialog."""

    working_days: int
    reason: str
    requested_by: str  # "counter" / "department"


def _left(c: DeadlineCase) -> str:
    if c.overdue:
        return tr("超期 %d 个工作日") % -c.working_days_left
    return tr("剩 %d 个工作日") % c.working_days_left


def _mark(c: DeadlineCase) -> str:
    return c.supervision_note if c.supervised else ""


def _model(overdue: bool) -> RowTableModel[DeadlineCase]:
    return RowTableModel(
        [
            Column(tr("办件编号"), lambda c: c.case_number),
            Column(tr("事项"), lambda c: c.matter_name),
            Column(tr("部门"), lambda c: c.department),
            Column(tr("状态"), lambda c: c.status_label),
            Column(tr("办结期限"), lambda c: c.due_date.isoformat()),
            Column(tr("剩余"), _left),
            Column(tr("已延期"), lambda c: c.extended_days or ""),
            Column(tr("督办"), _mark),
        ],
        attention=(lambda _c: True) if overdue else None,
    )


class ExtensionDialog(QDialog):
    """Working days, who asked (the window or the department) and why."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("批准延期"))
        self.days = QSpinBox()
        self.days.setRange(1, 30)
        self.days.setValue(5)
        self.requester = QComboBox()
        self.requester.addItem(tr("窗口申请"), "counter")
        self.requester.addItem(tr("部门申请"), "department")
        self.reason = QPlainTextEdit()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(tr("延期工作日："), self.days)
        form.addRow(tr("申请方："), self.requester)
        form.addRow(tr("延期理由（必填）："), self.reason)
        form.addRow(buttons)


class DeadlinePanel(QWidget):
    """Two lists; double-click opens the case; each action asks through a replaceable function."""

    changed = Signal()

    def __init__(self, services: Services, user: SignedInUser) -> None:
        super().__init__()
        self.services, self.user = services, user
        self.warning, self.overdue = _model(False), _model(True)
        self.warning_view, self.overdue_view = (
            row_table_view(self.warning),
            row_table_view(self.overdue),
        )
        self.warning_title, self.overdue_title = QLabel(), QLabel()
        self.supervise_button, self.extend_button = QPushButton(), QPushButton()
        self.notice_button = QPushButton()
        self.supervise_button.clicked.connect(self.supervise_selected)
        self.extend_button.clicked.connect(self.extend_selected)
        self.notice_button.clicked.connect(self.print_extension_notice)
        # The main window's document desk (prints, or saves where no printer is installed).
        self.desk: Any = None
        self.last_view: QTableView = self.overdue_view
        for view in (self.warning_view, self.overdue_view):
            view.doubleClicked.connect(lambda _i, v=view: self.open_case(v))
            view.clicked.connect(lambda _i, v=view: self._remember(v))
        buttons = QHBoxLayout()
        buttons.addWidget(self.supervise_button)
        buttons.addWidget(self.extend_button)
        buttons.addWidget(self.notice_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.overdue_title, self.overdue_view, self.warning_title, self.warning_view):
            layout.addWidget(w)
        layout.addLayout(buttons)
        self.ask_note: Callable[[], str | None] = self._ask_note
        self.ask_extension: Callable[[], ExtensionRequest | None] = self._ask_extension
        self.opened: list[CaseDialog] = []
        self.supervise_button.setText(tr("督办…"))
        self.extend_button.setText(tr("批准延期…"))
        self.notice_button.setText(tr("打印延期告知书"))
        self._titles()

    def _titles(self) -> None:
        self.overdue_title.setText(tr("已超期办件（%d）") % self.overdue.rowCount())
        self.warning_title.setText(tr("临近期限办件（%d）") % self.warning.rowCount())

    def load(self) -> None:
        BackgroundOp(lambda: self.services.supervision.deadline_lists(self.user)).success(
            self._set
        ).run()

    def _set(self, lists: DeadlineLists) -> None:
        self.warning.set_rows(list(lists.warning))
        self.overdue.set_rows(list(lists.overdue))
        self._titles()

    def _remember(self, view: QTableView) -> None:
        self.last_view = view

    def selected(self) -> DeadlineCase | None:
        view = self.last_view
        model = self.overdue if view is self.overdue_view else self.warning
        row = view.currentIndex().row()
        return model.row(row) if 0 <= row < model.rowCount() else None

    def select(self, overdue: bool, row: int) -> None:
        view = self.overdue_view if overdue else self.warning_view
        view.selectRow(row)
        self.last_view = view

    def open_case(self, view: QTableView) -> None:
        self.last_view = view
        item = self.selected()
        if item is None:
            return
        dialog = CaseDialog(self.services, self.user, item.id, self)
        self.opened.append(dialog)
        dialog.finished.connect(lambda _r: self.opened.remove(dialog))
        dialog.open()

    def _after(self, _result: object) -> None:
        self.load()
        self.changed.emit()

    def supervise_selected(self) -> None:
        item = self.selected()
        note = self.ask_note() if item else None
        if item is None or note is None:
            return
        BackgroundOp(lambda: self.services.supervision.supervise(item.id, self.user, note)).success(
            self._after
        ).run()

    def extend_selected(self) -> None:
        item = self.selected()
        req = self.ask_extension() if item else None
        if item is None or req is None:
            return
        BackgroundOp(
            lambda: self.services.supervision.extend(
                item.id,
                self.user,
                working_days=req.working_days,
                reason=req.reason,
                requested_by=req.requested_by,
            )
        ).success(self._after).run()

    def print_extension_notice(self) -> None:
        """The 延期告知书 of the selected case's latest 延期, for the resident."""
        item = self.selected()
        if item is None or self.desk is None:
            return
        self.desk.print_case(item.id, "extension")

    def _ask_note(self) -> str | None:
        text, ok = QInputDialog.getMultiLineText(self, tr("督办"), tr("督办意见（必填）："))
        return text if ok else None

    def _ask_extension(self) -> ExtensionRequest | None:
        dialog = ExtensionDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return ExtensionRequest(
            dialog.days.value(), dialog.reason.toPlainText(), dialog.requester.currentData()
        )
