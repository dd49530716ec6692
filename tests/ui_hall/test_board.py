"""The call board shows calls made through QueueService, says each new call once, shows no names."""

from __future__ import annotations

from PySide6.QtTextToSpeech import QTextToSpeech

from app.services.queue import QueueService
from app.services.residents import ResidentInput, ResidentService
from tests.ui_hall.conftest import Hall, make_id
from ui.announcer import Announcer, spoken_text
from ui.board import BoardWindow, screen_at

RESIDENT_ID = make_id("11010119580307123")
RESIDENT_NAME = "欧阳秀兰"


def test_board_shows_the_call_and_says_it_once(qtbot, hall: Hall) -> None:
    clerk = hall.users["clerk1"]
    ResidentService(hall.ctx).register(
        ResidentInput(id_number=RESIDENT_ID, name=RESIDENT_NAME, phone="13800138000"), clerk
    )
    queue = QueueService(hall.ctx)
    group = queue.board_state(hall.centre_id).groups[0].code
    old = queue.issue_ticket(hall.centre_id, group)
    queue.call_next(hall.counters[2], clerk)  # called before the board started: not read out

    announcer = Announcer(engine="mock", require_chinese=False, repeat=2)
    assert announcer.available, announcer.reason
    board = BoardWindow(hall.services, announcer=announcer)
    qtbot.addWidget(board)
    board.show()
    board.poll()
    assert board.current.text() == f"请 {old.number} 号 到 2 号窗口"
    assert announcer.requested == []

    ticket = queue.issue_ticket(hall.centre_id, group, id_number=RESIDENT_ID)
    queue.issue_ticket(hall.centre_id, group)
    board.poll()
    assert board.groups_model.rows()[0].waiting == 2
    called = queue.call_next(hall.counters[3], clerk)
    assert called is not None and called.number == ticket.number  # the elderly one first
    text = f"请 {ticket.number} 号 到 3 号窗口"
    board.poll()
    board.poll()  # a second poll of the same state says nothing again
    assert board.current.text() == text
    assert [c.number for c in board.recent_model.rows()] == [old.number]
    assert board.groups_model.rows()[0].waiting == 1
    assert announcer.requested == [text] and announcer.spoken == [text]
    assert announcer.tts is not None
    qtbot.waitUntil(
        lambda: announcer.tts.state() != QTextToSpeech.State.Ready, timeout=3000
    )  # the mock engine really got the words

    # A recall (重呼) is a new call: said once more.
    queue.recall(ticket.id, clerk)
    board.poll()
    assert announcer.requested == [text, text]

    # No names or ID numbers anywhere on the board.
    shown = "\n".join(board.visible_texts())
    names = [u.display_name for u in hall.users.values()] + [RESIDENT_NAME]
    assert not [n for n in names if n in shown]
    assert RESIDENT_ID not in shown and RESIDENT_ID[-4:] not in shown.replace(ticket.number, "")
    assert hall.users["clerk1"].display_name not in shown


def test_spoken_text_reads_ticket_digits_one_by_one() -> None:
    assert spoken_text("请 A017 号 到 3 号窗口") == "请A零一七号到3号窗口"


def test_silent_without_engine_or_chinese_voice(qtbot) -> None:
    missing = Announcer(engine="no-such-engine")
    missing.announce("请 A001 号 到 1 号窗口")
    assert not missing.available and missing.spoken == [] and "not installed" in missing.reason
    # The mock engine has no Chinese voice: by default the board stays silent rather than
    # reading Chinese with an English voice.
    english_only = Announcer(engine="mock")
    english_only.announce("请 A001 号 到 1 号窗口")
    assert not english_only.available and "Chinese" in english_only.reason
    off = Announcer(engine="mock", enabled=False)
    off.announce("请 A001 号 到 1 号窗口")
    assert off.requested and not off.spoken


def test_board_without_any_voice_still_shows_calls(qtbot, hall: Hall) -> None:
    queue = QueueService(hall.ctx)
    group = queue.board_state(hall.centre_id).groups[0].code
    board = BoardWindow(hall.services, announcer=Announcer(engine="no-such-engine"))
    qtbot.addWidget(board)
    board.poll()
    t = queue.issue_ticket(hall.centre_id, group)
    queue.call_next(hall.counters[1], hall.users["clerk2"])
    board.poll()
    assert board.current.text() == f"请 {t.number} 号 到 1 号窗口"
    assert board.centre_label.text() == "示范区幸福街道便民服务中心"


def test_screen_falls_back_to_primary(qtbot) -> None:
    from PySide6.QtGui import QGuiApplication

    assert screen_at(99) is QGuiApplication.primaryScreen()
    assert screen_at(None) is QGuiApplication.primaryScreen()
    assert screen_at(0) is QGuiApplication.screens()[0]


def test_board_polls_off_the_gui_thread(qtbot, hall: Hall) -> None:
    from ui.background import BackgroundOp

    queue = QueueService(hall.ctx)
    t = queue.issue_ticket(hall.centre_id, queue.board_state(hall.centre_id).groups[0].code)
    queue.call_next(hall.counters[4], hall.users["clerk3"])
    BackgroundOp.run_inline(False)
    board = BoardWindow(hall.services, announcer=Announcer(enabled=False), poll_ms=100)
    qtbot.addWidget(board)
    board.start()
    qtbot.waitUntil(lambda: board.current.text() == f"请 {t.number} 号 到 4 号窗口", timeout=5000)
    board.poll_timer.stop()
    BackgroundOp.wait_all()
    qtbot.wait(50)  # deliver the last queued results
