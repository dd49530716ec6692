"""Call next never gives one ticket to two windows: 10 windows calling at once, on both databases."""

from __future__ import annotations

import threading
import uuid
from collections import Counter as Tally

from sqlalchemy import select

from app.db.models import CallRecord, Counter, Ticket
from app.db.types import new_id
from app.services.queue import QueueService
from tests.services.conftest import Centre990101

WINDOWS = 10
TICKETS = 300


def _add_windows(world: Centre990101) -> list[uuid.UUID]:
    with world.ctx.uow() as uow:
        for number in range(7, WINDOWS + 1):
            uow.session.add(
                Counter(
                    id=new_id(),
                    centre_id=world.centre_id,
                    number=number,
                    name=f"{number}号窗口",
                    all_groups=True,
                    service_groups=[],
                )
            )
    with world.ctx.uow(read_only=True) as uow:
        rows = uow.session.scalars(select(Counter).order_by(Counter.number)).all()
        return [c.id for c in rows]  # windows 5 and 6 serve one group only


def test_ten_windows_calling_at_once_never_share_a_ticket(world: Centre990101) -> None:
    queue = QueueService(world.ctx)
    groups = ["shebao_yibao", "jiuye_chuangye", "minzheng_jiuzhu"]
    issued = [
        queue.issue_ticket(world.centre_id, groups[i % 3], "elderly" if i % 4 == 0 else "normal").id
        for i in range(TICKETS)
    ]
    windows = _add_windows(world)
    assert len(windows) == WINDOWS
    clerk = world.users["clerk1"]
    got: dict[int, list[uuid.UUID]] = {i: [] for i in range(WINDOWS)}
    errors: list[BaseException] = []
    start = threading.Barrier(WINDOWS)

    def caller(i: int) -> None:
        try:
            start.wait()
            while True:
                t = queue.call_next(windows[i], clerk)
                if t is None:
                    return
                got[i].append(t.id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(WINDOWS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    assert not errors, errors
    called = [tid for ids in got.values() for tid in ids]
    tally = Tally(called)
    assert [tid for tid, n in tally.items() if n > 1] == []  # nobody got a ticket twice
    assert sorted(called) == sorted(issued)  # none lost
    assert sum(1 for ids in got.values() if ids) > 1  # the windows really competed
    with world.ctx.uow(read_only=True) as uow:
        s = uow.session
        statuses = set(s.scalars(select(Ticket.status)))
        assert statuses == {"called"}
        calls = Tally(s.scalars(select(CallRecord.ticket_id)))
        assert len(calls) == TICKETS and set(calls.values()) == {1}
        by_window = dict(s.execute(select(Ticket.id, Ticket.counter_id)).all())
    for i, ids in got.items():
        assert all(by_window[tid] == windows[i] for tid in ids)
