"""The real counter services end to end through the hub: a 低保 case taken in at the window reaches
the district, the department's decision comes back as 待领取, the hand-over goes up again."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from sqlalchemy import select

from app.db.models import Centre, Counter
from app.hub.models import HubCaseState, HubConflict, HubRecord
from app.services.cases import CaseService
from app.services.centre import CentreService
from app.services.counter_dto import IntakeInput, MaterialInput
from app.services.intake import IntakeService
from app.services.queue import QueueService
from app.services.ratings import RatingService
from app.services.residents import ResidentInput, ResidentService
from app.services.setup import DEMO_PASSWORD
from tests.services.conftest import make_id
from tests.sync.conftest import assert_hub_mirrors

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.pg

FORM = {
    "household_size": "3",
    "household_monthly_income": "1800.5",
    "application_reason": "家中主要劳动力因病失去工作能力",
    "bank_name": "示范银行幸福路支行",
    "bank_account": "6222 0200 1234 5678",
}


def test_a_window_case_goes_to_the_department_and_back(hub: Any, centre_factory: Any) -> None:
    ctx, agent = centre_factory("990101")
    clerk = CentreService(ctx).sign_in("clerk1", DEMO_PASSWORD)
    with ctx.uow(read_only=True) as uow:
        centre_id = uow.session.scalars(select(Centre.id)).one()
        counter_id = uow.session.scalars(select(Counter.id).where(Counter.number == 1)).one()
    queue = QueueService(ctx)
    ticket = queue.issue_ticket(centre_id, "minzheng_jiuzhu")
    assert queue.call_next(counter_id, clerk) is not None
    resident = ResidentService(ctx).register(
        ResidentInput(make_id("11010119580307123"), "张秀兰", phone="13800138000"), clerk
    )
    materials = tuple(MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08"))
    taken = IntakeService(ctx).accept(
        IntakeInput(counter_id, resident.id, "MZ-001", FORM, materials, ticket_id=ticket.id), clerk
    )
    assert taken.status == "ROUTED"
    queue.finish(ticket.id, clerk)
    RatingService(ctx).rate(clerk, level=5, ticket_id=ticket.id)

    report = agent.run_once()
    assert report.ok and report.conflicts == 0, report.error
    assert assert_hub_mirrors(ctx, hub.sessions) >= 5
    with hub.sessions() as s:
        assert s.get_one(HubCaseState, taken.case_id).status == "ROUTED"
        entities = {r.entity for r in s.scalars(select(HubRecord))}
        assert {
            "ticket",
            "resident",
            "rating",
        } <= entities  # events live in the change log and case state
        department = (
            s.scalars(select(HubRecord).where(HubRecord.entity_id == taken.case_id))
            .first()
            .data["routed_department"]
        )

    hub.staff("mz01", department)
    http = TestClient(hub.app)
    token = http.post(
        "/api/v1/staff/login", json={"username": "mz01", "password": "pw-mz01"}
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert str(taken.case_id) in {
        c["case_id"] for c in http.get("/api/v1/dept/cases", headers=auth).json()
    }
    assert (
        http.post(f"/api/v1/dept/cases/{taken.case_id}/accept", json={}, headers=auth).status_code
        == 200
    )
    assert agent.run_once().ok  # a sync after each step: one hub row per record, equal to ours
    assert assert_hub_mirrors(ctx, hub.sessions) >= 5
    assert CaseService(ctx).timeline(taken.case_id, clerk)[-1].event_type == "DEPARTMENT_ACCEPT"
    r = http.post(
        f"/api/v1/dept/cases/{taken.case_id}/decision", json={"decision": "approved"}, headers=auth
    )
    assert r.status_code == 200, r.text

    assert agent.run_once().ok
    cases = CaseService(ctx)
    ready = [c.case_number for c in cases.ready_cases(clerk)]
    assert taken.case_number in ready  # 待领取 at the counter
    events = [e.event_type for e in cases.timeline(taken.case_id, clerk)]
    assert events == ["RECEIVE", "ROUTE", "DEPARTMENT_ACCEPT", "APPROVE", "NOTIFY_READY"]
    assert agent.run_once().ok  # the 待领取 step made here goes up
    assert assert_hub_mirrors(ctx, hub.sessions) >= 5
    with hub.sessions() as s:
        assert s.get_one(HubCaseState, taken.case_id).status == "READY_FOR_COLLECTION"

    cases.deliver(taken.case_id, clerk, collected_by="applicant")
    assert agent.run_once().ok
    with hub.sessions() as s:
        assert s.get_one(HubCaseState, taken.case_id).status == "DELIVERED"
        assert s.scalars(select(HubConflict)).all() == []
        cases_held = s.scalars(select(HubRecord).where(HubRecord.entity_id == taken.case_id)).all()
        assert [r.entity for r in cases_held] == ["case_file"]  # one row, the registry's name
    assert agent.status().waiting == 0
    assert assert_hub_mirrors(ctx, hub.sessions) >= 5
    with http:  # the department's list shows the case once
        listed = http.get("/api/v1/dept/cases?all=true", headers=auth).json()
        assert [c["case_id"] for c in listed].count(str(taken.case_id)) == 1
