"""A centre's batch and a department's decision on the same case never overwrite each other's status."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.hub import departments, ingest
from app.hub.admin import HubError, add_staff
from app.hub.models import HubCaseState, HubDevice, HubRecord, HubStaff
from app.sync.protocol import Op
from tests.hub.test_web import route_cases

pytestmark = pytest.mark.pg


def test_a_decision_waits_for_a_batch_that_is_applying_events_to_the_case(
    hub: Any, monkeypatch: Any
) -> None:
    device = hub.device("100001")
    (case_id,) = route_cases(hub, device, [("C-1", "MZ-001")])  # seqs 1-3: received and routed
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审核员", "department", "secret-pw", "区民政局")
    with hub.sessions() as s:
        dev = s.get_one(HubDevice, uuid.UUID(device["device_id"]))
        staff = s.scalars(select(HubStaff).where(HubStaff.username == "mz")).one()

    # the centre's next batch withdraws the case; hold it just after it has read the case's state
    states_read, release = threading.Event(), threading.Event()
    real_residents = ingest.residents

    def held(*args: Any) -> Any:
        states_read.set()
        assert release.wait(10)
        return real_residents(*args)

    monkeypatch.setattr(ingest, "residents", held)
    withdraw = Op(
        seq=4,
        op_id=uuid.uuid4(),
        entity="case_event",
        entity_id=uuid.uuid4(),
        op="upsert",
        payload={"case_id": str(case_id), "seq": 3, "event_type": "withdraw"},
        created_at=datetime.now(UTC),
    )

    def centre_batch() -> None:
        with hub.sessions.begin() as s:
            ingest.push(s, dev.id, [withdraw], datetime.now(UTC), after_seq=3)

    batch = threading.Thread(target=centre_batch)
    batch.start()
    assert states_read.wait(10)

    outcome: list[Any] = []

    def department() -> None:
        try:
            with hub.sessions.begin() as s:
                outcome.append(departments.accept(s, staff, case_id, datetime.now(UTC)))
        except HubError as exc:
            outcome.append(exc)

    decision = threading.Thread(target=department)
    decision.start()
    time.sleep(0.5)
    assert not outcome, "the department must wait for the batch holding the case's state"
    release.set()
    batch.join(10)
    decision.join(10)

    # the department saw the withdrawal instead of overwriting it (or being overwritten by it)
    (result,) = outcome
    assert isinstance(result, HubError) and result.status == 409
    with hub.sessions() as s:
        assert s.get_one(HubCaseState, case_id).status == "WITHDRAWN"
        assert not s.scalars(
            select(HubRecord).where(
                HubRecord.entity == "case_event", HubRecord.centre_id == dev.centre_id
            )
        ).all()
