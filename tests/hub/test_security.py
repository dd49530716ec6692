"""Every endpoint but health needs a token; centres are walled off; revoked tokens and bad input refused."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from app.hub.models import HubRecord
from app.sync import protocol as P
from tests.hub.conftest import VERSIONS

pytestmark = pytest.mark.pg

EXEMPT = {
    "/health",
    "/api/v1/enrol",
    "/api/v1/staff/login",
    "/dept/login",
    "/dept/logout",
    "/dept/static/dept.css",
}


def op(
    n: int, entity: str = "ticket", entity_id: uuid.UUID | None = None, **payload: Any
) -> dict[str, Any]:
    return {
        "seq": n,
        "op_id": str(uuid.uuid4()),
        "entity": entity,
        "entity_id": str(entity_id or uuid.uuid4()),
        "op": "upsert",
        "payload": payload or {"status": "done"},
        "created_at": datetime.now(UTC).isoformat(),
    }


def test_every_endpoint_but_health_needs_a_token(hub: Any) -> None:
    assert hub.http.get("/health").status_code == 200
    for route in hub.app.routes:
        if not isinstance(route, APIRoute) or route.path in EXEMPT:
            continue
        path = route.path.replace("{case_id}", str(uuid.uuid4())).replace(
            "{device_id}", str(uuid.uuid4())
        )
        for method in route.methods:
            r = hub.http.request(
                method, path, headers=VERSIONS, content=b"{}", follow_redirects=False
            )
            refused = r.status_code in (401, 403) or (
                r.status_code == 303 and "login" in r.headers["location"]
            )
            assert refused, (method, path, r.status_code)


def test_a_centre_cannot_read_or_write_another_centres_data(hub: Any) -> None:
    a, b = hub.device("100001"), hub.device("100002")
    shared_id = uuid.uuid4()
    r = hub.http.post(
        "/api/v1/push", json={"ops": [op(1, "ticket", shared_id, owner="a")]}, headers=a["headers"]
    )
    assert r.status_code == 200 and r.json()["acks"][0]["status"] == "applied"
    # B overwrites A's row: kept in the log, acknowledged as a conflict, A's row untouched
    r = hub.http.post(
        "/api/v1/push",
        json={"ops": [op(1, "ticket", shared_id, owner="b"), op(2)]},
        headers=b["headers"],
    )
    assert [x["status"] for x in r.json()["acks"]] == ["conflict", "applied"]
    with hub.sessions() as s:
        row = s.scalars(select(HubRecord).where(HubRecord.entity_id == shared_id)).one()
        assert row.data == {"owner": "a"}
    # B's pull never shows A's rows (scope from the token; there is no way to ask for another centre)
    pulled = hub.http.get(
        "/api/v1/pull?cursor=0&centre_id=" + a["centre_id"], headers=b["headers"]
    ).json()
    assert all(c["entity_id"] != str(shared_id) for c in pulled["changes"])
    # a department event on A's case cannot be added by B either
    case_id = uuid.uuid4()
    hub.http.post(
        "/api/v1/push",
        json={
            "ops": [op(2, "case_event", None, case_id=str(case_id), seq=1, event_type="receive")]
        },
        headers=a["headers"],
    )
    r = hub.http.post(
        "/api/v1/push",
        json={
            "ops": [op(3, "case_event", None, case_id=str(case_id), seq=2, event_type="withdraw")]
        },
        headers=b["headers"],
    )
    assert r.json()["acks"][0]["status"] == "conflict"


def test_a_centre_cannot_overwrite_a_district_record(hub: Any) -> None:
    """District records (the catalogue) have no centre: a centre's op with the same id is a conflict."""
    a = hub.device("100001")
    pid = uuid.uuid4()
    with hub.sessions.begin() as s:
        s.add(
            HubRecord(
                entity="catalogue",
                entity_id=pid,
                centre_id=None,
                data={"version": "district"},
                updated_at=datetime.now(UTC),
            )
        )
    r = hub.http.post(
        "/api/v1/push",
        json={"ops": [op(1, "catalogue", pid, version="forged")]},
        headers=a["headers"],
    )
    assert r.status_code == 200 and r.json()["acks"][0]["status"] == "conflict"
    with hub.sessions() as s:
        row = s.scalars(select(HubRecord).where(HubRecord.entity_id == pid)).one()
        assert row.data == {"version": "district"} and row.centre_id is None


