"""The customer-facing rating screen records one rating per service and asks why for a bad one."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.services.counter_dto import TicketView
from app.services.follow_ups import FollowUpService
from app.services.queue import QueueService
from tests.ui_hall.conftest import Hall
from ui.rating_window import RatingWindow, SecondScreenRatingRequester


def _served_ticket(hall: Hall) -> TicketView:
    queue = QueueService(hall.ctx)
    clerk = hall.users["clerk1"]
    group = queue.board_state(hall.centre_id).groups[0].code
    queue.issue_ticket(hall.centre_id, group)
    t = queue.call_next(hall.counters[1], clerk)
    assert t is not None
    queue.start_serving(t.id, clerk)
    return queue.finish(t.id, clerk)


def test_rating_recorded_then_refused_the_second_time(qtbot, hall: Hall) -> None:
    t = _served_ticket(hall)
    w = RatingWindow(hall.services, hall.users["clerk1"], thanks_ms=50)
    qtbot.addWidget(w)
    w.show()
    assert w.page() == "idle" and w.idle_big.text() == "欢迎评价"
    w.request_rating(t.id, None, "王晓燕", 1, "城乡居民医保参保登记")
    assert w.page() == "ask" and "1 号窗口" in w.ask_info.text()
    assert [b.text() for b in w.level_buttons.values()] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]
    qtbot.mouseClick(w.level_buttons[5], Qt.MouseButton.LeftButton)
    assert w.page() == "thanks" and w.last_rating is not None and w.last_rating.level == 5
    assert w.last_rating.follow_up_id is None
    qtbot.waitUntil(lambda: w.page() == "idle", timeout=3000)

    w.request_rating(t.id, None, "王晓燕", 1, "")
    qtbot.mouseClick(w.level_buttons[4], Qt.MouseButton.LeftButton)
    assert w.page() == "thanks" and w.thanks_big.text() == "这次服务已经评价过了"
    assert "只能评价一次" in w.thanks_info.text()


def test_bad_rating_needs_a_comment_and_opens_a_follow_up(qtbot, hall: Hall) -> None:
    t = _served_ticket(hall)
    w = RatingWindow(hall.services, hall.users["clerk1"])
    qtbot.addWidget(w)
    w.show()
    w.request_rating(t.id, None, "王晓燕", 1, "")
    qtbot.mouseClick(w.level_buttons[2], Qt.MouseButton.LeftButton)  # 不满意
    assert w.page() == "ask" and "很抱歉" in w.prompt.text()
    assert all(c.isVisible() for c in w.chips)
    qtbot.mouseClick(w.submit_button, Qt.MouseButton.LeftButton)  # still no reason given
    assert w.page() == "ask" and w.last_rating is None
    qtbot.mouseClick(w.chips[0], Qt.MouseButton.LeftButton)  # 等候时间长
    w.comment.insert("叫号后窗口无人")  # typed (QTest cannot send non-ASCII keys)
    qtbot.mouseClick(w.submit_button, Qt.MouseButton.LeftButton)
    assert w.page() == "thanks" and w.last_rating is not None
    assert w.last_rating.level == 2 and w.last_rating.follow_up_id is not None
    open_ = FollowUpService(hall.ctx).list_open(hall.users["supervisor"])
    assert [f.id for f in open_] == [w.last_rating.follow_up_id]
    assert open_[0].comment == "等候时间长；叫号后窗口无人" and open_[0].ticket_number == t.number


def test_requester_adapter_shows_the_window(qtbot, hall: Hall) -> None:
    t = _served_ticket(hall)
    requester = SecondScreenRatingRequester(
        hall.services, hall.users["clerk1"], 1, full_screen=False
    )
    w = requester.window
    assert w is not None
    qtbot.addWidget(w)
    requester.request_rating(t.id, None, "王晓燕", 1, "社保卡补办")
    assert w.isVisible() and w.page() == "ask"
    assert "社保卡补办" in w.ask_info.text()


def test_requester_matches_the_counter_protocol(qtbot, hall: Hall) -> None:
    from ui.counter.rating import RatingRequester

    t = _served_ticket(hall)
    requester: RatingRequester = SecondScreenRatingRequester(
        hall.services, None, 1, full_screen=False
    )
    assert isinstance(requester, SecondScreenRatingRequester)
    requester.request_rating(
        ticket_id=t.id, case_ids=(), clerk=hall.users["clerk2"], window_number=4
    )
    w = requester.window
    assert w is not None
    qtbot.addWidget(w)
    assert w.page() == "ask" and "4 号窗口" in w.ask_info.text()
    assert hall.users["clerk2"].display_name in w.ask_info.text()
    qtbot.mouseClick(w.level_buttons[3], Qt.MouseButton.LeftButton)
    assert w.last_rating is not None and w.last_rating.level == 3
