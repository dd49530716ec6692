"""The hall's call board: the current call large, recent calls, waiting per group, voice for new calls."""

from __future__ import annotations

import logging
from typing import TypeVar

from PySide6.QtCore import QDateTime, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication, QResizeEvent, QScreen
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.counter_dto import BoardCall, BoardState, GroupWaiting
from app.services.dto import CentreInfo
from ui.announcer import Announcer
from ui.background import BackgroundOp
from ui.i18n import tr
from ui.table_model import Column, RowTableModel

log = logging.getLogger(__name__)

CALL_PX = 110  # the current call's type size where it fits
ROW_PX, ROW_FONT_PX = 64, 38  # a table row and its type where there is room
STYLE = """
QWidget#board { background: #0b2545; }
QLabel { color: #e8f1fb; }
QLabel#centre { font-size: 34px; font-weight: bold; }
QLabel#clock { font-size: 34px; color: #ffd166; }
QLabel#caption { font-size: 28px; color: #9fb8d6; }
QLabel#current { font-size: 110px; font-weight: bold; color: #ffd166; background: #13315c;
    border-radius: 24px; padding: 28px; }
QLabel#current[flash="true"] { background: #ffd166; color: #0b2545; }
QLabel#footer { font-size: 24px; color: #9fb8d6; }
QTableView { background: #13315c; color: #e8f1fb; font-size: 38px; border: none;
    gridline-color: #0b2545; border-radius: 16px; }
QHeaderView::section { background: #1d4e89; color: #e8f1fb; font-size: 26px; border: none;
    padding: 8px; }
"""


W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, *, checkable: bool = False) -> W:
    """Set the object name (the style sheets select on it) and, for buttons, checkability."""
    widget.setObjectName(name)
    if isinstance(widget, QLabel):  # the hall shows data as it is, never as markup
        widget.setTextFormat(Qt.TextFormat.PlainText)
    if checkable and isinstance(widget, QAbstractButton):
        widget.setCheckable(True)
    return widget


def screen_at(index: int | None) -> QScreen:
    """`QGuiApplication.screens()[index]`, or the primary screen when there is no such screen."""
    screens = QGuiApplication.screens()
    if index is not None and 0 <= index < len(screens):
        return screens[index]
    if index is not None:
        log.warning("screen %s not found (%d screens): using the primary", index, len(screens))
    return QGuiApplication.primaryScreen()


def show_full_screen_on(widget: QWidget, index: int | None) -> QScreen:
    """Move a top-level window to screen `index` (or the primary) and show it full screen there."""
    screen = screen_at(index)
    widget.setScreen(screen)
    widget.setGeometry(screen.geometry())
    widget.showFullScreen()
    return screen


def call_key(call: BoardCall) -> tuple[str, int, str, bool]:
    return (call.number, call.window_number, call.at.isoformat(), call.recall)


