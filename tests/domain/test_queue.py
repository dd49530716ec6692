"""Queue numbering and the fair calling order: priority, FIFO within a class, no starvation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import ValidationError
from app.domain.queue import (
    FairnessRule,
    PriorityClass,
    WaitingTicket,
    call_order,
    choose_next,
    format_ticket_number,
    is_priority,
    priority_for_age,
    sort_key,
)

P = PriorityClass
T0 = datetime(2026, 3, 2, 9, 0)


def tk(
    i: int,
    prio: PriorityClass = P.NORMAL,
    minute: int | None = None,
    returned_front: bool = False,
    appointment: datetime | None = None,
) -> WaitingTicket:
    issued = T0 + timedelta(minutes=i if minute is None else minute)
    return WaitingTicket(f"T{i:03d}", "A", prio, issued, returned_front, appointment)


def test_format_ticket_number() -> None:
    assert format_ticket_number("A", 17) == "A017"
    assert format_ticket_number("B", 999) == "B999"
    assert format_ticket_number("B", 1000) == "B1000"
    with pytest.raises(ValidationError):
        format_ticket_number("a", 1)
    with pytest.raises(ValidationError):
        format_ticket_number("A", 0)


def test_priority_for_age() -> None:
    today = date(2026, 3, 2)
    assert priority_for_age(date(1966, 3, 2), today) is P.ELDERLY
    assert priority_for_age(date(1966, 3, 3), today) is P.NORMAL
    assert priority_for_age(date(1960, 1, 1), today, elderly_age=70) is P.NORMAL
    assert priority_for_age(None, today) is P.NORMAL
    assert P.SERVICEMAN.label == "军人/优抚对象"


def test_basic_order() -> None:
    a, b, c = tk(1), tk(2, P.ELDERLY), tk(3, P.DISABLED)
    assert choose_next([]) is None
    assert choose_next([a, b, c]) is b
    assert choose_next([a, c]) is c
    r = tk(9, returned_front=True)
    assert choose_next([a, b, c, r]) is r


def test_anti_starvation_after_k_priority_calls() -> None:
    ordinary = tk(1)
    later_prio = tk(5, P.ELDERLY)
    # two priority calls in a row and the ordinary ticket is older than every priority one
    assert choose_next([ordinary, later_prio], recent_calls=[P.ELDERLY, P.PREGNANT]) is ordinary
    assert choose_next([ordinary, later_prio], recent_calls=[P.NORMAL, P.PREGNANT]) is later_prio
    # older priority ticket waiting: it still goes first unless the ordinary one waited > 15 min
    older_prio = tk(0, P.ELDERLY)
    recent = [P.ELDERLY, P.ELDERLY]
    both = [ordinary, older_prio]
    assert choose_next(both, recent_calls=recent, now=T0 + timedelta(minutes=10)) is older_prio
    assert choose_next(both, recent_calls=recent, now=T0 + timedelta(minutes=17)) is ordinary
    rule = FairnessRule(max_consecutive_priority=3)
    assert choose_next([ordinary, later_prio], rule, recent_calls=recent) is later_prio


def test_appointment_counts_only_from_its_time() -> None:
    appt = tk(1, P.APPOINTMENT, appointment=T0 + timedelta(minutes=30))
    walk_in = tk(2)
    assert choose_next([appt, walk_in], now=T0 + timedelta(minutes=5)) is appt  # FIFO as ordinary
    early = tk(3, P.APPOINTMENT, minute=0, appointment=T0 + timedelta(minutes=30))
    assert not is_priority(early, T0 + timedelta(minutes=5))
    assert is_priority(early, T0 + timedelta(minutes=30))
    assert choose_next([tk(0), early], now=T0 + timedelta(minutes=31)) is early


def test_call_order_and_sort_key() -> None:
    ts = [tk(1), tk(2), tk(3, P.ELDERLY), tk(4, P.ELDERLY), tk(5, P.ELDERLY), tk(6, P.PREGNANT)]
    order = [t.id for t in call_order(ts)]
    assert order == ["T003", "T004", "T001", "T005", "T006", "T002"]
    base = [t.id for t in sorted(ts, key=sort_key)]
    assert base == ["T003", "T004", "T005", "T006", "T001", "T002"]


# ---- simulation property tests --------------------------------------------------------------

ops = st.lists(
    st.one_of(st.sampled_from(list(PriorityClass)), st.just("call")), min_size=1, max_size=120
)


def simulate(
    stream: list[object], rule: FairnessRule
) -> tuple[list[WaitingTicket], list[datetime]]:
    waiting: list[WaitingTicket] = []
    called: list[WaitingTicket] = []
    call_times: list[datetime] = []
    history: list[PriorityClass | bool] = []
    n = 0
    now = T0
    for op in [*stream, *["call"] * 500]:
        now += timedelta(minutes=1)
        if op == "call":
            t = choose_next(waiting, rule, history, now)
            if t is None:
                continue
            waiting.remove(t)
            called.append(t)
            call_times.append(now)
            history.append(is_priority(t, now))
        else:
            assert isinstance(op, PriorityClass)
            n += 1
            prio = P.ELDERLY if op is P.APPOINTMENT else op  # appointments tested separately
            waiting.append(WaitingTicket(f"T{n:04d}", "A", prio, now))
    assert not waiting
    assert len(called) == n
    return called, call_times


@settings(max_examples=200)
@given(ops, st.integers(1, 4), st.integers(1, 30))
def test_every_ticket_called_and_no_starvation(stream: list[object], k: int, m: int) -> None:
    rule = FairnessRule(k, timedelta(minutes=m))
    called, _ = simulate(stream, rule)
    pos = {t.id: i for i, t in enumerate(called)}
    ordinary = [t for t in called if t.priority is P.NORMAL]
    prio = [t for t in called if t.priority is not P.NORMAL]
    # FIFO within each class
    assert [t.issued_at for t in ordinary] == sorted(t.issued_at for t in ordinary)
    assert [t.issued_at for t in prio] == sorted(t.issued_at for t in prio)
    # never more than k priority calls in a row while an ordinary ticket was waiting
    for o in ordinary:
        passed_by = [t for t in called[: pos[o.id]] if t.issued_at > o.issued_at]
        ordinary_ahead = sum(1 for t in ordinary if t.issued_at < o.issued_at)
        assert len(passed_by) <= k * (ordinary_ahead + 1)


@settings(max_examples=200)
@given(ops)
def test_priority_respected_otherwise(stream: list[object]) -> None:
    # with an unreachable streak limit, every call takes a priority ticket when one waits
    rule = FairnessRule(10_000, timedelta(days=1))
    called, times = simulate(stream, rule)
    for i, t in enumerate(called):
        if t.priority is P.NORMAL:
            waiting_prio = [
                u for u in called[i + 1 :] if u.priority is not P.NORMAL and u.issued_at < times[i]
            ]
            assert not waiting_prio
