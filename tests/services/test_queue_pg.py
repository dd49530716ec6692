"""Call-next's PostgreSQL statement (app/services/queue_pg.py): the written fairness rule, what it
writes (call record, audit chain, outbox), and the cases where it steps aside for the general path."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import psycopg
import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import make_url

from app.clock import business_date
from app.db.models import AuditRecord, CallRecord, Counter, OutboxOp, Ticket
from app.db.payload import row_payload
from app.db.types import new_id
from app.domain.errors import IllegalTransition
from app.domain.queue import DEFAULT_RULE, PriorityClass, WaitingTicket, choose_next
from app.services.audit import verify_database
from app.services.case_numbers import NotFound
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from app.services.queue import QueueService
from tests.services.conftest import START, Centre990101

pytestmark = pytest.mark.pg

PRIORITIES = [p.value for p in PriorityClass]
GROUPS = ["shebao_yibao", "jiuye_chuangye", "minzheng_jiuzhu"]


@pytest.fixture
def pg_world(pg_url: str) -> Iterator[Centre990101]:
    centre = Centre990101.open(pg_url)
    yield centre
    centre.ctx.close()


def _no_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("the PostgreSQL statement stepped aside")

    monkeypatch.setattr(QueueService, "_call_next_general", refuse)


def _psycopg_url(ctx: ServiceContext) -> str:
    url = make_url(ctx.engine.url.render_as_string(hide_password=False))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def test_the_statement_picks_what_the_written_rule_picks(
    pg_world: Centre990101, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random queues (returned, priority and ordinary tickets, some for other groups or windows,
    some waiting past M minutes) and random recent calls: the ticket the statement takes is the
    one `choose_next` picks from the tickets open to that window."""
    _no_general_path(monkeypatch)
    w, rng = pg_world, random.Random(15)
    queue = QueueService(w.ctx)
    clerk = w.users["clerk1"]
    with w.ctx.uow(read_only=True) as uow:
        windows = {c.id: c for c in uow.session.scalars(select(Counter))}
    seq, dummy = 0, _dummy_ticket(w)
    for _scenario in range(60):
        w.clock.advance(days=1)  # a new business day: yesterday's tickets are not open
        now = w.clock.now
        counter = rng.choice(list(windows.values()))
        with w.ctx.uow() as uow:
            for i in range(rng.randint(0, 3)):
                uow.session.add(_call(counter, dummy, rng.random() < 0.6, now, i))
        with w.ctx.uow(read_only=True) as uow:  # this window's calls as the rule sees them
            history = list(
                uow.session.scalars(
                    select(CallRecord.priority)
                    .where(CallRecord.counter_id == counter.id, CallRecord.recall.is_(False))
                    .order_by(CallRecord.at.desc(), CallRecord.id.desc())
                    .limit(3)
                )
            )[::-1]
        tickets: list[tuple[Ticket, bool]] = []  # (ticket, open to this window)
        with w.ctx.uow() as uow:
            s = uow.session
            for _ in range(rng.randint(0, 9)):
                seq += 1
                group = rng.choice(GROUPS)
                target = rng.choice([None] * 6 + [counter.id, rng.choice(list(windows))])
                t = Ticket(
                    id=new_id(),
                    centre_id=w.centre_id,
                    business_date=business_date(now),
                    service_group=group,
                    seq=seq,
                    number=f"T{seq:03d}",
                    priority=rng.choice(PRIORITIES[:1] * 4 + PRIORITIES[1:]),
                    status=rng.choice(["waiting"] * 5 + ["called", "done"]),
                    issued_at=now - timedelta(minutes=rng.choice([1, 3, 8, 14, 15, 16, 25, 40])),
                    front=rng.random() < 0.15,
                    target_counter_id=target,
                )
                s.add(t)
                mine = t.target_counter_id == counter.id or (
                    t.target_counter_id is None
                    and (counter.all_groups or group in counter.service_groups)
                )
                tickets.append((t, mine and t.status == "waiting"))
        open_ = [
            WaitingTicket(
                str(t.id), t.service_group, PriorityClass(t.priority), t.issued_at, t.front
            )
            for t, ok in tickets
            if ok
        ]
        expected = choose_next(open_, DEFAULT_RULE, history, now)
        got = queue.call_next(counter.id, clerk)
        if expected is None:
            assert got is None
        else:
            assert got is not None and str(got.id) == expected.id, (history, open_)
            assert got.status == "called" and got.window_number == counter.number
            assert got.counter_id == counter.id and got.called_at == now and not got.front


