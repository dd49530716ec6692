"""On a one-screen desk the rating window is small, in a corner, leaves the clerk's focus alone and
closes after the rating; 不满意 without a reason says why; the thank-you line fits."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.ui_hall.conftest import Hall
from tests.ui_hall.test_rating import _served_ticket
from ui.rating_style import COMPACT_SIZE
from ui.rating_window import SecondScreenRatingRequester


def test_compact_window_beside_the_workspace_closes_after_rating(qtbot, hall: Hall) -> None:  # type: ignore[no-untyped-def]
    desk = QWidget()
    qtbot.addWidget(desk)
    desk.show()
    qtbot.waitExposed(desk)
    desk.activateWindow()
    t = _served_ticket(hall)
    requester = SecondScreenRatingRequester(hall.services, hall.users["clerk1"], full_screen=False)
    w = requester.window
    assert w is not None
    qtbot.addWidget(w)
    w.thanks_ms = 50
    requester.request_rating(t.id, None, "王晓燕", 1, "社保卡补办")
    assert w.isVisible() and not w.isFullScreen() and w.page() == "ask"
    assert w.width() <= COMPACT_SIZE[0] + 20 and w.height() <= COMPACT_SIZE[1] + 20
    assert w.width() * w.height() < 1366 * 768 / 3  # a corner of the clerk's 1366×768 screen
    assert QApplication.activeWindow() is not w
    assert w.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)

    w.choose(2)  # 不满意 with no reason: it says what is missing
    w.submit()
    assert "原因" in w.prompt.text() and w.last_rating is None
    w.comment.setText("等候时间太长，窗口工作人员离岗")
    w.submit()
    assert w.last_rating is not None and w.page() == "thanks"
    info = w.thanks_info
    assert info.wordWrap() and info.width() <= w.width()
    assert info.heightForWidth(info.width()) <= max(info.height(), info.sizeHint().height())
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=3000)  # closed after the rating


def test_nothing_to_rate_shows_nothing(qtbot, hall: Hall) -> None:  # type: ignore[no-untyped-def]
    requester = SecondScreenRatingRequester(hall.services, hall.users["clerk1"], full_screen=False)
    w = requester.window
    assert w is not None
    qtbot.addWidget(w)
    requester.request_rating(ticket_id=None, case_ids=(), clerk=hall.users["clerk1"])
    assert not w.isVisible()
