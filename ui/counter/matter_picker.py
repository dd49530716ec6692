"""Find the matter by name, code or pinyin initials (dbsq → 低保), most used by this clerk first."""

from __future__ import annotations

import json

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGroupBox, QHeaderView, QLineEdit, QTableView, QVBoxLayout

from app.services.bootstrap import Services
from app.services.dto import MatterSummary
from ui.background import BackgroundOp, RequestToken, report_exception
from ui.counter.common import tr
from ui.table_model import Column, RowTableModel


class UsageCounter:
    """Matter code → times this clerk took it in, kept per user in QSettings."""

    def __init__(self, username: str, settings: QSettings | None = None) -> None:
        self.settings = settings or QSettings()
        self.key = f"counter/usage/{username or 'anonymous'}"

    def counts(self) -> dict[str, int]:
        raw = self.settings.value(self.key, "{}")
        try:
            data = json.loads(str(raw))
        except ValueError:
            return {}
        return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def bump(self, code: str) -> None:
        counts = self.counts()
        counts[code] = counts.get(code, 0) + 1
        self.settings.setValue(self.key, json.dumps(counts))


class MatterPicker(QGroupBox):
    """Type to search; ↑/↓ move; Enter picks (emits `picked(code)`)."""

    picked = Signal(str)

    def __init__(self, services: Services, usage: UsageCounter) -> None:
        super().__init__()
        self.services = services
        self.usage = usage
        self.searches = RequestToken()  # a slower, older search never replaces a newer one
        self.pick_when_found = False  # Enter pressed while the newest search is under way
        self.search = QLineEdit()
        self.search.setObjectName("matterSearch")
        self.search.setClearButtonEnabled(True)
        self.model: RowTableModel[MatterSummary] = RowTableModel(
            [
                Column("", lambda m: m.code),
                Column("", lambda m: m.name),
                Column("", lambda m: m.case_type),
                Column("", self._days, align_right=True),
            ]
        )
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.view.setWordWrap(True)  # long matter names wrap (and show whole as a tooltip)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        self.search.textChanged.connect(self.run_search)
        self.search.returnPressed.connect(self.pick_current)
        self.search.installEventFilter(self)
        self.view.activated.connect(lambda _i: self.pick_current())
        self.translateUI()

    def translateUI(self) -> None:
        self.setTitle(tr("选择事项（F6）"))
        self.search.setPlaceholderText(tr("名称、编码或拼音首字母，如 dbsq；回车选定"))
        self.model.set_columns_titles([tr("编码"), tr("事项名称"), tr("类型"), tr("承诺时限")])

    @staticmethod
    def _days(m: MatterSummary) -> str:
        return tr("即办") if m.promised_days == 0 else tr("%d 个工作日") % m.promised_days

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def run_search(self, text: str | None = None) -> None:
        query = self.search.text() if text is None else text
        usage = self.usage.counts()
        catalogue = self.services.catalogue
        BackgroundOp(lambda: catalogue.search_matters(query, usage), parent=self).latest(
            self.searches
        ).success(self._show).failure(self._failed).run()

    def _show(self, rows: list[MatterSummary]) -> None:
        self.model.set_rows(rows)
        if rows:
            self.view.selectRow(0)
        if self.pick_when_found:
            self.pick_when_found = False
            self.pick_current()

    def _failed(self, exc: Exception) -> None:
        self.pick_when_found = False
        report_exception(exc)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and (event.type() == QEvent.Type.KeyPress)
        ):
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(Qt.Key(event.key()))
            if step and self.model.rowCount():
                row = max(0, min(self.model.rowCount() - 1, self.view.currentIndex().row() + step))
                self.view.selectRow(row)
                return True
        return super().eventFilter(watched, event)

    def pick_current(self) -> None:
        """Pick the selected matter of the newest search (waiting for it when still under way)."""
        if self.searches.pending:
            self.pick_when_found = True
            return
        row = self.view.currentIndex().row()
        if row < 0:
            return
        code = self.model.row(row).code
        self.usage.bump(code)
        self.picked.emit(code)
