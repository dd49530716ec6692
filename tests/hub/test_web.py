"""The department page: its own login, the routed-case list, acceptance and a decision with 容缺 materials."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from app.hub.admin import add_staff

pytestmark = pytest.mark.pg


def _op(n: int, entity: str, entity_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, Any]:
    return {"seq": n, "op_id": str(uuid.uuid4()), "entity": entity, "entity_id": str(entity_id), "op": "upsert",
            "payload": payload, "created_at": datetime.now(UTC).isoformat()}


def test_department_page_flow(hub: Any) -> None:
    device = hub.device("100001")
    case_id = uuid.uuid4()
    ops = [_op(1, "case_file", case_id, {"case_number": "C2026-0001", "matter_code": "MZ001",
                                         "routed_department": "区民政局", "form_data": {"家庭人口": "3"}}),
           _op(2, "case_event", uuid.uuid4(), {"case_id": str(case_id), "seq": 1, "event_type": "receive"}),
           _op(3, "case_event", uuid.uuid4(), {"case_id": str(case_id), "seq": 2, "event_type": "route"})]
    assert hub.http.post("/api/v1/push", json={"ops": ops}, headers=device["headers"]).status_code == 200
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", "区民政局")
        add_staff(s, "rs", "人社审批员", "department", "secret-pw", "区人社局")
    web = hub.http
    assert web.get("/dept", follow_redirects=False).headers["location"] == "/dept/login"
    bad = web.post("/dept/login", data={"username": "mz", "password": "wrong"})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    ok = web.post("/dept/login", data={"username": "mz", "password": "secret-pw"}, follow_redirects=False)
    assert ok.status_code == 303 and "ow_staff" in ok.cookies
    page = web.get("/dept")
    assert "C2026-0001" in page.text and "已转办" in page.text
    detail = web.get(f"/dept/cases/{case_id}")
    assert "家庭人口" in detail.text
    web.post(f"/dept/cases/{case_id}/accept")
    refused = web.post(f"/dept/cases/{case_id}/decide", data={"decision": "approved_deferred", "deferred": ""})
    assert "容缺批准须列明" in refused.text
    web.post(f"/dept/cases/{case_id}/decide", data={"decision": "approved_deferred", "deferred": "户口簿复印件\n"})
    assert "容缺批准" in web.get(f"/dept/cases/{case_id}").text
    pulled = hub.http.get("/api/v1/pull", headers=device["headers"]).json()["changes"]
    kinds = [c["payload"]["event_type"] for c in pulled if c["entity"] == "case_event"]
    assert kinds == ["DEPARTMENT_ACCEPT", "APPROVE_DEFERRED"]
    assert pulled[-1]["payload"]["detail"]["deferred_materials"] == ["户口簿复印件"]
    web.post("/dept/logout")
    web.cookies.clear()
    web.post("/dept/login", data={"username": "rs", "password": "secret-pw"})
    other = web.get(f"/dept/cases/{case_id}")
    assert other.status_code == 404  # another department cannot see it