class BoardWindow(QWidget):
    """Polls QueueService.board_state through BackgroundOp and says each new call once.

    Only ticket numbers, window numbers, group names and counts are ever shown: board_state
    carries no names or ID numbers."""

    def __init__(
        self,
        services: Services,
        *,
        announcer: Announcer | None = None,
        poll_ms: int = 1500,
    ) -> None:
        super().__init__()
        self.setObjectName("board")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.queue = services.queue
        self.centres = services.centre
        self.announcer = announcer if announcer is not None else Announcer(self)
        self.centre: CentreInfo | None = None
        self.state: BoardState | None = None
        self.seen: set[tuple[str, int, str, bool]] | None = None  # None until the first poll
        self.polling = False

        self.centre_label = named(QLabel(), "centre")
        self.clock_label = named(QLabel(), "clock")
        self.current_caption = named(QLabel(), "caption")
        self.current = named(QLabel(), "current")
        self.current.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.current.setMinimumHeight(220)
        # a long call never widens the window past its screen (it would on a bare X server)
        self.current.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.recent_caption = named(QLabel(), "caption")
        self.waiting_caption = named(QLabel(), "caption")
        self.footer = named(QLabel(), "footer")

        self.recent_model: RowTableModel[BoardCall] = RowTableModel(
            [
                Column("", lambda c: c.number),
                Column("", lambda c: tr("{n} 号窗口").format(n=c.window_number)),
                Column("", lambda c: tr("重呼") if c.recall else ""),
            ],
            self,
        )
        self.groups_model: RowTableModel[GroupWaiting] = RowTableModel(
            [
                Column("", lambda g: f"{g.prefix}  {g.name}"),
                Column("", lambda g: g.waiting, align_right=True),
            ],
            self,
        )
        self.recent_view = self._table(self.recent_model)
        self.groups_view = self._table(self.groups_model)
        self.groups_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

        head = QHBoxLayout()
        head.addWidget(self.centre_label)
        head.addStretch(1)
        head.addWidget(self.clock_label)
        left = QVBoxLayout()
        left.addWidget(self.recent_caption)
        left.addWidget(self.recent_view, 1)
        right = QVBoxLayout()
        right.addWidget(self.waiting_caption)
        right.addWidget(self.groups_view, 1)
        body = QHBoxLayout()
        body.setSpacing(36)
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        root = QVBoxLayout(self)
        root.setContentsMargins(40, 24, 40, 24)
        root.setSpacing(12)
        root.addLayout(head)
        root.addWidget(self.current_caption)
        root.addWidget(self.current)
        root.addSpacing(8)
        root.addLayout(body, 1)
        root.addWidget(self.footer, alignment=Qt.AlignmentFlag.AlignHCenter)

        self.poll_timer = QTimer(self, interval=poll_ms)
        self.poll_timer.timeout.connect(self.poll)
        self.clock_timer = QTimer(self, interval=1000)
        self.clock_timer.timeout.connect(self._tick)
        self.flash_timer = QTimer(self, interval=500)
        self.flash_timer.timeout.connect(self._flash)
        self._flashes = 0
        self.translateUI()
        self._tick()

    def _table(self, model: RowTableModel) -> QTableView:
        view = QTableView(self)
        view.setModel(model)
        view.verticalHeader().hide()
        view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.verticalHeader().setDefaultSectionSize(ROW_PX)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        view.setShowGrid(False)
        return view

    def translateUI(self) -> None:
        self.setWindowTitle(tr("叫号屏"))
        self.current_caption.setText(tr("正在呼叫"))
        self.recent_caption.setText(tr("最近呼叫"))
        self.waiting_caption.setText(tr("各业务等候人数"))
        self.recent_model.set_columns_titles([tr("号码"), tr("窗口"), tr("")])
        self.groups_model.set_columns_titles([tr("业务"), tr("等候")])
        self._show_state()

    # --- polling ------------------------------------------------------------------------------

    def start(self) -> None:
        """Load the centre, then poll board_state every poll_ms."""
        self.poll()
        self.poll_timer.start()
        self.clock_timer.start()

    def poll(self) -> None:
        if self.polling:
            return  # the previous read is still running (slow network to the centre database)
        self.polling = True
        centre = self.centre

        def fetch() -> tuple[CentreInfo, BoardState]:
            c = centre or self.centres.overview().centre
            return c, self.queue.board_state(c.id)

        BackgroundOp(fetch).success(self._polled).failure(self._poll_failed).run()

    def _polled(self, result: tuple[CentreInfo, BoardState]) -> None:
        self.polling = False
        self.centre, state = result
        new = [c for c in reversed(state.calls) if call_key(c) not in (self.seen or set())]
        first = self.seen is None
        self.seen = (self.seen or set()) | {call_key(c) for c in state.calls}
        self.state = state
        self._show_state()
        if not first:  # calls made before the board started are not read out again
            for call in new:
                self.announcer.announce(call.text)
            if new:
                self._flashes = 6
                self.flash_timer.start()

    def _poll_failed(self, exc: Exception) -> None:
        self.polling = False
        log.warning("board: poll failed: %s", type(exc).__name__)
        self.footer.setText(tr("正在重新连接…"))

    # --- showing ------------------------------------------------------------------------------

    def _show_state(self) -> None:
        self.centre_label.setText(self.centre.name if self.centre else tr("便民服务中心"))
        state = self.state
        if state is None:
            self.current.setText(tr("请留意叫号"))
            self.footer.setText(tr("请按号码顺序办理，过号请到服务台重新取号"))
            return
        self.current.setText(state.calls[0].text if state.calls else tr("请留意叫号"))
        self.fit_call()
        self.recent_model.set_rows(state.calls[1:])
        self.groups_model.set_rows(state.groups)
        self.fit_rows()
        self.footer.setText(
            tr("共 {n} 人等候 · 请按号码顺序办理，过号请到服务台重新取号").format(
                n=state.total_waiting
            )
        )

    def fit_call(self) -> None:
        """The current call in the largest type, up to CALL_PX, that fits the label's width."""
        label = self.current
        font = QFont(label.font())
        font.setPixelSize(CALL_PX)
        width = QFontMetrics(font).horizontalAdvance(label.text())
        room = label.contentsRect().width() - 24
        px = CALL_PX if width <= room or room <= 0 else max(40, CALL_PX * room // width)
        label.setStyleSheet(f"font-size: {px}px;")

    def fit_rows(self) -> None:
        """Every service group's line on screen: rows (and their type) shrink to fit the table."""
        view, rows = self.groups_view, self.groups_model.rowCount()
        room = view.viewport().height()
        if rows == 0 or room <= 0:
            return
        height = max(32, min(ROW_PX, room // rows))
        for v in (self.groups_view, self.recent_view):
            v.verticalHeader().setDefaultSectionSize(height)
            v.setStyleSheet(f"font-size: {min(ROW_FONT_PX, height * 3 // 5)}px;")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_call()
        self.fit_rows()

    def _tick(self) -> None:
        self.clock_label.setText(QDateTime.currentDateTime().toString("yyyy-MM-dd  HH:mm:ss"))

    def _flash(self) -> None:
        self._flashes -= 1
        self.current.setProperty("flash", self._flashes > 0 and self._flashes % 2 == 1)
        self.current.style().unpolish(self.current)
        self.current.style().polish(self.current)
        if self._flashes <= 0:
            self.flash_timer.stop()

    def visible_texts(self) -> list[str]:
        """Every text the board shows (labels and table cells), for privacy checks."""
        texts = [w.text() for w in self.findChildren(QLabel)]
        for model in (self.recent_model, self.groups_model):
            for r in range(model.rowCount()):
                for c in range(model.columnCount()):
                    texts.append(str(model.data(model.index(r, c))))
        return texts