def test_revoked_token_and_used_or_expired_codes_are_refused(hub: Any) -> None:
    a = hub.device("100001")
    admin = hub.staff_token("root", "", role="admin")
    assert hub.http.get("/api/v1/pull", headers=a["headers"]).status_code == 200
    assert (
        hub.http.post(f"/api/v1/admin/devices/{a['device_id']}/revoke", headers=admin).status_code
        == 200
    )
    r = hub.http.get("/api/v1/pull", headers=a["headers"])
    assert r.status_code == 401 and "吊销" in r.json()["detail"]
    from app.hub.admin import new_enrol_code

    with hub.sessions.begin() as s:
        code = new_enrol_code(s, "100001", datetime.now(UTC))
        old = new_enrol_code(
            s, "100001", datetime.now(UTC) - timedelta(days=10), ttl=timedelta(hours=1)
        )
    assert hub.http.post("/api/v1/enrol", json={"code": code}, headers=VERSIONS).status_code == 200
    r = hub.http.post("/api/v1/enrol", json={"code": code}, headers=VERSIONS)
    assert r.status_code == 403 and "已被使用" in r.json()["detail"]
    r = hub.http.post("/api/v1/enrol", json={"code": old}, headers=VERSIONS)
    assert r.status_code == 403 and "过期" in r.json()["detail"]
    # department staff cannot use admin endpoints, devices cannot use staff endpoints
    dept = hub.staff_token("d1", "民政局")
    assert hub.http.get("/api/v1/admin/silent-centres", headers=dept).status_code == 403
    b = hub.device("100002")
    assert hub.http.get("/api/v1/dept/cases", headers=b["headers"]).status_code == 401


@pytest.mark.parametrize(
    ("headers", "needle"),
    [
        ({"X-OneWindow-Protocol": "99"}, "协议"),
        ({"X-OneWindow-App": "0.0.1"}, "过旧"),
        ({"X-OneWindow-Schema": "9999"}, "数据库结构"),
        ({"X-OneWindow-Protocol": ""}, "缺少版本"),
    ],
)
def test_incompatible_versions_get_426_with_a_message(
    hub: Any, headers: dict[str, str], needle: str
) -> None:
    a = hub.device("100001")
    r = hub.http.get("/api/v1/pull", headers={**a["headers"], **headers})
    assert r.status_code == 426 and needle in r.json()["detail"]


def test_malformed_or_oversized_input_gets_4xx_with_a_message(hub: Any) -> None:
    h = hub.device("100001")["headers"]
    cases: list[tuple[bytes, dict[str, str], int]] = [
        (b"{not json", {}, 422),
        (json.dumps({"ops": []}).encode(), {}, 422),
        (json.dumps({"ops": [op(i + 1) for i in range(P.MAX_BATCH_OPS + 1)]}).encode(), {}, 422),
        (json.dumps({"ops": [{**op(1), "seq": -1}]}).encode(), {}, 422),
        (json.dumps({"ops": [{**op(1), "entity": "Robert'); DROP"}]}).encode(), {}, 422),
        (b"x" * (P.MAX_PUSH_BYTES + 1), {}, 413),
        (b"not gzip at all", {"Content-Encoding": "gzip"}, 400),
        (gzip.compress(b" " * 50_000_000), {"Content-Encoding": "gzip"}, 413),
    ]
    for body, extra, status in cases:
        r = hub.http.post(
            "/api/v1/push", content=body, headers={**h, **extra, "Content-Type": "application/json"}
        )
        assert r.status_code == status, (body[:40], r.status_code, r.text[:200])
        assert r.json()["detail"]
    assert hub.http.get("/api/v1/pull?cursor=-5", headers=h).status_code == 422
    assert hub.http.get("/api/v1/pull?limit=100000", headers=h).status_code == 422
    assert (
        hub.http.post("/api/v1/heartbeat", json={"queue_depth": "many"}, headers=h).status_code
        == 422
    )
    r = hub.http.post("/api/v1/enrol", json={"code": "x" * 5000}, headers=VERSIONS)
    assert r.status_code == 422 and r.json()["detail"]


def test_payload_postgresql_cannot_store_is_a_conflict_not_a_5xx(hub: Any) -> None:
    """NaN / Infinity / NUL are valid to the parser but not to PostgreSQL's json: the op is kept
    (cleaned) and listed as a conflict, the rest of the batch is applied, the queue moves on."""
    h = {**hub.device("100001")["headers"], "Content-Type": "application/json"}
    good = op(4, note="tab\there \\ back, NaN and Infinity as text, \\u0000 as text")
    ops = [op(1, a=float("nan")), op(2, a="x\u0000y"), op(3, a=float("inf")), good]
    body = json.dumps({"ops": ops}).encode()
    for _ in range(2):  # a repeat gets the same acknowledgement
        r = hub.http.post("/api/v1/push", content=body, headers=h)
        assert r.status_code == 200, r.text[:200]
        assert [a["status"] for a in r.json()["acks"]] == [
            "conflict",
            "conflict",
            "conflict",
            "applied",
        ]
        assert r.json()["conflicts"] == 3
    with hub.sessions() as s:
        stored = s.scalars(
            select(HubRecord.data).where(HubRecord.entity_id == uuid.UUID(good["entity_id"]))
        ).one()
        assert stored == good["payload"]
        ids = {uuid.UUID(o["entity_id"]) for o in ops[:3]}
        assert not s.scalars(select(HubRecord).where(HubRecord.entity_id.in_(ids))).all()
    r = hub.http.post("/api/v1/push", content=json.dumps({"ops": [op(5)]}).encode(), headers=h)
    assert r.status_code == 200 and r.json()["acks"][0]["status"] == "applied"
