"""The customer-facing rating screen (好差评): five big buttons, a comment for the low ones, thanks."""

from __future__ import annotations

import logging
import uuid

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.counter_dto import RatingView
from app.services.dto import SignedInUser
from app.services.types import BAD_LEVELS, DomainError
from ui.background import BackgroundOp
from ui.board import named, screen_at, show_full_screen_on
from ui.i18n import tr
from ui.rating_style import COLOURS, COMPACT_SIZE, COMPACT_STYLE, STYLE

log = logging.getLogger(__name__)

IDLE, ASK, THANKS = range(3)


class RatingWindow(QWidget):
    """Idle 欢迎评价 → request_rating() asks → RatingService.rate → thanks → idle after a while.

    `user` is the clerk signed in at the window (the rating is recorded under their centre)."""

    def __init__(
        self,
        services: Services,
        user: SignedInUser,
        *,
        thanks_ms: int = 6000,
        ask_timeout_ms: int = 120_000,
        compact: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("rating")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE + (COMPACT_STYLE if compact else ""))
        self.compact = compact  # a small window on the clerk's screen: it closes when done
        self.ratings = services.ratings
        self.user = user
        self.ticket_id: uuid.UUID | None = None
        self.case_id: uuid.UUID | None = None
        self.clerk_name = ""
        self.counter_number = 0
        self.matter_name = ""
        self.level: int | None = None
        self.last_rating: RatingView | None = None
        self.busy = False
        self.retiring = False  # the session ended: the window goes once idle

        self.pages = QStackedWidget(self)
        root = QVBoxLayout(self)
        margin = 16 if compact else 48
        root.setContentsMargins(margin, margin, margin, margin)
        root.addWidget(self.pages)

        idle = QWidget()
        icol = QVBoxLayout(idle)
        self.idle_big = named(QLabel(), "big")
        self.idle_info = named(QLabel(), "info")
        icol.addStretch(1)
        icol.addWidget(self.idle_big, alignment=Qt.AlignmentFlag.AlignHCenter)
        icol.addWidget(self.idle_info, alignment=Qt.AlignmentFlag.AlignHCenter)
        icol.addStretch(1)
        self.pages.addWidget(idle)

        ask = QWidget()
        acol = QVBoxLayout(ask)
        acol.setSpacing(20)
        acol.addStretch(1)
        self.ask_title = named(QLabel(), "title")
        self.ask_info = named(QLabel(), "info")
        acol.addWidget(self.ask_title, alignment=Qt.AlignmentFlag.AlignHCenter)
        acol.addWidget(self.ask_info, alignment=Qt.AlignmentFlag.AlignHCenter)
        row = QHBoxLayout()
        row.setSpacing(20)
        self.level_buttons: dict[int, QPushButton] = {}
        for level in (5, 4, 3, 2, 1):
            b = named(QPushButton(), "level", checkable=True)
            b.setStyleSheet(f"background: {COLOURS[level]};")
            b.clicked.connect(lambda _=False, lv=level: self.choose(lv))
            self.level_buttons[level] = b
            row.addWidget(b)
        acol.addLayout(row)
        self.prompt = named(QLabel(), "prompt")
        self.prompt.setWordWrap(True)
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt.setMinimumHeight(90)
        acol.addWidget(self.prompt)
        chips = QGridLayout()
        self.chips: list[QPushButton] = []
        for i in range(4):
            c = named(QPushButton(), "chip", checkable=True)
            chips.addWidget(c, 0, i)
            self.chips.append(c)
        acol.addLayout(chips)
        self.comment = QLineEdit()
        self.comment.setMaxLength(200)
        self.comment.textChanged.connect(lambda _t: self._mark_needed(False))
        acol.addWidget(self.comment)
        self.submit_button = named(QPushButton(), "submit")
        self.submit_button.clicked.connect(self.submit)
        acol.addWidget(self.submit_button, alignment=Qt.AlignmentFlag.AlignHCenter)
        acol.addStretch(1)
        self.pages.addWidget(ask)

        thanks = QWidget()
        tcol = QVBoxLayout(thanks)
        self.thanks_big = named(QLabel(), "big")
        self.thanks_info = named(QLabel(), "info")
        tcol.addStretch(1)
        for label in (self.thanks_big, self.thanks_info):  # full width, wrapped: the line fits
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            tcol.addWidget(label)
        tcol.addStretch(1)
        self.pages.addWidget(thanks)

        self.idle_timer = QTimer(self, singleShot=True)
        self.idle_timer.timeout.connect(self.go_idle)
        self.thanks_ms = thanks_ms
        self.ask_timeout_ms = ask_timeout_ms
        self.translateUI()

    def translateUI(self) -> None:
        self.setWindowTitle(tr("服务评价"))
        self.idle_big.setText(tr("欢迎评价"))
        self.idle_info.setText(tr("办理结束后，请在这里为我们的服务打分"))
        self.ask_title.setText(tr("请您对本次服务进行评价"))
        names = {
            5: tr("非常满意"),
            4: tr("满意"),
            3: tr("基本满意"),
            2: tr("不满意"),
            1: tr("非常不满意"),
        }
        for level, b in self.level_buttons.items():
            b.setText(names[level])
        for c, text in zip(
            self.chips,
            (tr("等候时间长"), tr("服务态度"), tr("办事效率"), tr("材料要求不清楚")),
            strict=True,
        ):
            c.setText(text)
        self._comment_placeholder()
        self.submit_button.setText(tr("提交评价"))
        self.thanks_big.setText(tr("感谢您的评价！"))
        self._show_info()
        self._show_prompt()

    # --- flow ---------------------------------------------------------------------------------

    def request_rating(
        self,
        ticket_id: uuid.UUID | None,
        case_id: uuid.UUID | None,
        clerk_name: str,
        counter_number: int,
        matter_name: str,
    ) -> None:
        """Ask the resident to rate the service just finished (a ticket's visit and/or a case)."""
        if ticket_id is None and case_id is None:
            log.warning("rating requested without a ticket or a case: ignored")
            return
        self.ticket_id, self.case_id = ticket_id, case_id
        self.clerk_name, self.counter_number, self.matter_name = (
            clerk_name,
            counter_number,
            matter_name,
        )
        self.level = None
        self.busy = False
        self.comment.clear()
        for b in (*self.level_buttons.values(), *self.chips):
            b.setChecked(False)
        self._show_info()
        self._show_prompt()
        self._set_chips_visible(False)
        self._comment_placeholder()
        self.pages.setCurrentIndex(ASK)
        self.idle_timer.start(self.ask_timeout_ms)

    def _show_info(self) -> None:
        if not self.counter_number:
            self.ask_info.setText("")
            return
        info = tr("{window} 号窗口 · 工作人员 {clerk}").format(
            window=self.counter_number, clerk=self.clerk_name
        )
        if self.matter_name:
            info += tr(" · 办理事项：{matter}").format(matter=self.matter_name)
        self.ask_info.setText(info)

    def _show_prompt(self, error: str = "") -> None:
        if error:
            self.prompt.setText(error)
        elif self.level in BAD_LEVELS:
            self.prompt.setText(
                tr(
                    "很抱歉没能让您满意。请告诉我们哪里做得不好，\n我们会尽快改进，并由中心负责人回访您。"
                )
            )
        else:
            self.prompt.setText("")

    def _comment_placeholder(self) -> None:
        if self.level in BAD_LEVELS:
            self.comment.setPlaceholderText(tr("请写下您的意见，或点选上面的原因"))
        else:
            self.comment.setPlaceholderText(tr("意见建议（可不填）"))

    def _set_chips_visible(self, visible: bool) -> None:
        for c in self.chips:
            c.setVisible(visible)

    def _mark_needed(self, needed: bool) -> None:
        self.comment.setProperty("needed", needed)
        self.comment.style().unpolish(self.comment)
        self.comment.style().polish(self.comment)

    def comment_text(self) -> str:
        picked = [c.text() for c in self.chips if c.isChecked() and c.isVisible()]
        typed = self.comment.text().strip()
        return "；".join([*picked, typed] if typed else picked)

    def choose(self, level: int) -> None:
        """A level button: good levels submit at once; the two lowest first ask what went wrong."""
        self.level = level
        for lv, b in self.level_buttons.items():
            b.setChecked(lv == level)
        self.idle_timer.start(self.ask_timeout_ms)
        if level in BAD_LEVELS and not self.comment_text():
            self._set_chips_visible(True)
            self._mark_needed(True)
            self._show_prompt()
            self._comment_placeholder()
            self.comment.setFocus()
            return
        self.submit()

    def submit(self) -> None:
        if self.busy or self.level is None:
            if self.level is None:
                self._show_prompt(tr("请先点选一个满意程度"))
            return
        comment = self.comment_text()
        if self.level in BAD_LEVELS and not comment:
            self._mark_needed(True)
            self._show_prompt(tr("请点选或写下不满意的原因，再按“提交评价”"))
            self._set_chips_visible(True)
            return
        self.busy = True
        level, ticket_id, case_id = self.level, self.ticket_id, self.case_id
        BackgroundOp(
            lambda: self.ratings.rate(
                self.user, level=level, comment=comment, ticket_id=ticket_id, case_id=case_id
            )
        ).success(self._rated).failure(self._failed).run()

    def _rated(self, rating: RatingView) -> None:
        self.busy = False
        self.last_rating = rating
        if rating.follow_up_id is not None:
            self.thanks_info.setText(tr("您的意见已转交中心负责人，我们会尽快与您联系。"))
        else:
            self.thanks_info.setText(tr("您的满意是我们最大的动力，祝您生活愉快！"))
        self._thank()

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        code = getattr(exc, "code", "")
        if code == "RATING_EXISTS":
            self.thanks_big.setText(tr("这次服务已经评价过了"))
            self.thanks_info.setText(tr("每次服务只能评价一次，感谢您的支持！"))
            self._thank(keep_title=True)
        elif isinstance(exc, DomainError):
            self._show_prompt(exc.message)
        else:
            log.error("rating failed: %s", type(exc).__name__)
            self._show_prompt(tr("评价暂时无法提交，请告诉工作人员，谢谢！"))

    def _thank(self, *, keep_title: bool = False) -> None:
        if not keep_title:
            self.thanks_big.setText(tr("感谢您的评价！"))
        self.ticket_id = self.case_id = None
        self.pages.setCurrentIndex(THANKS)
        self.idle_timer.start(self.thanks_ms)

    def go_idle(self) -> None:
        self.idle_timer.stop()
        if self.retiring:  # the clerk signed out: no next resident here
            self.deleteLater()
        self.ticket_id = self.case_id = None
        self.level = None
        self.comment.clear()
        self.pages.setCurrentIndex(IDLE)
        if self.compact or self.retiring:
            self.hide()

    def page(self) -> str:
        return ("idle", "ask", "thanks")[self.pages.currentIndex()]


