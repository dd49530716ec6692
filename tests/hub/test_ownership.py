"""One name per kind, owners the hub decides: every attack of issue 11 is a conflict and changes nothing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select, text

from app.hub.db import alembic_config, hub_engine, upgrade
from app.hub.models import HubCaseState, HubCentre, HubChange, HubConflict, HubRecord
from tests.hub.test_security import op

pytestmark = pytest.mark.pg


def push(hub: Any, device: dict[str, Any], *ops: dict[str, Any]) -> list[str]:
    r = hub.http.post("/api/v1/push", json={"ops": list(ops)}, headers=device["headers"])
    assert r.status_code == 200, r.text
    return [a["status"] for a in r.json()["acks"]]


def event(n: int, case_id: uuid.UUID, seq: int, event_type: str, **extra: Any) -> dict[str, Any]:
    return op(n, "case_event", None, case_id=str(case_id), seq=seq, event_type=event_type, **extra)


def b_case(hub: Any) -> tuple[dict[str, Any], dict[str, Any], uuid.UUID]:
    """Centre A and centre B; B has a routed 民政 case of a resident."""
    a, b = hub.device("100001"), hub.device("100002")
    case_id, resident_id = uuid.uuid4(), uuid.uuid4()
    statuses = push(
        hub,
        b,
        op(1, "resident", resident_id, id_kind="ric", id_number="110101195803071234", name="张三"),
        op(
            2,
            "case_file",
            case_id,
            case_number="B-0001",
            matter_code="MZ-001",
            routed_department="民政",
            resident_id=str(resident_id),
        ),
        event(3, case_id, 1, "receive"),
        event(4, case_id, 2, "route"),
    )
    assert statuses == ["applied"] * 4
    return a, b, case_id


def snapshot(hub: Any, case_id: uuid.UUID) -> tuple[Any, ...]:
    with hub.sessions() as s:
        st = s.get_one(HubCaseState, case_id)
        records = sorted(
            (r.entity, json.dumps(r.data, sort_keys=True), str(r.centre_id))
            for r in s.scalars(select(HubRecord).where(HubRecord.entity_id == case_id))
        )
        return (st.centre_id, st.department, st.case_number, st.status, st.last_seq, records)


@pytest.mark.parametrize("kind", ["case", "case_file"])
def test_a_centre_cannot_reroute_or_renumber_another_centres_case(hub: Any, kind: str) -> None:
    a, _b, case_id = b_case(hub)
    before = snapshot(hub, case_id)
    forged = op(1, kind, case_id, case_number="A-9999", routed_department="公安", matter_code="X")
    assert push(hub, a, forged) == ["conflict"]
    assert snapshot(hub, case_id) == before


def test_a_forged_department_event_on_another_centres_case_changes_nothing(hub: Any) -> None:
    a, b, case_id = b_case(hub)
    before = snapshot(hub, case_id)
    forged = event(1, case_id, 3, "department_accept", origin="department")
    assert push(hub, a, forged) == ["conflict"]
    assert snapshot(hub, case_id) == before
    # the department can still decide, and the owning centre hears of it
    staff = hub.staff_token("mz", "民政")
    r = hub.http.post(f"/api/v1/dept/cases/{case_id}/accept", json={}, headers=staff)
    assert r.status_code == 200, r.text
    pulled = hub.http.get("/api/v1/pull?cursor=0", headers=b["headers"]).json()["changes"]
    assert [c["op"] for c in pulled if c["entity"] == "case_event"] == ["event"]
    # and A's other devices are not served the forged op either
    a2 = hub.device("100001")
    served = hub.http.get("/api/v1/pull?cursor=0", headers=a2["headers"]).json()["changes"]
    assert all(c["entity_id"] != forged["entity_id"] for c in served)


@pytest.mark.parametrize("kind", ["case_material", "rating", "printed_document"])
def test_rows_naming_another_centres_case_are_refused(hub: Any, kind: str) -> None:
    a, _b, case_id = b_case(hub)
    row = op(1, kind, None, case_id=str(case_id))
    assert push(hub, a, row) == ["conflict"]
    with hub.sessions() as s:
        assert s.get(HubRecord, (uuid.UUID(row["entity_id"]), kind)) is None


@pytest.mark.parametrize(
    "entity, verb",
    [
        ("no_such_kind", "upsert"),
        ("catalogue", "upsert"),
        ("app_user", "upsert"),
        ("calendar_day", "upsert"),
        ("centre_settings", "upsert"),
        ("ticket", "event"),
        ("ticket", "delete"),
    ],
)
def test_kinds_and_ops_outside_the_registry_are_never_stored(
    hub: Any, entity: str, verb: str
) -> None:
    a = hub.device("100001")
    bad = {**op(1, entity), "op": verb}
    assert push(hub, a, bad, op(2)) == ["conflict", "applied"]  # the queue moves on
    with hub.sessions() as s:
        assert (
            s.scalars(
                select(HubRecord.entity).where(HubRecord.entity_id == uuid.UUID(bad["entity_id"]))
            ).all()
            == []
        )
        assert s.scalar(select(func.count()).select_from(HubConflict)) == 1
    a2 = hub.device("100001")
    served = hub.http.get("/api/v1/pull?cursor=0", headers=a2["headers"]).json()["changes"]
    assert all(c["entity_id"] != bad["entity_id"] for c in served)
    assert push(hub, a, bad) == ["conflict"]  # a resend: the same answer


def test_a_resend_with_a_different_payload_is_a_conflict(hub: Any) -> None:
    a = hub.device("100001")
    first = op(1, "ticket", None, status="waiting")
    assert push(hub, a, first) == ["applied"]
    assert push(hub, a, first) == ["applied"]  # the same op again: the same answer
    assert push(hub, a, {**first, "payload": {"status": "done"}}) == ["conflict"]
    with hub.sessions() as s:
        assert s.get_one(HubRecord, (uuid.UUID(first["entity_id"]), "ticket")).data == {
            "status": "waiting"
        }


def test_a_likely_duplicate_names_the_other_centre_only(hub: Any) -> None:
    a, b, b_case_id = b_case(hub)
    with hub.sessions.begin() as s:
        for centre in s.scalars(select(HubCentre)):
            centre.name = f"{centre.code}街道便民服务中心"
    resident_id, case_id = uuid.uuid4(), uuid.uuid4()
    push(
        hub,
        a,
        op(1, "resident", resident_id, id_kind="ric", id_number="110101195803071234", name="张三"),
        op(
            2,
            "case_file",
            case_id,
            case_number="A-0001",
            matter_code="MZ-001",
            resident_id=str(resident_id),
        ),
        event(3, case_id, 1, "receive"),
    )
    for device, own, other, other_code, other_centre in (
        (a, case_id, b_case_id, "B-0001", "100002街道便民服务中心"),
        (b, b_case_id, case_id, "A-0001", "100001街道便民服务中心"),
    ):
        pulled = hub.http.get("/api/v1/pull?cursor=0", headers=device["headers"]).json()["changes"]
        dups = [c["payload"] for c in pulled if c["entity"] == "sync_conflict"]
        assert len(dups) == 1 and dups[0]["kind"] == "duplicate"
        text_of = json.dumps(dups[0], ensure_ascii=False)
        assert str(other) not in text_of and other_code not in text_of and "张三" not in text_of
        assert dups[0]["case_id"] == str(own) and dups[0]["other_id"] is None
        assert other_centre in dups[0]["message"]


def test_the_migration_merges_twin_case_records(pg_url: str) -> None:
    engine = hub_engine(pg_url)
    command.upgrade(alembic_config(engine), "h0003")
    twin, single, older = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    rows = [
        ("case", twin, {"v": "new"}, now),
        ("case_file", twin, {"v": "old"}, now - timedelta(hours=1)),
        ("case", single, {"v": "only"}, now),
        ("case", older, {"v": "old"}, now - timedelta(hours=1)),
        ("case_file", older, {"v": "new"}, now),
    ]
    with engine.begin() as conn:
        for i, (e, eid, data, at) in enumerate(rows):
            conn.execute(
                text(
                    "INSERT INTO hub_record (entity, entity_id, centre_id, data, updated_at) "
                    "VALUES (:e, :i, NULL, :d, :t)"
                ),
                {"e": e, "i": eid, "d": json.dumps(data), "t": at},
            )
            conn.execute(
                text(
                    "INSERT INTO hub_change (pos, entity, entity_id, op, payload, status, recorded_at) "
                    "VALUES (:p, :e, :i, 'upsert', :d, 'applied', :t)"
                ),
                {"p": i + 1, "e": e, "i": eid, "d": json.dumps(data), "t": at},
            )
    upgrade(engine)
    with engine.connect() as conn:
        held = {
            (r[0], r[1]): r[2]
            for r in conn.execute(text("SELECT entity, entity_id, data FROM hub_record"))
        }
        kept = conn.execute(text("SELECT entity, count(*) FROM hub_change GROUP BY entity")).all()
    assert held == {
        ("case_file", twin): {"v": "new"},
        ("case_file", single): {"v": "only"},
        ("case_file", older): {"v": "new"},
    }
    assert kept == [("case_file", 5)]  # every version kept, under one name
    engine.dispose()


def test_change_rows_of_refused_ops_keep_their_receipt(hub: Any) -> None:
    a = hub.device("100001")
    bad = op(1, "no_such_kind")
    push(hub, a, bad)
    with hub.sessions() as s:
        statuses = s.scalars(
            select(HubChange.status).where(HubChange.op_id == uuid.UUID(bad["op_id"]))
        ).all()
    assert statuses == ["refused"]


def test_centre_settings_from_a_centre_are_refused_as_a_district_kind(hub: Any) -> None:
    a = hub.device("100001")
    forged = op(1, "centre_settings", None, address="伪造地址", centre_code="100001")
    assert push(hub, a, forged) == ["conflict"]
    with hub.sessions() as s:
        assert s.scalars(select(HubConflict.message)).all() == [
            "此类数据由区级平台发布，中心不能修改"
        ]
        assert s.scalar(select(func.count()).select_from(HubRecord)) == 0
