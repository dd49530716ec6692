"""办件查询 (search by number, ID, name, phone or date, with the timeline) and the 已转办 / 待领取 lists."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.counter_dto import CaseDetail
from app.services.dto import CaseSummary, SignedInUser
from app.services.types import PrintHistoryRow
from ui.background import BackgroundOp, RequestToken
from ui.counter.case_models import CaseTableModel, EventTableModel
from ui.counter.common import error_text, latin_only, show_error, tr
from ui.counter.print_history import PrintHistoryModel
from ui.table_model import row_table_view


class CaseList(QWidget):
    """A list of cases (model/view, deadline colours) with the selected case's timeline below."""

    selected = Signal(object)  # CaseSummary | None

    def __init__(self, services: Services, user: SignedInUser | None) -> None:
        super().__init__()
        self.services, self.user = services, user
        self.model = CaseTableModel(self)
        self.view = row_table_view(self.model)
        self.events = EventTableModel(self)
        self.timeline = row_table_view(self.events)
        self.timeline.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.timeline_title = QLabel()
        self.prints = PrintHistoryModel(self)  # this case's papers: what, when, who, why
        self.print_list = row_table_view(self.prints)
        self.print_list.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.prints_title = QLabel()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        lower = QWidget()
        lv = QVBoxLayout(lower)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.timeline_title)
        lv.addWidget(self.timeline)
        lv.addWidget(self.prints_title)
        lv.addWidget(self.print_list)
        split.addWidget(lower)
        split.setSizes([400, 260])
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.info)
        self.layout_.addWidget(split, 1)
        self.view.selectionModel().currentRowChanged.connect(lambda *_a: self._current())
        self.translateUI()

    def translateUI(self) -> None:
        self.timeline_title.setText(tr("办件轨迹"))
        self.prints_title.setText(tr("打印记录（Ctrl+P 补打）"))
        self.prints.translateUI()
        self.model.translateUI()
        self.events.translateUI()

    def current(self) -> CaseSummary | None:
        row = self.view.currentIndex().row()
        return self.model.row(row) if row >= 0 else None

    def set_rows(self, rows: list[CaseSummary]) -> None:
        self.model.set_rows(rows)
        self.events.set_rows([])
        self.prints.set_rows([])
        if rows:
            self.view.selectRow(0)

    def _current(self) -> None:
        c, user = self.current(), self.user
        self.selected.emit(c)
        if c is None or user is None:
            self.events.set_rows([])
            self.prints.set_rows([])
            return
        BackgroundOp(lambda: self.services.cases.detail(c.id, user)).success(self._detail).failure(
            lambda e: show_error(self.info, error_text(e))
        ).run()
        self.refresh_prints()

    def refresh_prints(self) -> None:
        """The selected case's print history from the database (after a print or a reprint too)."""
        c, user, docs = self.current(), self.user, self.services.documents
        if c is None or user is None:
            return
        BackgroundOp(lambda: docs.history(user, c.id)).success(self._prints_of(c.id)).failure(
            lambda e: show_error(self.info, error_text(e))
        ).run()

    def _prints_of(self, case_id: object) -> Callable[[list[PrintHistoryRow]], None]:
        def show(rows: list[PrintHistoryRow]) -> None:
            c = self.current()
            if c is not None and c.id == case_id:  # still the selected case
                self.prints.set_rows(rows)

        return show

    def _detail(self, d: CaseDetail) -> None:
        self.events.set_rows(list(d.events))

    def load(self, fetch: Callable[[SignedInUser], list[CaseSummary]]) -> None:
        user = self.user
        if user is None:
            return
        BackgroundOp(lambda: fetch(user)).success(self.set_rows).failure(
            lambda e: show_error(self.info, error_text(e))
        ).run()


class CaseSearchPage(CaseList):
    """Ctrl+F: one box; a barcode scanner types the case number and Enter."""

    def __init__(self, services: Services, user: SignedInUser | None) -> None:
        super().__init__(services, user)
        self.searches = RequestToken()  # an older search never replaces a newer one
        self.query = latin_only(QLineEdit())
        self.query.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)  # names too
        self.query.setObjectName("caseQuery")
        self.query.returnPressed.connect(self.search)
        self.layout_.insertWidget(0, self.query)
        self.translateUI()

    def translateUI(self) -> None:
        super().translateUI()
        if hasattr(self, "query"):
            self.query.setPlaceholderText(
                tr("办件编号（可扫码）、身份证号、姓名、电话或日期（2026-11-23），回车查询")
            )

    def focus(self) -> None:
        self.query.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.query.selectAll()

    def search(self) -> None:
        text, user = self.query.text(), self.user
        if user is None or not text.strip():
            return
        cases = self.services.cases
        BackgroundOp(lambda: cases.find(user, text), parent=self).latest(self.searches).success(
            self._found
        ).failure(lambda e: show_error(self.info, error_text(e))).run()

    def _found(self, rows: list[CaseSummary]) -> None:
        self.info.setStyleSheet("")
        self.info.setText(tr("找到 %d 件") % len(rows))
        self.set_rows(rows)
        self.view.setFocus()


class RoutedPage(CaseList):
    """已转办: waiting for the department's decision; Ctrl+D records one (supervisor)."""

    def refresh(self) -> None:
        self.info.setText(tr("已转办、等待部门决定的办件。值班长可按 Ctrl+D 代录部门决定。"))
        self.load(self.services.cases.routed_cases)


class ReadyPage(CaseList):
    """待领取: decided, waiting for the resident; Ctrl+L hands over and prints the note."""

    def refresh(self) -> None:
        self.info.setText(tr("结果已返回、等待领取的办件。按 Ctrl+L 登记领取并打印领取凭证。"))
        self.load(self.services.cases.ready_cases)
