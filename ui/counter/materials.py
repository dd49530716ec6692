"""The materials checklist of a matter: 未收取 until the clerk marks each received / missing / 容缺 / defective."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import QHeaderView, QTableView

from app.services.counter_dto import MATERIAL_STATE_LABELS, MaterialInput
from app.services.types import MaterialSpec
from ui.counter.common import tr
from ui.i18n import QT_TR_NOOP
from ui.table_model import Index

STATES = ("received", "missing", "deferred", "defective")
UNCHECKED_LABEL = QT_TR_NOOP("未收取")
KEYS = {
    Qt.Key.Key_1: "received",
    Qt.Key.Key_2: "missing",
    Qt.Key.Key_3: "deferred",
    Qt.Key.Key_4: "defective",
}
COLOURS = {"missing": "#fff3c4", "deferred": "#e3f2fd", "defective": "#ffd6d6"}
UNCHECKED_COLOUR = "#eeeeee"
DEFAULT_PROMISE_DAYS = 7


@dataclass(frozen=True)
class MaterialRow:
    """One line of the materials checklist and the clerk's marks on it."""

    spec: MaterialSpec
    state: str
    promised_by: date | None = None
    note: str = ""
    checked: bool = False  # the clerk has said what became of it; until then it is not received


class MaterialsModel(QAbstractTableModel):
    """Rows of the matter's materials; every row starts 未收取 (sent as missing) until the clerk marks it."""

    COL_NAME, COL_FORM, COL_STATE, COL_DATE = range(4)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[MaterialRow] = []
        self.today = date.min  # set by load() from the services (the centre's business day)
        self.titles: list[str] = []
        self.translateUI()

    def translateUI(self) -> None:
        self.titles = [tr("申请材料"), tr("形式与份数"), tr("状态"), tr("承诺补交日期")]
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 3)

    def load(self, materials: tuple[MaterialSpec, ...], today: date) -> None:
        self.beginResetModel()
        self.today = today
        self.rows = [MaterialRow(m, "missing") for m in materials]
        self.endResetModel()

    def set_state(self, row: int, state: str) -> bool:
        """Mark one row; 容缺 only where the matter allows it (with a default promised date)."""
        r = self.rows[row]
        if state == "deferred" and not r.spec.deferrable:
            return False
        promised = r.promised_by or self.today + timedelta(days=DEFAULT_PROMISE_DAYS)
        self.rows[row] = replace(
            r, state=state, promised_by=promised if state == "deferred" else None, checked=True
        )
        self.dataChanged.emit(self.index(row, 0), self.index(row, 3))
        return True

    def receive_unchecked(self) -> int:
        """0: every row not yet marked is received (the clerk has them all in hand); the count."""
        rows = [i for i, r in enumerate(self.rows) if not r.checked]
        for i in rows:
            self.set_state(i, "received")
        return len(rows)

    def required_received(self) -> tuple[list[str], list[str]]:
        """Ctrl+M, the clerk's word that the required ones are in hand: each required row not yet
        marked is received, each optional one not marked is not provided; (received, not provided)."""
        received: list[str] = []
        absent: list[str] = []
        for i, r in enumerate(self.rows):
            if not r.checked:
                self.set_state(i, "received" if r.spec.required else "missing")
                (received if r.spec.required else absent).append(r.spec.name)
        return received, absent

    def unchecked(self) -> list[str]:
        return [r.spec.name for r in self.rows if not r.checked]

    def cycle(self, row: int) -> None:
        r = self.rows[row]
        if not r.checked:
            self.set_state(row, "received")
            return
        i = STATES.index(r.state)
        for step in range(1, len(STATES) + 1):
            if self.set_state(row, STATES[(i + step) % len(STATES)]):
                return

    def inputs(self) -> tuple[MaterialInput, ...]:
        return tuple(MaterialInput(r.spec.code, r.state, r.promised_by, r.note) for r in self.rows)

    def lacking(self) -> list[str]:
        return [
            r.spec.name
            for r in self.rows
            if r.state == "defective" or (r.state == "missing" and r.spec.required)
        ]

    # --- Qt model -----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.titles[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.COL_DATE and self.rows[index.row()].state == "deferred":
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_NAME:
                extra = [] if r.spec.required else [tr("视情况提供")]
                if r.spec.deferrable:
                    extra.append(tr("可容缺"))
                return r.spec.name + (f"（{'，'.join(extra)}）" if extra else "")
            if col == self.COL_FORM:
                return f"{r.spec.form.value}×{r.spec.copies}"
            if col == self.COL_STATE:
                if r.checked and r.state == "missing" and not r.spec.required:
                    return tr("未提供")  # an optional one not brought is not "lacking"
                return tr(MATERIAL_STATE_LABELS[r.state] if r.checked else UNCHECKED_LABEL)
            return r.promised_by.isoformat() if r.promised_by else ""
        if role == Qt.ItemDataRole.EditRole and col == self.COL_DATE and r.promised_by:
            return QDate(r.promised_by.year, r.promised_by.month, r.promised_by.day)
        if role == Qt.ItemDataRole.BackgroundRole and not r.checked:
            return QBrush(QColor(UNCHECKED_COLOUR))
        if (
            role == Qt.ItemDataRole.BackgroundRole
            and r.state in COLOURS
            and (r.state != "missing" or r.spec.required)
        ):
            return QBrush(QColor(COLOURS[r.state]))
        if role == Qt.ItemDataRole.ToolTipRole and r.spec.where_to_get:
            return r.spec.where_to_get
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if index.column() != self.COL_DATE or role != Qt.ItemDataRole.EditRole:
            return False
        if isinstance(value, QDate):
            value = date(value.year(), value.month(), value.day())
        if not isinstance(value, date) or value < self.today:
            return False
        r = self.rows[index.row()]
        self.rows[index.row()] = replace(r, promised_by=value)
        self.dataChanged.emit(index, index)
        return True


class MaterialsView(QTableView):
    """Space cycles the state; 1 收取 · 2 缺少 · 3 容缺 · 4 不符合 · 0 其余全部收取; Enter edits a date."""

    def __init__(self, model: MaterialsModel) -> None:
        super().__init__()
        self.setObjectName("materials")
        self.setModel(model)
        self.materials = model
        self.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.setEditTriggers(QTableView.EditTrigger.DoubleClicked)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        row = self.currentIndex().row()
        key = Qt.Key(event.key())
        if row >= 0 and key == Qt.Key.Key_Space:
            self.materials.cycle(row)
            return
        if row >= 0 and key in KEYS:
            self.materials.set_state(row, KEYS[key])
            return
        if key == Qt.Key.Key_0:
            self.materials.receive_unchecked()
            return
        if row >= 0 and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.materials.rows[row].state == "deferred":
                self.edit(self.materials.index(row, MaterialsModel.COL_DATE))
                return
            self.focusNextChild()
            return
        super().keyPressEvent(event)