def _dummy_ticket(w: Centre990101) -> uuid.UUID:
    """A finished ticket of another day for the made-up call records to point at."""
    with w.ctx.uow() as uow:
        t = Ticket(
            id=new_id(),
            centre_id=w.centre_id,
            business_date=START.date() - timedelta(days=1),
            service_group=GROUPS[0],
            seq=1,
            number="A001",
            status="done",
            issued_at=START - timedelta(days=1),
        )
        uow.session.add(t)
        return t.id


def _call(
    counter: Counter, ticket_id: uuid.UUID, priority: bool, now: datetime, i: int
) -> CallRecord:
    return CallRecord(
        id=new_id(),
        centre_id=counter.centre_id,
        ticket_id=ticket_id,
        counter_id=counter.id,
        number="A001",
        window_number=counter.number,
        recall=False,
        priority=priority,
        at=now - timedelta(seconds=60 - i),
    )


def test_it_writes_the_call_record_audit_and_outbox_the_general_path_writes(
    pg_world: Centre990101, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_general_path(monkeypatch)
    w = pg_world
    queue = QueueService(w.ctx)
    issued = queue.issue_ticket(w.centre_id, GROUPS[0], "elderly")
    with w.ctx.uow(read_only=True) as uow:
        outbox_before = uow.session.scalar(select(func.max(OutboxOp.seq))) or 0
    got = queue.call_next(w.counters[1], w.users["clerk1"])
    assert got is not None and got.id == issued.id
    with w.ctx.uow(read_only=True) as uow:
        s = uow.session
        ticket = s.get_one(Ticket, issued.id)
        (call,) = s.scalars(select(CallRecord).where(CallRecord.ticket_id == issued.id))
        assert (call.counter_id, call.window_number, call.recall, call.priority) == (
            w.counters[1],
            1,
            False,
            True,
        )
        ops = s.scalars(
            select(OutboxOp).where(OutboxOp.seq > outbox_before).order_by(OutboxOp.seq)
        ).all()
        last = s.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1)).one()
        assert [(o.seq, o.entity, o.entity_id) for o in ops] == [
            (outbox_before + 1, "ticket", ticket.id),
            (outbox_before + 2, "call_record", call.id),
            (outbox_before + 3, "audit_record", last.id),  # the audit trail goes to the hub too
        ]
        assert ops[0].payload == row_payload(ticket)
        assert ops[1].payload == row_payload(call)
        assert ops[2].payload == row_payload(last)
        assert (last.action, last.subject_id, last.user_id) == (
            "ticket_called",
            issued.id,
            w.users["clerk1"].id,
        )
        assert last.detail == {"counter_id": str(w.counters[1])}
    assert verify_database(w.ctx).chain.ok


def test_nobody_waiting_unknown_window_and_another_centre_write_nothing(
    pg_world: Centre990101, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_general_path(monkeypatch)
    w = pg_world
    queue = QueueService(w.ctx)
    clerk = w.users["clerk1"]

    def counts() -> tuple[int, int, int]:
        with w.ctx.uow(read_only=True) as uow:
            s = uow.session
            return tuple(  # type: ignore[return-value]
                int(s.scalar(select(func.count()).select_from(m)) or 0)
                for m in (CallRecord, AuditRecord, OutboxOp)
            )

    before = counts()
    assert queue.call_next(w.counters[1], clerk) is None
    with pytest.raises(NotFound):
        queue.call_next(uuid.uuid4(), clerk)
    stranger = SignedInUser(uuid.uuid4(), "x", "x", "clerk", uuid.uuid4())
    queue.issue_ticket(w.centre_id, GROUPS[0])
    after_issue = counts()
    with pytest.raises(IllegalTransition) as err:
        queue.call_next(w.counters[1], stranger)
    assert err.value.code == "WRONG_CENTRE"
    assert counts() == after_issue and after_issue[0] == before[0]
    with w.ctx.uow(read_only=True) as uow:
        assert set(uow.session.scalars(select(Ticket.status))) == {"waiting"}


@pytest.mark.parametrize("holder_takes_it", [False, True])
def test_when_every_open_ticket_is_locked_it_waits_for_the_holder(
    pg_world: Centre990101, monkeypatch: pytest.MonkeyPatch, holder_takes_it: bool
) -> None:
    """Another window holds the only waiting ticket: SKIP LOCKED finds nothing, so the statement
    runs again waiting for that window; when it gives the ticket back (rollback), this window
    gets it — and when the holder took it (commit), this window hears that nobody waits."""
    _no_general_path(monkeypatch)
    w = pg_world
    queue = QueueService(w.ctx)
    issued = queue.issue_ticket(w.centre_id, GROUPS[0])
    holder = psycopg.connect(_psycopg_url(w.ctx))
    holder.execute("SELECT id FROM ticket WHERE id = %s FOR UPDATE", (issued.id,))
    result: list[object] = []
    caller = threading.Thread(
        target=lambda: result.append(queue.call_next(w.counters[1], w.users["clerk1"]))
    )
    caller.start()
    watcher = psycopg.connect(_psycopg_url(w.ctx), autocommit=True)
    while True:  # until the caller's connection waits on the holder's row lock
        row = watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        ).fetchone()
        if (row and row[0]) or not caller.is_alive():
            break
        time.sleep(0.01)
    assert caller.is_alive() and not result
    if holder_takes_it:  # as another window's call-next would
        holder.execute("UPDATE ticket SET status = 'called' WHERE id = %s", (issued.id,))
        holder.commit()
    else:
        holder.rollback()
    caller.join(timeout=60)
    holder.close()
    watcher.close()
    (got,) = result
    if holder_takes_it:
        assert got is None
    else:
        assert got is not None and got.id == issued.id  # type: ignore[attr-defined]


