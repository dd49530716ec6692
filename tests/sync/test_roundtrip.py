"""A centre enrols, works offline, syncs: every op arrives once; a department decision comes back as 待领取."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.db.models import Case, CaseEvent, OutboxOp, SyncState
from app.hub.models import HubChange, HubDevice, HubRecord
from tests.sync.harness import WorkMaker

pytestmark = pytest.mark.pg


def test_offline_work_arrives_once_and_decision_flows_back(hub: Any, centre_factory: Any) -> None:
    ctx, agent = centre_factory("990101")
    ops = WorkMaker(ctx).days(3, tickets=20, cases=10, events_per_case=2)  # received, routed
    report = agent.run_once()
    assert report.ok, report.error
    assert report.pushed >= ops
    again = agent.run_once()
    assert again.ok and again.pushed == 0
    with hub.sessions() as s:
        device = s.scalars(select(HubDevice)).one()
        n = s.scalar(
            select(func.count())
            .select_from(HubChange)
            .where(HubChange.origin_device_id == device.id)
        )
        assert n == report.pushed
        case_row = s.scalars(select(HubRecord).where(HubRecord.entity == "case_file")).first()
        assert case_row is not None
        department = case_row.data["routed_department"]
        case_id = case_row.entity_id
    hub.staff("dept1", department)
    http = hub.app and __import__("fastapi.testclient").testclient.TestClient(hub.app)
    token = http.post(
        "/api/v1/staff/login", json={"username": "dept1", "password": "pw-dept1"}
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    listed = http.get("/api/v1/dept/cases", headers=auth).json()
    assert str(case_id) in {c["case_id"] for c in listed}
    r = http.post(f"/api/v1/dept/cases/{case_id}/accept", json={}, headers=auth)
    assert r.status_code == 200, r.text
    r = http.post(
        f"/api/v1/dept/cases/{case_id}/decision", json={"decision": "denied"}, headers=auth
    )
    assert r.status_code == 422 and "理由" in r.json()["detail"]
    r = http.post(
        f"/api/v1/dept/cases/{case_id}/decision",
        json={"decision": "approved_deferred", "deferred_materials": ["户口簿复印件"]},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    report = agent.run_once()
    assert report.ok, report.error
    with ctx.uow(read_only=True) as uow:
        case = uow.session.get_one(Case, case_id)
        assert case.status == "READY_FOR_COLLECTION"
        kinds = [
            e.event_type
            for e in uow.session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
            )
        ]
        assert kinds == [
            "RECEIVE",
            "ROUTE",
            "DEPARTMENT_ACCEPT",
            "APPROVE_DEFERRED",
            "NOTIFY_READY",
        ]
        assert (
            uow.session.scalar(
                select(func.count()).select_from(OutboxOp).where(OutboxOp.sent_at.is_(None))
            )
            == 0
        )
        cursor = uow.session.scalars(select(SyncState.pull_cursor)).one()
    # the hub now knows the case is ready for collection too
    listed = http.get("/api/v1/dept/cases?all=true", headers=auth).json()
    assert {c["case_id"]: c["status"] for c in listed}[str(case_id)] == "READY_FOR_COLLECTION"
    status = agent.status()
    assert status.online and status.waiting == 0 and status.last_success_at is not None
    assert cursor > 0
