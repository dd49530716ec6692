"""A read-only table model over a list of plain dataclass rows, with columns declared once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableView

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
ATTENTION_COLOUR = "#fde2e2"
LEFT = Qt.AlignmentFlag.AlignLeft


@dataclass(frozen=True)
class Column(Generic[R]):
    """A column of a RowTableModel: title and how to read the value from a row."""

    title: str
    value: Callable[[R], Any]
    align_right: bool = False


class RowTableModel(QAbstractTableModel, Generic[R]):
    """A read-only Qt table model over a list of plain rows."""

    def __init__(
        self,
        columns: Sequence[Column[R]],
        parent: QObject | None = None,
        *,
        attention: Callable[[R], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._attention = attention  # rows it says yes to get a light red background (overdue)
        self._rows: list[R] = []

    def set_columns_titles(self, titles: Sequence[str]) -> None:
        self._columns = [
            Column(t, c.value, c.align_right) for t, c in zip(titles, self._columns, strict=True)
        ]
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._columns) - 1)

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> R:
        return self._rows[index]

    def rows(self) -> list[R]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        col = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = col.value(self._rows[index.row()])  # the tooltip: a cut-off text in full
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.BackgroundRole and self._attention is not None:
            return QColor(ATTENTION_COLOUR) if self._attention(self._rows[index.row()]) else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            side = Qt.AlignmentFlag.AlignRight if col.align_right else LEFT
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole:  # the title sits where its column's text does
            side = Qt.AlignmentFlag.AlignRight if self._columns[section].align_right else LEFT
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        return None


def row_table_view(model: QAbstractTableModel) -> QTableView:
    """A read-only list view as every list of the counter has it: whole rows selected, one at a
    time, no row numbers, columns sized to their contents and the last one stretched."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view