def test_ten_windows_at_once_keep_every_guarantee(
    pg_world: Centre990101, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten windows (threads, one connection each) drain 240 tickets: no ticket twice, none lost,
    each window takes each class in issue order, the audit chain verifies, the outbox is gap-free
    with one ticket and one call-record row per call, and the statement did every call (the
    last ones, when fewer tickets than windows are left, by waiting for the first in rule order)."""
    w = pg_world
    queue = QueueService(w.ctx)
    for i in range(240):
        w.clock.advance(seconds=1)
        queue.issue_ticket(w.centre_id, GROUPS[i % 3], "elderly" if i % 4 == 0 else "normal")
    with w.ctx.uow() as uow:
        uow.session.execute(update(Counter).values(all_groups=True, service_groups=[]))
        for n in range(7, 11):
            uow.session.add(
                Counter(
                    id=new_id(), centre_id=w.centre_id, number=n, name=f"{n}号", all_groups=True
                )
            )
        uow.session.execute(delete(OutboxOp))  # the outbox from here on, from seq 1 up
    with w.ctx.uow(read_only=True) as uow:
        windows = list(uow.session.scalars(select(Counter.id).order_by(Counter.number)))
    general = []
    real_general = QueueService._call_next_general

    def counting(self: QueueService, *a: object) -> object:
        general.append(1)
        return real_general(self, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(QueueService, "_call_next_general", counting)
    got: dict[int, list[tuple[uuid.UUID, str, object]]] = {i: [] for i in range(10)}
    errors: list[BaseException] = []
    start = threading.Barrier(10)

    def window(i: int) -> None:
        try:
            start.wait()
            while (t := queue.call_next(windows[i], w.users["clerk1"])) is not None:
                got[i].append((t.id, t.priority, t.issued_at))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=window, args=(i,)) for i in range(10)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=600)
    assert not errors, errors
    called = [tid for calls in got.values() for tid, _p, _at in calls]
    assert len(called) == len(set(called)) == 240
    assert sum(1 for calls in got.values() if calls) > 1
    for calls in got.values():
        for cls in (True, False):
            mine = [at for _t, p, at in calls if (p != "normal") == cls]
            assert mine == sorted(mine)  # first come, first served within each class
    assert general == []  # the statement did every call, the last ones too
    assert verify_database(w.ctx).chain.ok
    with w.ctx.uow(read_only=True) as uow:
        s = uow.session
        seqs = list(s.scalars(select(OutboxOp.seq).order_by(OutboxOp.seq)))
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # gap-free
        ops = s.execute(select(OutboxOp.entity, OutboxOp.entity_id, OutboxOp.payload)).all()
        ticket_ops = {eid: p for e, eid, p in ops if e == "ticket"}
        assert set(ticket_ops) == set(called)
        assert {p["status"] for p in ticket_ops.values()} == {"called"}
        call_ops = [p for e, _eid, p in ops if e == "call_record"]
        assert sorted(uuid.UUID(p["ticket_id"]) for p in call_ops) == sorted(called)
