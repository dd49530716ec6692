"""The case-state columns the department's list reads (h0005): filled from existing rows by the
migration, kept at ingest (a resident's new name reaches their cases), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Uuid, column, insert, table

from app.db.types import UTCDateTime
from app.hub import dept_list, dept_query
from app.hub.db import alembic_config, hub_engine, upgrade
from app.hub.models import HubCaseState, HubCentre, HubChange, HubRecord
from tests.hub.conftest import Hub
from tests.hub.dept_data import CaseSpec, _op, push_cases

DEPT = "区民政局"
AT = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)


@pytest.fixture
def any_hub(db_url: str) -> Iterator[Hub]:
    h = Hub(db_url)
    yield h
    h.engine.dispose()


def test_migration_fills_the_columns_of_existing_cases(db_url: str) -> None:
    engine = hub_engine(db_url)
    command.upgrade(alembic_config(engine), "h0004")
    centre, case_id, other, rid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    events = [
        ("route", {}, ""),
        ("supervise", {}, "督办：请尽快办理"),
        ("extend", {"new_due": "2026-12-20", "old_due": "2026-12-10", "working_days": 7}, ""),
        ("DEPARTMENT_ACCEPT", {}, ""),
        ("APPROVE", {}, ""),
    ]
    with engine.begin() as c:
        c.execute(
            insert(HubCentre.__table__).values(id=centre, code="100001", name="甲", created_at=AT)
        )
        for cid, number in ((case_id, "C1"), (other, "C2")):
            c.execute(_old_state(cid, centre, number))
        c.execute(
            insert(HubRecord.__table__),
            [
                {
                    "entity": "case_file",
                    "entity_id": case_id,
                    "centre_id": centre,
                    "data": {
                        "resident_id": str(rid),
                        "received_at": AT.isoformat(),
                        "due_date": "2026-12-20",
                        "extended_days": 7,
                    },
                    "updated_at": AT,
                },
                {
                    "entity": "resident",
                    "entity_id": rid,
                    "centre_id": centre,
                    "data": {"name": "王小明"},
                    "updated_at": AT,
                },
            ],
        )
        for pos, (kind, detail, note) in enumerate(events, start=1):
            c.execute(
                insert(HubChange.__table__).values(
                    pos=pos,
                    centre_id=centre,
                    entity="case_event",
                    entity_id=uuid.uuid4(),
                    op="upsert",
                    status="applied",
                    recorded_at=AT,
                    payload={
                        "case_id": str(case_id),
                        "seq": pos,
                        "event_type": kind,
                        "at": datetime(2026, 11, 2 + pos, 2, tzinfo=UTC).isoformat(),
                        "note": note,
                        "detail": detail,
                    },
                )
            )
    upgrade(engine)
    with engine.connect() as c:
        rows = {r.case_id: r for r in c.execute(HubCaseState.__table__.select())}
    got = rows[case_id]
    assert got.applicant_name == "王小明" and got.resident_id == rid
    assert got.due_date == date(2026, 12, 20) and got.extended_days == 7
    assert got.supervision_note == "请尽快办理"
    assert _utc(got.received_at) == AT
    assert _utc(got.supervised_at) == datetime(2026, 11, 4, 2, tzinfo=UTC)
    assert _utc(got.responded_at) == datetime(2026, 11, 6, 2, tzinfo=UTC)
    assert _utc(got.decided_at) == datetime(2026, 11, 7, 2, tzinfo=UTC)
    blank = rows[other]  # no record, no events: left empty
    assert blank.due_date is None and blank.applicant_name == "" and blank.supervised_at is None
    engine.dispose()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _old_state(case_id: uuid.UUID, centre: uuid.UUID, number: str) -> Any:
    """A case state row as the h0004 schema held it."""
    t = table(
        "hub_case_state",
        column("case_id", Uuid()),
        column("centre_id", Uuid()),
        *(column(n) for n in ("case_number", "matter_code", "department", "resident_key")),
        column("status"),
        column("last_seq"),
        column("updated_at", UTCDateTime()),
    )
    return insert(t).values(
        case_id=case_id,
        centre_id=centre,
        case_number=number,
        matter_code="MZ-001",
        department=DEPT,
        resident_key="",
        status="APPROVED",
        last_seq=5,
        updated_at=AT,
    )


def test_a_new_name_reaches_the_cases_and_the_search(any_hub: Hub) -> None:
    now = datetime.now(UTC)
    device = any_hub.device("100001")
    spec = CaseSpec(
        uuid.uuid4(),
        "C20261102001",
        "MZ-001",
        date(2026, 11, 2),
        date(2026, 12, 1),
        "赵旧名",
        "110101198001010016",
        "13800138000",
        "100001",
    )
    seq = push_cases(any_hub.http, device, [spec], DEPT)
    with any_hub.sessions() as s:
        st = s.get_one(HubCaseState, spec.case_id)
        assert st.applicant_name == "赵旧名" and st.due_date == date(2026, 12, 1)
        rid = st.resident_id
        assert rid is not None
    r = any_hub.http.post(
        "/api/v1/push",
        json={"ops": [_op(seq, "resident", rid, {"id_number": spec.id_number, "name": "赵新名"})]},
        headers=device["headers"],
    )
    assert r.status_code == 200, r.text
    with any_hub.sessions() as s:
        assert s.get_one(HubCaseState, spec.case_id).applicant_name == "赵新名"
        found = dept_list.search(s, DEPT, dept_query.ListQuery(view="all", text="新名"), now)
        assert [x["case_number"] for x in found.rows] == [spec.number]
        assert (
            dept_list.search(s, DEPT, dept_query.ListQuery(view="all", text="旧名"), now).total == 0
        )
