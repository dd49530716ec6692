"""The case state machine: every table move, every illegal pair, and random legal walks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.case_states import (
    FINAL_STATUSES,
    TRANSITIONS,
    CaseEventType,
    CaseStatus,
    allowed_events,
    apply,
    clock_running,
    is_decided,
    is_final,
    is_open,
    replay,
)
from app.domain.errors import IllegalTransition

E = CaseEventType
S = CaseStatus
STATES: list[CaseStatus | None] = [None, *CaseStatus]
LEGAL = [(s, e, t) for s, moves in TRANSITIONS.items() for e, t in moves.items()]


def test_table_covers_every_status() -> None:
    assert set(TRANSITIONS) == set(STATES)
    assert {S.DELIVERED, S.WITHDRAWN, S.REJECTED_AT_INTAKE, S.COMPLETED_ON_SPOT} == FINAL_STATUSES


@pytest.mark.parametrize(("status", "event", "target"), LEGAL)
def test_every_legal_move(
    status: CaseStatus | None, event: CaseEventType, target: CaseStatus
) -> None:
    assert apply(status, event) is target
    assert event in allowed_events(status)


@given(st.sampled_from(STATES), st.sampled_from(list(CaseEventType)))
def test_every_illegal_move_raises(status: CaseStatus | None, event: CaseEventType) -> None:
    if event in TRANSITIONS[status]:
        assert apply(status, event) is TRANSITIONS[status][event]
        return
    with pytest.raises(IllegalTransition) as exc:
        apply(status, event)
    assert exc.value.code == "CASE_ILLEGAL_TRANSITION"
    assert event.label in exc.value.message
    if status is not None:
        assert status.label in exc.value.message


def test_every_status_is_reachable_and_every_open_status_can_finish() -> None:
    reachable: set[CaseStatus] = set()
    frontier: list[CaseStatus | None] = [None]
    while frontier:
        s = frontier.pop()
        for t in TRANSITIONS[s].values():
            if t not in reachable:
                reachable.add(t)
                frontier.append(t)
    assert reachable == set(CaseStatus)
    for s in CaseStatus:  # from every status some path leads to a final one
        seen, todo = {s}, [s]
        while todo:
            for t in TRANSITIONS[todo.pop()].values():
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        assert seen & FINAL_STATUSES


def test_typical_lives() -> None:
    assert (
        replay([E.RECEIVE, E.ROUTE, E.DEPARTMENT_ACCEPT, E.APPROVE, E.NOTIFY_READY, E.DELIVER])
        is S.DELIVERED
    )
    assert (
        replay(
            [
                E.RECEIVE,
                E.REQUEST_SUPPLEMENT,
                E.RESUME,
                E.ROUTE,
                E.REQUEST_SUPPLEMENT,
                E.RESUME,
                E.ROUTE,
                E.DENY,
                E.NOTIFY_READY,
            ]
        )
        is S.READY_FOR_COLLECTION
    )
    assert replay([E.RECEIVE, E.ROUTE, E.APPROVE_DEFERRED, E.SUPPLY_DEFERRED]) is S.APPROVED
    assert replay([E.COMPLETE_ON_SPOT]) is S.COMPLETED_ON_SPOT
    assert replay([E.RECEIVE, E.ROUTE, E.RETURN_TO_CENTRE, E.WITHDRAW]) is S.WITHDRAWN


def test_rules_of_thumb() -> None:
    for decided in (S.APPROVED, S.APPROVED_DEFERRED, S.DENIED, S.READY_FOR_COLLECTION):
        with pytest.raises(IllegalTransition):
            apply(decided, E.WITHDRAW)
    with pytest.raises(IllegalTransition):
        apply(S.APPROVED, E.DELIVER)  # must be made ready first
    with pytest.raises(IllegalTransition) as exc:
        apply(None, E.APPROVE)
    assert "尚未受理" in exc.value.message
    with pytest.raises(IllegalTransition) as exc:
        replay([])
    assert exc.value.code == "CASE_NO_EVENTS"


def test_supervision_and_extension_keep_the_status() -> None:
    for s in (S.RECEIVED, S.ROUTED, S.ACCEPTED_BY_DEPARTMENT):
        assert apply(s, E.SUPERVISE) is s and apply(s, E.EXTEND) is s
    assert apply(S.SUPPLEMENT_REQUESTED, E.SUPERVISE) is S.SUPPLEMENT_REQUESTED
    with pytest.raises(IllegalTransition, match="延期"):
        apply(S.SUPPLEMENT_REQUESTED, E.EXTEND)  # the clock stands still during a 补正
    for s in (*FINAL_STATUSES, S.APPROVED, S.DENIED, S.READY_FOR_COLLECTION):
        for e in (E.SUPERVISE, E.EXTEND):
            with pytest.raises(IllegalTransition):
                apply(s, e)


def test_clock_and_openness() -> None:
    assert clock_running(S.RECEIVED) and clock_running(S.ACCEPTED_BY_DEPARTMENT)
    assert not clock_running(S.SUPPLEMENT_REQUESTED)
    for s in CaseStatus:
        assert is_open(s) != is_final(s)
        if is_final(s) or is_decided(s):
            assert not clock_running(s)
    assert S.SUPPLEMENT_REQUESTED.label == "待补正"


@st.composite
def legal_walks(draw: st.DrawFn) -> tuple[list[CaseEventType], CaseStatus]:
    status: CaseStatus | None = None
    events: list[CaseEventType] = []
    for _ in range(draw(st.integers(1, 25))):
        moves = sorted(TRANSITIONS[status])
        if not moves:
            break
        event = draw(st.sampled_from(moves))
        events.append(event)
        status = TRANSITIONS[status][event]
    assert status is not None
    return events, status


@given(legal_walks())
def test_replay_of_random_legal_walks(walk: tuple[list[CaseEventType], CaseStatus]) -> None:
    events, final = walk
    assert replay(events) is final
    # a prefix replays to an intermediate status whose allowed events include the next one
    for i in range(1, len(events)):
        assert events[i] in allowed_events(replay(events[:i]))


@given(legal_walks(), st.sampled_from(list(CaseEventType)))
def test_appending_an_illegal_event_breaks_replay(
    walk: tuple[list[CaseEventType], CaseStatus], extra: CaseEventType
) -> None:
    events, final = walk
    if extra in allowed_events(final):
        return
    with pytest.raises(IllegalTransition):
        replay([*events, extra])
