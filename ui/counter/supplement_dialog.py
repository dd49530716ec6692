"""F9 一次性告知: per item what is wrong (material missing or defective and how, form fields empty) and a 补正期限."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ui.counter.common import tr
from ui.counter.dialogs import _FormDialog

DEFAULT_SUPPLEMENT_DAYS = 10  # a suggestion; the clerk sets the 补正期限 the matter needs


@dataclass(frozen=True)
class LackingMaterial:
    """One material the notice will list: its state (missing / defective) and the clerk's note."""

    code: str
    name: str
    state: str
    state_label: str
    note: str = ""


class SupplementDialog(_FormDialog):
    """What the resident must bring or complete, item by item; Ctrl+Enter issues the notice."""

    COL_NAME, COL_PROBLEM, COL_NOTE = range(3)

    def __init__(
        self,
        materials: list[LackingMaterial],
        empty_fields: list[str],
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.materials, self.empty_fields, self.today = materials, empty_fields, today
        self.table = QTableWidget(len(materials), 3)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.COL_NOTE, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        for row, m in enumerate(materials):
            for col, text in ((self.COL_NAME, m.name), (self.COL_PROBLEM, m.state_label)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, col, item)
            self.table.setItem(row, self.COL_NOTE, QTableWidgetItem(m.note))
        self.table.setVisible(bool(materials))
        self.table.setCurrentCell(0, self.COL_NOTE)
        self.fields = QLabel("、".join(empty_fields))
        self.fields.setWordWrap(True)
        self.fields.setTextFormat(Qt.TextFormat.PlainText)
        self.deadline_edit = QDateEdit()
        self.deadline_edit.setCalendarPopup(True)
        self.deadline_edit.setDisplayFormat("yyyy-MM-dd")
        first = today + timedelta(days=1)
        self.deadline_edit.setMinimumDate(QDate(first.year, first.month, first.day))
        default = today + timedelta(days=DEFAULT_SUPPLEMENT_DAYS)
        self.deadline_edit.setDate(QDate(default.year, default.month, default.day))
        self.materials_label, self.fields_label, self.deadline_label = QLabel(), QLabel(), QLabel()
        self.form.addRow(self.materials_label)
        self.form.addRow(self.table)
        if empty_fields:
            self.form.addRow(self.fields_label, self.fields)
        self.form.addRow(self.deadline_label, self.deadline_edit)
        self.resize(640, 420)
        self.translateUI()
        (self.table if materials else self.deadline_edit).setFocus()

    def translateUI(self) -> None:
        self.setWindowTitle(tr("一次性告知"))
        self.table.setHorizontalHeaderLabels(
            [tr("材料"), tr("问题"), tr("说明（不符合要求须写明）")]
        )
        self.materials_label.setText(
            tr("须补交或更正的材料：") if self.materials else tr("材料齐全")
        )
        self.fields_label.setText(tr("申请表未填写"))
        self.deadline_label.setText(tr("补正期限 *"))

    def notes(self) -> dict[str, str]:
        """The clerk's note per material code (how a material is defective, what to bring)."""
        out = {}
        for row, m in enumerate(self.materials):
            item = self.table.item(row, self.COL_NOTE)
            out[m.code] = item.text().strip() if item else ""
        return out

    def deadline(self) -> date:
        d = self.deadline_edit.date()
        return date(d.year(), d.month(), d.day())

    def check(self) -> str:
        notes = self.notes()
        for m in self.materials:
            if m.state == "defective" and not notes[m.code]:
                return tr("请写明“%s”哪里不符合要求") % m.name
        if self.deadline() <= self.today:
            return tr("补正期限应晚于今天")
        return ""
