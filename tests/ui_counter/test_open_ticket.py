"""A ticket left called at a window (a restart, a clerk signed out or switched) is the window's
current ticket for whoever signs in there next: shown, finished with F11 by that clerk, never
stranded as 已叫号 for the rest of the day; other windows, other days and other centres see nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from sqlalchemy import select

from app.db.models import AuditRecord, Ticket
from app.domain.errors import IllegalTransition
from app.services.dto import SignedInUser
from tests.services.conftest import MovableClock
from tests.ui_counter.conftest import Counter
from ui.actions import ActionId
from ui.main_window import MainWindow
from ui.settings import COUNTER_NUMBER


def _window(counter: Counter, qtbot, username: str, number: int, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    user = counter.services.centre.sign_in(username, "onewindow")
    settings = QSettings(str(tmp_path / f"{username}-{number}.ini"), QSettings.Format.IniFormat)
    COUNTER_NUMBER.set(settings, number)
    w = MainWindow(
        counter.services, user, sink=counter.sink, rating=counter.rating, settings=settings
    )
    qtbot.addWidget(w)
    w.show()
    w.load()
    return w


def test_the_next_clerk_at_the_window_carries_the_ticket_on(
    counter: Counter, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    w, s = counter.window, counter.services
    assert w.overview is not None
    for _ in range(2):
        s.queue.issue_ticket(w.overview.centre.id, "shebao_yibao")
    qtbot.keyClick(w, Qt.Key.Key_F2)
    first = w.workspace.queue.ticket
    assert first is not None and first.status == "called"
    w.close()  # clerk1 leaves the desk with A001 still called (signed out, or the PC restarted)

    elsewhere = _window(counter, qtbot, "clerk3", 4, tmp_path)
    assert elsewhere.workspace.queue.ticket is None  # window 4 has nothing open
    elsewhere.close()

    w2 = _window(counter, qtbot, "clerk2", 3, tmp_path)
    ws2 = w2.workspace
    assert ws2.queue.ticket is not None and ws2.queue.ticket.id == first.id
    assert ws2.queue.current.text() == first.number
    assert "接续本窗口未结束的号" in w2.status_message.text()
    # F11 结束服务 (the action the key triggers; offscreen, a second top-level window is never
    # made active): the ticket ends under the clerk who ended it.
    ws2.registry.action(ActionId.FINISH_SERVICE).trigger()
    assert ws2.queue.ticket is None
    clerk2 = s.centre.sign_in("clerk2", "onewindow")
    with s.ctx.uow(read_only=True) as uow:
        t = uow.session.get_one(Ticket, first.id)
        assert t.status == "done"
        who = uow.session.scalars(
            select(AuditRecord.user_id).where(
                AuditRecord.action == "ticket_finished", AuditRecord.subject_id == first.id
            )
        ).one()
        assert who == clerk2.id
    # Nothing is left open at window 3 for the next start.
    assert s.queue.open_at_window(w2.workspace.counter_id, clerk2) is None  # type: ignore[arg-type]


def test_yesterdays_and_other_centres_tickets_are_not_picked_up(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    w, s, user = counter.window, counter.services, counter.user
    assert w.overview is not None and w.workspace.counter_id is not None
    s.queue.issue_ticket(w.overview.centre.id, "shebao_yibao")
    called = s.queue.call_next(w.workspace.counter_id, user)
    assert called is not None
    assert s.queue.open_at_window(w.workspace.counter_id, user) == called
    clock = MovableClock(s.ctx.clock() + timedelta(days=1))
    s.ctx.clock = clock
    assert s.queue.open_at_window(w.workspace.counter_id, user) is None  # a new business day
    other_centre = SignedInUser(user.id, user.username, user.display_name, user.role, uuid.uuid4())
    with pytest.raises(IllegalTransition, match="不属于本服务中心"):
        s.queue.open_at_window(w.workspace.counter_id, other_centre)
