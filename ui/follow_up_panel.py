"""差评整改 on the supervisor's page: open follow-ups (overdue in red), call back, rectify, close."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.counter_dto import FollowUpView
from app.services.dto import SignedInUser
from app.services.types import local_time
from ui.background import BackgroundOp
from ui.i18n import tr
from ui.table_model import Column, RowTableModel, row_table_view


def _when(value: Any) -> str:
    return local_time(value).strftime("%m-%d %H:%M") if value is not None else ""


def _due(f: FollowUpView) -> str:
    if f.due_date is None:
        return ""
    return f.due_date.isoformat() + (tr("（已超期）") if f.overdue else "")


def _call_back(f: FollowUpView) -> str:
    if not f.called_back:
        return tr("未回访")
    verdict = tr("满意") if f.resident_satisfied else tr("不满意")
    return f"{_when(f.call_back_at)} {f.call_back_by_name}：{f.call_back_note}（{verdict}）"


class CallBackDialog(QDialog):
    """What the resident said on the call back, and whether they are satisfied now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("记录回访"))
        self.said = QPlainTextEdit()
        self.satisfied = QCheckBox(tr("群众对处理结果满意"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("群众的回访意见（必填）：")))
        layout.addWidget(self.said)
        layout.addWidget(self.satisfied)
        layout.addWidget(buttons)


class FollowUpPanel(QWidget):
    """The list and its three steps; each step asks through a replaceable function (tests)."""

    changed = Signal()

    def __init__(self, services: Services, user: SignedInUser) -> None:
        super().__init__()
        self.services, self.user = services, user
        self.model: RowTableModel[FollowUpView] = RowTableModel(
            [
                Column("", lambda f: _when(f.opened_at)),
                Column("", lambda f: f.label),
                Column("", lambda f: f.ticket_number or f.case_number),
                Column("", lambda f: f"{f.window_number or ''}"),
                Column("", lambda f: f.clerk_name),
                Column("", lambda f: f.comment),
                Column("", lambda f: f.assignee_name),
                Column("", _due),
                Column("", _call_back),
                Column("", lambda f: f.rectification or tr("未整改")),
            ],
            attention=lambda f: f.overdue,
        )
        self.view = row_table_view(self.model)
        self.title = QLabel()
        self.call_button, self.fix_button, self.close_button = (
            QPushButton(),
            QPushButton(),
            QPushButton(),
        )
        self.call_button.clicked.connect(self.record_call_back)
        self.fix_button.clicked.connect(self.record_rectification)
        self.close_button.clicked.connect(self.close_selected)
        self.view.activated.connect(lambda _i: self.close_selected())
        buttons = QHBoxLayout()
        for b in (self.call_button, self.fix_button, self.close_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        # How each step asks; tests replace them.
        self.ask_call_back: Callable[[], tuple[str, bool] | None] = self._ask_call_back
        self.ask_text: Callable[[str, str], str | None] = self._ask_text
        self.translateUI()

    def translateUI(self) -> None:
        self.model.set_columns_titles(
            [
                tr("时间"),
                tr("评价"),
                tr("号码/办件"),
                tr("窗口"),
                tr("工作人员"),
                tr("群众意见"),
                tr("整改负责人"),
                tr("整改期限"),
                tr("回访"),
                tr("整改情况"),
            ]
        )
        self.call_button.setText(tr("记录回访…"))
        self.fix_button.setText(tr("记录整改…"))
        self.close_button.setText(tr("办结（回车）"))
        self._title()

    def _title(self) -> None:
        rows = self.model.rows()
        overdue = sum(1 for f in rows if f.overdue)
        text = tr("差评整改（%d）") % len(rows)
        if overdue:
            text += tr("，其中已超期 %d 件") % overdue
        self.title.setText(text)

    def load(self) -> None:
        BackgroundOp(lambda: self.services.follow_ups.list_open(self.user)).success(
            self._set_rows
        ).run()

    def _set_rows(self, rows: list[FollowUpView]) -> None:
        self.model.set_rows(rows)
        self._title()

    def selected(self) -> FollowUpView | None:
        row = self.view.currentIndex().row()
        return self.model.row(row) if 0 <= row < self.model.rowCount() else None

    def _after(self, _result: object) -> None:
        self.load()
        self.changed.emit()

    def record_call_back(self) -> None:
        item = self.selected()
        answer = self.ask_call_back() if item else None
        if item is None or answer is None:
            return
        said, satisfied = answer
        BackgroundOp(
            lambda: self.services.follow_ups.record_call_back(
                item.id, self.user, resident_said=said, satisfied=satisfied
            )
        ).success(self._after).run()

    def record_rectification(self) -> None:
        item = self.selected()
        text = self.ask_text(tr("记录整改"), tr("整改情况（必填）：")) if item else None
        if item is None or text is None:
            return
        BackgroundOp(
            lambda: self.services.follow_ups.record_rectification(item.id, self.user, text)
        ).success(self._after).run()

    def close_selected(self) -> None:
        """Close the loop; the service refuses (and says what is missing) without both records."""
        item = self.selected()
        note = self.ask_text(tr("办结差评整改"), tr("办结说明（可不填）：")) if item else None
        if item is None or note is None:
            return
        BackgroundOp(lambda: self.services.follow_ups.close(item.id, self.user, note)).success(
            self._after
        ).run()

    def _ask_call_back(self) -> tuple[str, bool] | None:
        dialog = CallBackDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.said.toPlainText(), dialog.satisfied.isChecked()

    def _ask_text(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getMultiLineText(self, title, label)
        return text if ok else None
