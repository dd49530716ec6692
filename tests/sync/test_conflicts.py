"""Illegal events are kept, acknowledged and listed once; a bad op never blocks; duplicates are flagged."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.db.models import Case, CaseEvent, OutboxOp, Resident
from app.db.types import new_id
from app.hub.models import HubCaseState, HubChange, HubConflict
from app.sync.apply import row_payload
from app.sync.conflicts import list_conflicts, resolve_conflict
from tests.sync.harness import WorkMaker

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.pg


def _dept(hub: Any, department: str) -> tuple[TestClient, dict[str, str]]:
    hub.staff("dept", department)
    http = TestClient(hub.app)
    token = http.post(
        "/api/v1/staff/login", json={"username": "dept", "password": "pw-dept"}
    ).json()["token"]
    return http, {"Authorization": f"Bearer {token}"}


def _local_event(ctx: Any, case_id: Any, event_type: str, status: str) -> Any:
    """What the counter service does: append an event and queue it, in one transaction."""
    with ctx.uow() as uow:
        s = uow.session
        case = s.get_one(Case, case_id)
        seq = (
            max(e.seq for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id))) + 1
        )
        ev = CaseEvent(
            id=new_id(),
            case_id=case_id,
            seq=seq,
            event_type=event_type,
            status_after=status,
            at=datetime.now(UTC),
            actor_name="王晓燕",
            centre_id=case.centre_id,
            detail={},
        )
        s.add(ev)
        case.status = status
        s.flush()
        uow.record_change("case_event", ev.id, row_payload(ev))
        uow.record_change("case_file", case.id, row_payload(case))
        return ev.id


def test_withdrawn_at_counter_after_department_approved(hub: Any, centre_factory: Any) -> None:
    ctx, agent = centre_factory("990101")
    WorkMaker(ctx).days(1, tickets=2, cases=2, events_per_case=2)
    assert agent.run_once().ok
    with ctx.uow(read_only=True) as uow:
        case = uow.session.scalars(select(Case)).first()
        assert case is not None
        case_id, department = case.id, case.routed_department
    http, auth = _dept(hub, department)
    r = http.post(
        f"/api/v1/dept/cases/{case_id}/decision", json={"decision": "approved"}, headers=auth
    )
    assert r.status_code == 200
    # meanwhile, offline, the counter withdraws the case; and keeps working after it
    withdraw_id = _local_event(ctx, case_id, "WITHDRAW", "WITHDRAWN")
    WorkMaker(ctx, seed=2).days(1, tickets=3, cases=0)
    report = agent.run_once()
    assert report.ok and report.conflicts == 1
    with hub.sessions() as s:
        kept = s.scalars(select(HubChange).where(HubChange.entity_id == withdraw_id)).one()
        assert kept.status == "conflict"  # kept in the log, acknowledged
        conflicts = s.scalars(select(HubConflict)).all()
        assert [c.kind for c in conflicts] == ["illegal_event"]
        assert s.get_one(HubCaseState, case_id).status == "APPROVED"
    with ctx.uow(read_only=True) as uow:
        assert (
            uow.session.scalar(select(OutboxOp).where(OutboxOp.sent_at.is_(None))) is None
        )  # not blocked
        events = [
            e.event_type
            for e in uow.session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
            )
        ]
        assert events == ["RECEIVE", "ROUTE", "WITHDRAW", "APPROVE"]  # the decision kept too
        assert uow.session.get_one(Case, case_id).status == "WITHDRAWN"
    listed = list_conflicts(ctx)
    assert len(listed) == 1 and listed[0].kind == "illegal_event" and listed[0].case_id == case_id
    assert agent.status().open_conflicts == 1
    resolve_conflict(ctx, listed[0].id, None, "已电话联系申请人，按撤回处理，通知部门撤销批准")
    assert agent.run_once().ok
    assert list_conflicts(ctx) == []
    with hub.sessions() as s:
        assert s.scalars(select(HubConflict)).one().resolved_at is not None
    # the department cannot decide a withdrawn case afterwards either
    other = http.post(
        f"/api/v1/dept/cases/{case_id}/decision", json={"decision": "approved"}, headers=auth
    )
    assert other.status_code == 409 and other.json()["detail"]


def test_same_resident_same_matter_open_at_two_centres_is_flagged(
    hub: Any, centre_factory: Any
) -> None:
    ctx_a, agent_a = centre_factory("100001")
    ctx_b, agent_b = centre_factory("100002")
    WorkMaker(ctx_a).days(1, tickets=0, cases=1, events_per_case=1)
    with ctx_a.uow(read_only=True) as uow:
        case = uow.session.scalars(select(Case)).one()
        resident = uow.session.get_one(Resident, case.resident_id)
        number, matter = resident.id_number, case.matter_code
    WorkMaker(ctx_b).days(1, tickets=0, cases=1, events_per_case=1)
    with ctx_b.uow() as uow:  # the same person, registered again at centre B, for the same matter
        s = uow.session
        case_b = s.scalars(select(Case)).one()
        res_b = s.get_one(Resident, case_b.resident_id)
        res_b.id_number = number
        case_b.matter_code = matter
        s.flush()
        uow.record_change("resident", res_b.id, row_payload(res_b))
        uow.record_change("case_file", case_b.id, row_payload(case_b))
    assert agent_a.run_once().ok
    assert agent_b.run_once().ok
    assert agent_a.run_once().ok
    a, b = list_conflicts(ctx_a), list_conflicts(ctx_b)
    assert [c.kind for c in a] == ["duplicate"] and [c.kind for c in b] == ["duplicate"]
    assert "疑似重复" in b[0].message
