"""The main window: tabs 窗口受理 / 办件查询 / 已转办 / 待领取 / 事项目录, the F-key actions, the status bar."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.dto import CentreOverview, CounterInfo, MatterSummary, SignedInUser
from app.services.types import MatterSpec, SyncReport
from ui.actions import ActionId, ActionRegistry
from ui.background import BackgroundOp, RequestToken
from ui.catalogue_detail import days_text, matter_detail_html
from ui.counter.case_actions import CaseActions, case_text
from ui.counter.cases_page import CaseList, CaseSearchPage, ReadyPage, RoutedPage
from ui.counter.common import fitting_size, plain_label
from ui.counter.dialogs import FocusReturn, HelpOverlay
from ui.counter.documents_glue import DocumentDesk, DocumentSink, FileSink, PrinterSink
from ui.counter.hardware import IdCardReader
from ui.counter.rating import RatingRequester
from ui.counter.resume import ResumeDialog, resume_case
from ui.counter.workspace import CounterWorkspace
from ui.i18n import QT_TR_NOOP, tr
from ui.printing import PdfPrinter
from ui.settings import (
    A4_PRINTER,
    COUNTER_NUMBER,
    PDF_FOLDER,
    PRINT_PREVIEW,
    RECEIPT_PAPER,
    RECEIPT_PRINTER,
)
from ui.settings_dialog import SettingsDialog
from ui.supervisor_page import SupervisorPage, can_supervise
from ui.sync_status import SyncController
from ui.table_model import Column, RowTableModel


class MainWindow(QMainWindow):
    """The counter's main window: the workspace, case pages, catalogue and supervisor pages."""

    resume_dialog: type[ResumeDialog] = ResumeDialog  # tests answer it without a screen

    def __init__(
        self,
        services: Services,
        user: SignedInUser | None = None,
        *,
        sink: DocumentSink | None = None,
        rating: RatingRequester | None = None,
        reader: IdCardReader | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.services = services
        self.user = user
        self.overview: CentreOverview | None = None
        self.settings = settings or QSettings()
        self.setObjectName("MainWindow")
        self.resize(fitting_size(self))
        self.registry = ActionRegistry(self)
        self.focus_return = FocusReturn(self)
        self.printer = PdfPrinter(
            self,
            RECEIPT_PRINTER.get(self.settings),
            A4_PRINTER.get(self.settings),
            pdf_folder=PDF_FOLDER.get(self.settings),
            on_folder_chosen=lambda folder: PDF_FOLDER.set(self.settings, folder),
        )
        folder = os.environ.get("ONEWINDOW_PRINT_DIR")  # papers into a folder (tests, no printer)
        if sink is None and folder:
            sink = FileSink(Path(folder))
        sink = sink or PrinterSink(self.printer, preview=PRINT_PREVIEW.get(self.settings))
        self.desk = DocumentDesk(services, user, sink, RECEIPT_PAPER.get(self.settings), self)
        self.workspace = CounterWorkspace(
            services,
            user,
            self.registry,
            self.desk,
            rating=rating,
            reader=reader,
            settings=self.settings,
        )
        self.workspace.message.connect(self.say)
        self.desk.failed.connect(self.say)
        self.case_search = CaseSearchPage(services, user)
        self.routed = RoutedPage(services, user)
        self.ready = ReadyPage(services, user)
        self.case_actions = CaseActions(self, services, user, self.desk)

        self.centre_label = plain_label()
        self.centre_label.setObjectName("centreLabel")
        self.centre_label.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.centre_detail = plain_label()

        self.counter_model: RowTableModel[CounterInfo] = RowTableModel(
            [Column("", lambda c: c.name), Column("", self._served_groups)]
        )
        self.counter_view = QTableView()
        self.counter_view.setModel(self.counter_model)
        self.counter_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.counter_view.verticalHeader().hide()

        self.matter_searches = RequestToken()
        self.matter_model: RowTableModel[MatterSummary] = RowTableModel(
            [
                Column("", lambda m: m.code),
                Column("", lambda m: m.name),
                Column("", lambda m: m.department),
                Column("", lambda m: m.case_type),
                Column("", days_text, align_right=True),
            ]
        )
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search)
        self.matter_view = QTableView()
        self.matter_view.setModel(self.matter_model)
        self.matter_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.matter_view.verticalHeader().hide()
        header = self.matter_view.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.matter_view.selectionModel().currentRowChanged.connect(self._matter_selected)
        self.matter_detail = QTextBrowser()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        self.counters_title = QLabel()
        left_layout.addWidget(self.counters_title)
        left_layout.addWidget(self.counter_view)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        self.catalogue_title = QLabel()
        right_layout.addWidget(self.catalogue_title)
        right_layout.addWidget(self.search)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.matter_view)
        split.addWidget(self.matter_detail)
        split.setSizes([450, 250])
        right_layout.addWidget(split)

        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(right)
        body.setSizes([360, 920])

        catalogue = QWidget()
        layout = QVBoxLayout(catalogue)
        top = QHBoxLayout()
        top.addWidget(self.centre_label)
        top.addStretch(1)
        top.addWidget(self.centre_detail)
        layout.addLayout(top)
        layout.addWidget(body, 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        for page in (self.workspace, self.case_search, self.routed, self.ready, catalogue):
            self.tabs.addTab(page, "")
        self.supervisor: SupervisorPage | None = None
        if can_supervise(user) and user is not None:
            self.supervisor = SupervisorPage(services, user, self.desk)
            self.tabs.addTab(self.supervisor, "")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(self.tabs)
        self.status_user = plain_label()
        self.status_window = plain_label()
        self.status_catalogue = plain_label()
        self.statusBar().addWidget(self.status_user)
        self.statusBar().addWidget(self.status_window)
        self.status_message = plain_label()
        self.status_message.setObjectName("statusMessage")
        self.statusBar().addWidget(self.status_message, 1)
        self.status_sync = plain_label()
        self.status_sync.setObjectName("syncStatus")
        self.statusBar().addPermanentWidget(self.status_sync)
        self.statusBar().addPermanentWidget(self.status_catalogue)
        self.sync = SyncController(services.sync, self.status_sync, self)
        self.sync.report.connect(self._sync_report)
        self.settings_menu = self.menuBar().addMenu("")
        self.settings_action = self.settings_menu.addAction("")
        self.settings_action.triggered.connect(self.edit_settings)
        self._bind_actions()
        self.translateUI()

    def _bind_actions(self) -> None:
        r = self.registry
        r.bind(ActionId.HELP, self.show_help)
        r.bind(ActionId.CASE_SEARCH, self.show_case_search)
        r.bind(ActionId.RECORD_DECISION, lambda: self.case_actions.record_decision(self._list()))
        r.bind(ActionId.HAND_OVER, self.hand_over)
        r.bind(ActionId.RESUME_CASE, self.resume_case)
        r.bind(ActionId.REPRINT, self.reprint)
        r.bind(ActionId.SYNC_NOW, self.sync.sync_now)
        for aid in (ActionId.IDENTIFY, ActionId.FIND_MATTER, ActionId.CALL_NEXT):
            r.action(aid).triggered.connect(lambda _c=False: self.tabs.setCurrentIndex(0))
        self.addActions([a for _aid, a in r.all()])

    def edit_settings(self) -> None:
        windows = [(c.number, c.name) for c in self.overview.counters] if self.overview else None
        if SettingsDialog(self.settings, windows=windows, parent=self).exec():
            self.apply_settings()

    def apply_settings(self) -> None:
        """This desk's window, printers, paper and preview take effect at once, without signing in again."""
        if self.overview is not None and self.workspace.window_number != COUNTER_NUMBER.get(
            self.settings
        ):
            self.set_overview(self.overview)
        self.printer.receipt_printer = RECEIPT_PRINTER.get(self.settings)
        self.printer.a4_printer = A4_PRINTER.get(self.settings)
        self.printer.pdf_folder = PDF_FOLDER.get(self.settings)
        self.desk.receipt_paper = RECEIPT_PAPER.get(self.settings)
        if isinstance(self.desk.sink, PrinterSink):
            self.desk.sink.preview = PRINT_PREVIEW.get(self.settings)

    def say(self, text: str) -> None:
        """A status-bar message beside the user and window (never covering them)."""
        self.status_message.setText(text)

    def _list(self) -> CaseList:
        page = self.tabs.currentWidget()
        return page if isinstance(page, CaseList) else self.routed

    def show_help(self) -> None:
        HelpOverlay(self.registry.help_rows(), self).exec()

    def show_case_search(self) -> None:
        self.tabs.setCurrentWidget(self.case_search)
        self.case_search.focus()

    def hand_over(self) -> None:
        page = self.tabs.currentWidget()
        if not isinstance(page, CaseList) or page is self.routed:
            self.tabs.setCurrentWidget(self.ready)
            page = self.ready
        self.case_actions.hand_over(page)

    def reprint(self) -> None:
        """Ctrl+P on the case selected in a case list, or on the workspace's last case."""
        page = self.tabs.currentWidget()
        if isinstance(page, CaseList):
            c = page.current()
            label = case_text(c) if c else ""
            self.case_actions.reprint(c.id if c else None, label, page.info)
            return
        r = self.workspace.last_result
        label = f"{r.case_number} · {r.matter_name}" if r else ""
        self.case_actions.reprint(r.case_id if r else None, label, self.workspace.status)

    def resume_case(self) -> None:
        page = self.tabs.currentWidget()
        if not isinstance(page, CaseList):
            self.show_case_search()
            page = self.case_search
        resume_case(
            self,
            self.services,
            self.user,
            self.workspace.counter_id,
            self.desk,
            page,
            ask=self.resume_dialog,
        )

    def _tab_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        if isinstance(page, (RoutedPage, ReadyPage)):
            page.refresh()
        elif isinstance(page, SupervisorPage):
            page.load()

    def translateUI(self) -> None:
        self._set_title(self.overview.centre.name if self.overview else tr("便民服务中心"))
        self.settings_menu.setTitle(tr("设置") + "(&S)")
        self.settings_action.setText(tr("本机设置（窗口、打印机、屏幕）…"))
        self.registry.translateUI()
        for i, text in enumerate(
            (
                QT_TR_NOOP("窗口受理"),
                QT_TR_NOOP("办件查询（Ctrl+F）"),
                QT_TR_NOOP("已转办"),
                QT_TR_NOOP("待领取"),
                QT_TR_NOOP("事项目录"),
            )
        ):
            self.tabs.setTabText(i, tr(text))
        if self.supervisor is not None:
            self.tabs.setTabText(5, tr("值班长：差评回访与同步冲突"))
        self.counters_title.setText(tr("服务窗口"))
        self.catalogue_title.setText(tr("事项目录"))
        self.search.setPlaceholderText(tr("按名称、编码或拼音首字母查找事项，如 dbsq"))
        self.counter_model.set_columns_titles([tr("窗口"), tr("服务范围")])
        self.matter_model.set_columns_titles(
            [tr("编码"), tr("事项名称"), tr("部门"), tr("办件类型"), tr("承诺时限")]
        )
        if self.user:
            self.status_user.setText(tr("当前用户：%s") % self.user.display_name)
        self._show_overview()

    def _set_title(self, place: str) -> None:
        """The centre and who is signed in (the taskbar says whose session this is); Qt adds
        " — 一窗通" (the application's display name), so the title must not say it again."""
        self.setWindowTitle(f"{place} · {self.user.display_name}" if self.user else place)

    def _sync_report(self, report: SyncReport) -> None:
        if report.ok:
            self.say(tr("同步完成：发送 %d 条，接收 %d 条") % (report.pushed, report.pulled))
        else:
            self.say(tr("同步未完成：%s") % report.error)

    def load(self) -> None:
        self.sync.start()
        BackgroundOp(self.services.centre.overview).success(self.set_overview).failure(
            self._failed
        ).run()

    def set_overview(self, overview: CentreOverview) -> None:
        self.overview = overview
        self.counter_model.set_rows(overview.counters)
        self.matter_model.set_rows(overview.matters)
        number = COUNTER_NUMBER.get(self.settings)
        counter = next((c for c in overview.counters if c.number == number), None)
        ws = self.workspace
        ws.overview, ws.window_number = overview, number
        ws.counter_id = ws.queue.counter_id = counter.id if counter else None
        ws.queue.centre_id = overview.centre.id
        self.case_actions.centre = overview.centre
        self.case_actions.window_name = counter.name if counter else ""
        self._show_overview()
        ws.start()

    def _show_overview(self) -> None:
        ov = self.overview
        if ov is None:
            self.centre_label.setText(tr("正在打开数据库…"))
            return
        c = ov.centre
        self._set_title(c.name)
        self.centre_label.setText(c.name)
        self.centre_detail.setText(tr("%s · 咨询电话 %s") % (c.address, c.enquiry_phone))
        number = COUNTER_NUMBER.get(self.settings)
        if any(c.number == number for c in ov.counters):
            self.status_window.setText(tr("%d 号窗口") % number)
            self.status_window.setStyleSheet("")
        else:  # a window since closed (or never made): say so instead of quietly having none
            self.status_window.setText(
                tr("本机窗口未设置：%d 号窗口不存在或已停用，请在“设置 → 本机设置”中选择") % number
            )
            self.status_window.setStyleSheet("color: #b00020; font-weight: bold")
        self.status_catalogue.setText(
            tr("目录版本 %s · %d 个事项 · %d 个部门")
            % (ov.catalogue_version, len(ov.matters), len(ov.departments))
        )

    def _served_groups(self, counter: CounterInfo) -> str:
        if counter.all_groups:
            return tr("全科（所有事项）")
        names = {g.code: g.name for g in self.overview.service_groups} if self.overview else {}
        return "、".join(names.get(code, code) for code in counter.service_groups)

    def _search(self, text: str) -> None:
        BackgroundOp(lambda: self.services.catalogue.search_matters(text), parent=self).latest(
            self.matter_searches
        ).success(self.matter_model.set_rows).failure(self._failed).run()

    def _matter_selected(self, current: object, _previous: object) -> None:
        row = self.matter_view.currentIndex().row()
        if row < 0:
            return
        code = self.matter_model.row(row).code
        BackgroundOp(lambda: self.services.catalogue.matter(code)).success(self._show_matter).run()

    def _show_matter(self, m: MatterSpec) -> None:
        self.matter_detail.setHtml(matter_detail_html(m))

    def _failed(self, exc: Exception) -> None:
        self.say(tr("操作失败：%s") % exc)
