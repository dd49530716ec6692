"""Every malformed request gets a 4xx or a listed conflict, never a 5xx, and a refusal stores nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from app.hub.models import HubChange, HubConflict, HubRecord
from app.sync.kinds import KINDS
from tests.hub.conftest import Hub
from tests.hub.test_security import op

BIG = [2**63, 2**63 - 1, 10**30, -1, 0]


@pytest.fixture
def any_hub(db_url: str) -> Any:
    """The hub on SQLite and on PostgreSQL."""
    h = Hub(db_url)
    yield h
    h.engine.dispose()


def counts(hub: Any) -> tuple[int, int]:
    with hub.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(HubChange)) or 0,
            s.scalar(select(func.count()).select_from(HubRecord)) or 0,
        )


def post(hub: Any, headers: dict[str, str], body: bytes, path: str = "/api/v1/push") -> Any:
    return hub.http.post(
        path, content=body, headers={**headers, "Content-Type": "application/json"}
    )


def test_the_issues_malformed_requests(any_hub: Any) -> None:
    hub = any_hub
    h = hub.device("100001")["headers"]
    case_id = uuid.uuid4()
    refused = [
        {"ops": [{**op(1), "seq": 2**63}]},
        {"ops": [{**op(1), "seq": 10**30}]},
        {"ops": [{**op(1), "seq": "abc"}]},
        {"ops": [{**op(1), "seq": [1]}]},
        {"ops": [{**op(1), "created_at": "2026-11-29T08:00:00"}]},  # no zone
        {"ops": [op(1)], "after_seq": 10**30},
    ]
    for body in refused:
        before = counts(hub)
        r = post(hub, h, json.dumps(body).encode())
        assert 400 <= r.status_code < 500 and r.json()["detail"], (body, r.status_code, r.text)
        assert counts(hub) == before
    # a naive device time, a heartbeat without zones or with a huge depth: 4xx
    naive = {**h, "X-OneWindow-Device-Time": "2026-11-29T08:00:00"}
    assert post(hub, naive, json.dumps({"ops": [op(1)]}).encode()).status_code == 422
    for beat in (
        {"queue_depth": 1, "oldest_unsent_at": "2026-11-29T08:00:00"},
        {"queue_depth": 10**30},
    ):
        assert post(hub, h, json.dumps(beat).encode(), "/api/v1/heartbeat").status_code == 422
    assert hub.http.get(f"/api/v1/pull?cursor={10**30}", headers=h).status_code == 422
    # unknown event types (a newer app's), huge numbers in payloads, 1e400: conflicts, queue moves on
    ops = [
        op(1, "case_event", None, case_id=str(case_id), seq=1, event_type="teleport"),
        op(2, "case_event", None, case_id=str(case_id), seq=10**30, event_type="receive"),
        op(3, "ticket", None, amount=10**30),
        op(4, "case_event", None, case_id=str(case_id), seq="abc", event_type="receive"),
        op(5),
    ]
    raw = json.dumps({"ops": ops}).replace('"amount": ' + str(10**30), '"amount": 1e400').encode()
    for _ in range(2):  # a resend: the same answer
        r = post(hub, h, raw)
        assert r.status_code == 200, r.text
        assert [a["status"] for a in r.json()["acks"]] == ["conflict"] * 4 + ["applied"]
    r = post(hub, h, json.dumps({"ops": [op(6)]}).encode())
    assert r.status_code == 200 and r.json()["acks"][0]["status"] == "applied"


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["\x00", "1e400", "\ud7ff", "110101195803071234", "13800138000"]),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
kinds = st.sampled_from([*sorted(KINDS), "case", "nope", "Case", "a" * 40, ""])


@st.composite
def malformed_op(draw: Any, n: int) -> dict[str, Any]:
    o = op(n, draw(kinds))
    o["payload"] = draw(
        st.dictionaries(
            st.sampled_from(["case_id", "seq", "event_type", "resident_id", "case_number", "x"]),
            json_value
            | st.just(str(uuid.uuid4()))
            | st.sampled_from(["receive", "route", "approve", "zzz"]),
            max_size=5,
        )
    )
    for key, values in (
        ("seq", st.sampled_from([n, *BIG, "abc", [1], 1.5, None])),
        ("op", st.sampled_from(["upsert", "delete", "event", "UPSERT", "", "x" * 30])),
        ("created_at", st.sampled_from([o["created_at"], "2026-11-29T08:00:00", "yesterday", 5])),
        ("entity_id", st.sampled_from([o["entity_id"], "not-a-uuid", str(uuid.UUID(int=0))])),
    ):
        if draw(st.integers(0, 5)) == 0:
            o[key] = draw(values)
    if draw(st.integers(0, 9)) == 0:
        del o[draw(st.sampled_from(sorted(o)))]
    return o


@st.composite
def push_body(draw: Any) -> bytes:
    start = draw(st.integers(1, 50))
    ops = [draw(malformed_op(start + i)) for i in range(draw(st.integers(1, 5)))]
    body: dict[str, Any] = {"ops": ops}
    if draw(st.booleans()):
        body["after_seq"] = draw(st.sampled_from([0, start - 1, *BIG, "x"]))
    raw = json.dumps(body)
    if draw(st.integers(0, 4)) == 0:
        raw = raw.replace("1.5", "1e400").replace("NaN", "-1e999")
    return raw.encode()


@settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=push_body(),
    device_time=st.sampled_from([None, "2026-11-29T08:00:00", "x", "2026-11-29T08:00:00+08:00"]),
)
def test_malformed_pushes_never_get_a_5xx_and_refusals_store_nothing(
    any_hub: Any, body: bytes, device_time: str | None
) -> None:
    hub = any_hub
    if not hasattr(hub, "_h"):
        hub._h = hub.device("100001")["headers"]
    headers = dict(hub._h)
    if device_time is not None:
        headers["X-OneWindow-Device-Time"] = device_time
    before = counts(hub)
    r = post(hub, headers, body)
    assert r.status_code < 500, (r.status_code, r.text[:300], body[:300])
    if r.status_code >= 400:
        assert counts(hub) == before
        assert r.json()["detail"]
    elif r.status_code == 200:
        acks = r.json()["acks"]
        assert len(acks) == len(
            json.loads(body.replace(b"1e400", b"0").replace(b"-1e999", b"0"))["ops"]
        )


@pytest.mark.pg
def test_a_row_the_database_refuses_is_a_conflict_and_the_queue_moves_on(hub: Any) -> None:
    """A database rule (here a trigger) refuses one op's row: that op is a listed conflict, the
    batch's other ops are applied, a resend gets the same answer, nothing is half-written."""
    with hub.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION refuse_marked() RETURNS trigger AS $$ BEGIN "
                "IF NEW.data::text LIKE '%refuse-me%' THEN RAISE EXCEPTION 'refused row' "
                "USING ERRCODE = '23514'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER refuse_marked BEFORE INSERT OR UPDATE ON hub_record "
                "FOR EACH ROW EXECUTE FUNCTION refuse_marked()"
            )
        )
    h = hub.device("100001")["headers"]
    bad = op(2, "resident", None, name="refuse-me", id_number="110101199003074518")
    ops = [op(1), bad, op(3)]
    for _ in range(2):
        r = post(hub, h, json.dumps({"ops": ops}).encode())
        assert r.status_code == 200, r.text
        assert [a["status"] for a in r.json()["acks"]] == ["applied", "conflict", "applied"]
    with hub.sessions() as s:
        held = set(s.scalars(select(HubRecord.entity_id)))
        assert {uuid.UUID(ops[0]["entity_id"]), uuid.UUID(ops[2]["entity_id"])} <= held
        assert uuid.UUID(bad["entity_id"]) not in held
        receipt = s.scalars(
            select(HubChange).where(HubChange.op_id == uuid.UUID(bad["op_id"]))
        ).one()
        assert receipt.status == "refused" and receipt.payload == {}
        assert s.scalars(select(HubConflict.kind)).all() == ["invalid_op"]
    r = post(hub, h, json.dumps({"ops": [op(4)]}).encode())
    assert r.json()["acks"][0]["status"] == "applied"
