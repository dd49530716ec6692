"""Table models of cases with deadline marks (yellow warning, red overdue) and of case events."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor

from app.services.counter_dto import CaseEventView
from app.services.dto import CaseSummary
from app.services.types import local_time
from ui.counter.common import tr
from ui.i18n import QT_TR_NOOP
from ui.table_model import Column, Index, RowTableModel

WARNING_BG = QColor("#fff3c4")
OVERDUE_BG = QColor("#ffd6d6")
OVERDUE_FG = QColor("#9b0000")


def deadline_text(c: CaseSummary) -> str:
    due = c.due_date.isoformat() if c.due_date else ""
    mark = {"warning": tr("（临近）"), "overdue": tr("（已超期）")}.get(c.deadline, "")
    return due + mark


class CaseTableModel(RowTableModel[CaseSummary]):
    """Cases: number, matter, applicant (masked), status, due date; rows coloured by deadline."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("", lambda c: c.case_number),
                Column("", lambda c: c.matter_name),
                Column("", lambda c: c.applicant_name_masked),
                Column("", lambda c: c.applicant_id_masked),
                Column("", lambda c: c.status_label),
                Column("", lambda c: local_time(c.received_at).strftime("%Y-%m-%d %H:%M")),
                Column("", deadline_text),
            ],
            parent,
        )
        self.translateUI()

    def translateUI(self) -> None:
        self.set_columns_titles(
            [
                tr("办件编号"),
                tr("事项"),
                tr("申请人"),
                tr("证件号码"),
                tr("状态"),
                tr("受理时间"),
                tr("办结期限"),
            ]
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role in (
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.ForegroundRole,
        ):
            deadline = self.row(index.row()).deadline
            if role == Qt.ItemDataRole.BackgroundRole:
                if deadline == "warning":
                    return QBrush(WARNING_BG)
                if deadline == "overdue":
                    return QBrush(OVERDUE_BG)
            elif deadline == "overdue":
                return QBrush(OVERDUE_FG)
            return None
        return super().data(index, role)


class EventTableModel(RowTableModel[CaseEventView]):
    """A case's timeline: when, what, status after, who, from where, note."""

    ORIGINS: ClassVar[dict[str, str]] = {
        "centre": QT_TR_NOOP("服务中心"),
        "department": QT_TR_NOOP("部门"),
        "district": QT_TR_NOOP("区级平台"),
    }

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("", lambda e: local_time(e.at).strftime("%Y-%m-%d %H:%M")),
                Column("", lambda e: e.label),
                Column("", lambda e: e.status_label),
                Column("", lambda e: e.actor_name),
                Column("", lambda e: tr(self.ORIGINS.get(e.origin, e.origin))),
                Column("", lambda e: e.note),
            ],
            parent,
        )
        self.translateUI()

    def translateUI(self) -> None:
        self.set_columns_titles(
            [tr("时间"), tr("事件"), tr("状态"), tr("经办人"), tr("来源"), tr("说明")]
        )