class SecondScreenRatingRequester:
    """What the clerk workspace calls when service ends: opens the rating window full screen on
    the second screen. Takes both the brief's positional form
    request_rating(ticket_id, case_id, clerk_name, counter_number, matter_name) and ui.counter's
    RatingRequester form request_rating(ticket_id=, case_ids=, clerk=, window_number=)."""

    def __init__(
        self,
        services: Services,
        user: SignedInUser | None = None,
        screen: int | None = 1,
        *,
        full_screen: bool = True,
    ) -> None:
        self.user = user
        self.services = services
        self.screen = screen
        self.full_screen = full_screen
        self.window = self._window(user) if user is not None else None
        self._shown = False

    def _window(self, user: SignedInUser) -> RatingWindow:
        window = RatingWindow(self.services, user, compact=not self.full_screen)
        if not self.full_screen:
            window.setWindowFlag(Qt.WindowType.Tool, True)
            window.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
            window.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
            window.resize(*COMPACT_SIZE)
        return window

    def show(self) -> None:
        """Full screen on the resident's screen (shown once, idle between services); on a
        one-screen desk a small window in the bottom-right corner, keeping the clerk's focus."""
        if self.window is None:
            return
        if self.full_screen:
            if not self._shown:
                show_full_screen_on(self.window, self.screen)
            self._shown = True
            return
        area = screen_at(self.screen).availableGeometry()
        width, height = COMPACT_SIZE
        self.window.move(area.right() - width - 16, area.bottom() - height - 48)
        self.window.show()

    def retire(self) -> None:
        """The clerk's session ended: the window closes once idle (a resident rating finishes
        first: a sign-out never cuts a rating short); the next clerk's requester makes its own."""
        window, self.window, self._shown = self.window, None, False
        if window is not None:
            window.retiring = True
            if window.page() == "idle" or not window.isVisible():
                window.go_idle()

    def request_rating(
        self,
        ticket_id: uuid.UUID | None = None,
        case_id: uuid.UUID | None = None,
        clerk_name: str = "",
        counter_number: int = 0,
        matter_name: str = "",
        *,
        case_ids: tuple[uuid.UUID, ...] = (),
        clerk: SignedInUser | None = None,
        window_number: int | None = None,
    ) -> None:
        if clerk is not None:  # the clerk signed in now records the rating
            self.user = clerk
            clerk_name = clerk_name or clerk.display_name
        if self.user is None:
            log.warning("rating requested with no signed-in clerk: ignored")
            return
        if case_id is None and case_ids:
            case_id = case_ids[0]  # one rating per service: it covers the visit's first case
        if ticket_id is None and case_id is None:
            return  # nobody was served: nothing to rate, nothing shown
        if self.window is None:
            self.window = self._window(self.user)
        self.window.user = self.user
        if window_number is not None:
            counter_number = window_number
        self.show()
        self.window.request_rating(ticket_id, case_id, clerk_name, counter_number, matter_name)
