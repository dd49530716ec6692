"""The department page: its own login, the routed-case list with matter names, acceptance and a decision
with 容缺 materials, and anti-forgery tokens on every form that changes something."""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from app.catalogue.loader import load_publication
from app.hub import admin
from app.hub.admin import add_staff
from app.hub.db import hub_engine, hub_sessions, upgrade
from app.hub.departments import matter_names
from app.hub.models import HubCaseState, HubChange, HubLoginThrottle, HubRecord
from app.hub.publish import publish_catalogue

CATALOGUE = Path(__file__).resolve().parents[2] / "resources" / "catalogue"
LOW_INCOME = "最低生活保障（低保家庭认定及保障金给付）"  # MZ-001 in the shipped catalogue


def _op(n: int, entity: str, entity_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": n,
        "op_id": str(uuid.uuid4()),
        "entity": entity,
        "entity_id": str(entity_id),
        "op": "upsert",
        "payload": payload,
        "created_at": datetime.now(UTC).isoformat(),
    }


def route_cases(
    hub: Any,
    device: dict[str, Any],
    cases: list[tuple[str, str]],
    department: str = "区民政局",
    first_seq: int = 1,
) -> list[uuid.UUID]:
    """Push (case number, matter code) cases from the centre, received and routed to `department`."""
    ops, ids, n = [], [], first_seq
    for number, code in cases:
        case_id = uuid.uuid4()
        ids.append(case_id)
        ops += [
            _op(
                n,
                "case_file",
                case_id,
                {
                    "case_number": number,
                    "matter_code": code,
                    "routed_department": department,
                    "form_data": {"家庭人口": "3"},
                },
            ),
            _op(
                n + 1,
                "case_event",
                uuid.uuid4(),
                {"case_id": str(case_id), "seq": 1, "event_type": "receive"},
            ),
            _op(
                n + 2,
                "case_event",
                uuid.uuid4(),
                {"case_id": str(case_id), "seq": 2, "event_type": "route"},
            ),
        ]
        n += 3
    r = hub.http.post("/api/v1/push", json={"ops": ops}, headers=device["headers"])
    assert r.status_code == 200, r.text
    return ids


def token_in(html: str) -> str:
    """The anti-forgery token of the page's forms (they all carry the same one)."""
    found = set(re.findall(r"name='csrf_token' value='([^']*)'", html))
    assert len(found) == 1, found
    return found.pop()


def login(web: Any, username: str, password: str = "secret-pw") -> Any:
    form = web.get("/dept/login")
    return web.post(
        "/dept/login",
        data={"username": username, "password": password, "csrf_token": token_in(form.text)},
        follow_redirects=False,
    )


def department_events(hub: Any) -> list[str]:
    with hub.sessions() as s:
        rows = s.scalars(select(HubChange.payload).where(HubChange.entity == "case_event")).all()
    return [p["event_type"] for p in rows if p.get("origin") == "department"]


def publish(hub: Any, at: datetime, renamed: dict[str, str] | None = None) -> str:
    """Publish the shipped catalogue (as a new version when matters are renamed, code → name)."""
    pub = load_publication(CATALOGUE)
    if renamed:
        matters = tuple(
            dataclasses.replace(m, name=renamed.get(m.code, m.name)) for m in pub.matters
        )
        pub = dataclasses.replace(pub, version=pub.version + ".1", matters=matters)
    with hub.sessions.begin() as s:
        publish_catalogue(s, pub, at)
    return str(pub.version)


@pytest.mark.pg
def test_department_page_flow(hub: Any) -> None:
    device = hub.device("100001")
    publish(hub, datetime.now(UTC))
    (case_id,) = route_cases(hub, device, [("C2026-0001", "MZ-001")])
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", "区民政局")
        add_staff(s, "rs", "人社审批员", "department", "secret-pw", "区人社局")
    web = hub.http
    assert web.get("/dept", follow_redirects=False).headers["location"] == "/dept/login"
    bad = login(web, "mz", "wrong")
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    ok = login(web, "mz")
    assert ok.status_code == 303 and "ow_staff" in ok.cookies
    page = web.get("/dept")
    assert "C2026-0001" in page.text and "待受理" in page.text
    assert (
        page.headers["cache-control"] == "no-store"
        and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    )
    assert f"{LOW_INCOME} <span class='code'>MZ-001</span>" in page.text
    detail = web.get(f"/dept/cases/{case_id}")
    assert (
        "家庭人口" in detail.text
        and f"{LOW_INCOME} <span class='code'>MZ-001</span>" in detail.text
    )
    token = token_in(detail.text)
    assert (
        web.post(
            f"/dept/cases/{case_id}/accept", data={"csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    refused = web.post(
        f"/dept/cases/{case_id}/decide",
        data={"decision": "approved_deferred", "deferred": "", "csrf_token": token},
    )
    assert refused.status_code == 422 and "容缺批准须列明" in refused.text
    web.post(
        f"/dept/cases/{case_id}/decide",
        data={
            "decision": "approved_deferred",
            "deferred": "户口簿复印件\n",
            "csrf_token": token,
            "step": "confirm",
        },
    )
    assert "容缺批准" in web.get(f"/dept/cases/{case_id}").text
    pulled = hub.http.get("/api/v1/pull", headers=device["headers"]).json()["changes"]
    kinds = [c["payload"]["event_type"] for c in pulled if c["entity"] == "case_event"]
    assert kinds == ["DEPARTMENT_ACCEPT", "APPROVE_DEFERRED"]
    assert pulled[-1]["payload"]["detail"]["deferred_materials"] == ["户口簿复印件"]
    assert (
        web.post("/dept/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    assert web.get("/dept", follow_redirects=False).status_code == 303  # the session is gone
    web.cookies.clear()
    login(web, "rs")
    other = web.get(f"/dept/cases/{case_id}")
    assert other.status_code == 404  # another department cannot see it


@pytest.mark.pg
def test_list_and_detail_name_matters_from_the_latest_catalogue_or_show_the_code(hub: Any) -> None:
    device = hub.device("100001")
    t0 = datetime.now(UTC)
    publish(hub, t0)
    ids = route_cases(hub, device, [("C1", "MZ-001"), ("C2", "MZ-002"), ("C3", "ZZ-999")])
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", "区民政局")
    login(hub.http, "mz")
    page = hub.http.get("/dept").text
    assert f"{LOW_INCOME} <span class='code'>MZ-001</span>" in page
    assert "临时救助 <span class='code'>MZ-002</span>" in page
    assert "<td data-label='事项'>ZZ-999</td>" in page  # unknown to the catalogue: the code alone
    assert "<dd>ZZ-999</dd>" in hub.http.get(f"/dept/cases/{ids[2]}").text
    publish(
        hub, t0 + timedelta(minutes=1), {"MZ-002": "临时救助（急难型）"}
    )  # a later publication renames it
    page = hub.http.get("/dept").text
    assert "临时救助（急难型） <span class='code'>MZ-002</span>" in page
    assert "临时救助（急难型）" in hub.http.get(f"/dept/cases/{ids[1]}").text
    api = hub.http.get("/api/v1/dept/cases", headers=hub.staff_token("mz2", "区民政局")).json()
    assert {c["case_number"]: c["matter_name"] for c in api} == {
        "C1": LOW_INCOME,
        "C2": "临时救助（急难型）",
        "C3": "",
    }


@pytest.mark.pg
def test_names_cost_no_catalogue_parse_per_page_whatever_the_number_of_cases(hub: Any) -> None:
    device = hub.device("100001")
    publish(hub, datetime.now(UTC))
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", "区民政局")
    login(hub.http, "mz")
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        statements.append(statement)

    def queries_for_list() -> int:
        statements.clear()
        event.listen(hub.engine, "before_cursor_execute", count)
        try:
            assert hub.http.get("/dept").status_code == 200
        finally:
            event.remove(hub.engine, "before_cursor_execute", count)
        return len(statements)

    def catalogue_reads() -> int:
        return sum(q.startswith("SELECT hub_record.data") for q in statements)

    route_cases(hub, device, [("C1", "MZ-001"), ("C2", "MZ-002")])
    queries_for_list()
    assert catalogue_reads() <= 1  # the publication is parsed once, then kept
    few = queries_for_list()
    assert catalogue_reads() == 0
    route_cases(hub, device, [(f"D{i}", f"MZ-00{i % 3 + 1}") for i in range(12)], first_seq=7)
    assert queries_for_list() == few


@pytest.mark.pg
def test_a_centre_cannot_rename_matters_and_odd_catalogues_fall_back_to_codes(hub: Any) -> None:
    device = hub.device("100001")
    publish(hub, datetime.now(UTC) - timedelta(hours=1))
    route_cases(hub, device, [("C1", "MZ-001")])
    forged = [
        _op(
            4,
            "catalogue",
            uuid.uuid4(),
            {"version": "9999", "matters": [{"code": "MZ-001", "name": "伪造"}]},
        ),
        _op(5, "catalogue", uuid.uuid4(), {"version": "9998", "matters": {"code": "MZ-001"}}),
    ]
    assert (
        hub.http.post("/api/v1/push", json={"ops": forged}, headers=device["headers"]).status_code
        == 200
    )
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", "区民政局")
    login(hub.http, "mz")
    page = hub.http.get("/dept")
    assert f"{LOW_INCOME} <span class='code'>MZ-001</span>" in page.text and "伪造" not in page.text
    for odd in (
        {"version": "x"},
        {"version": "y", "matters": {"a": 1}},
        {"version": "z", "matters": [1, "a", None]},
    ):
        with (
            hub.sessions.begin() as s
        ):  # a district record without a usable matter list: codes only
            s.add(
                HubRecord(
                    entity="catalogue",
                    entity_id=uuid.uuid4(),
                    centre_id=None,
                    data=odd,
                    updated_at=datetime.now(UTC),
                )
            )
        page = hub.http.get("/dept")
        assert page.status_code == 200 and "<td data-label='事项'>MZ-001</td>" in page.text, odd


def test_name_lookup_on_a_sqlite_hub(tmp_path: Path) -> None:
    engine = hub_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade(engine)
    sessions = hub_sessions(engine)
    with sessions() as s:
        assert matter_names(s, ["MZ-001"]) == {}  # nothing published yet
    with sessions.begin() as s:
        publish_catalogue(s, load_publication(CATALOGUE), datetime.now(UTC))
    with sessions() as s:
        assert matter_names(s, ["MZ-001", "MZ-002", "ZZ-999", ""]) == {
            "MZ-001": LOW_INCOME,
            "MZ-002": "临时救助",
        }
        assert matter_names(s, []) == {}
    for odd in ({"version": "y", "matters": {"a": 1}}, {"version": "z", "matters": [1, "a", None]}):
        with sessions.begin() as s:
            s.add(
                HubRecord(
                    entity="catalogue",
                    entity_id=uuid.uuid4(),
                    centre_id=None,
                    data=odd,
                    updated_at=datetime.now(UTC),
                )
            )
        with sessions() as s:
            assert matter_names(s, ["MZ-001"]) == {}
    engine.dispose()


@pytest.mark.pg
def test_forms_without_the_sessions_token_are_refused_and_change_nothing(hub: Any) -> None:
    device = hub.device("100001")
    (case_id,) = route_cases(hub, device, [("C2026-0002", "MZ-001")])
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", "区民政局")
        add_staff(s, "mz2", "民政审批员二", "department", "secret-pw", "区民政局")
    web = hub.http
    assert login(web, "mz").status_code == 303
    good = token_in(web.get(f"/dept/cases/{case_id}").text)
    # another staff session's token is no good here
    other = admin.staff_csrf_token(
        admin.staff_login(hub.sessions, "mz2", "secret-pw", "x", datetime.now(UTC))
    )
    assert other != good
    forged: list[tuple[str, dict[str, str]]] = [
        ("accept", {}),
        ("accept", {"csrf_token": ""}),
        ("accept", {"csrf_token": other}),
        ("accept", {"csrf_token": good[:-1] + ("0" if good[-1] != "0" else "1")}),
        ("accept", {"csrf_token": "令牌"}),
        ("decide", {"decision": "denied", "reason": "材料不全"}),
        ("decide", {"decision": "denied", "reason": "材料不全", "csrf_token": other}),
    ]
    for action, data in forged:
        r = web.post(f"/dept/cases/{case_id}/{action}", data=data, follow_redirects=False)
        assert r.status_code == 403 and "操作未执行" in r.text, (action, data, r.status_code)
    assert department_events(hub) == []
    with hub.sessions() as s:
        assert s.get_one(HubCaseState, case_id).status == "ROUTED"
    # logout is a form too: refused without the token, the session stays
    assert web.post("/dept/logout", follow_redirects=False).status_code == 403
    assert web.get("/dept").status_code == 200
    # with the token the same forms work
    assert (
        web.post(
            f"/dept/cases/{case_id}/accept", data={"csrf_token": good}, follow_redirects=False
        ).status_code
        == 303
    )
    r = web.post(
        f"/dept/cases/{case_id}/decide",
        data={"decision": "denied", "reason": "材料不全", "csrf_token": good, "step": "confirm"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert department_events(hub) == ["DEPARTMENT_ACCEPT", "DENY"]
    # the JSON API with a Bearer token needs no form token
    api = hub.staff_token("mz3", "区民政局")
    assert hub.http.get("/api/v1/dept/cases?all=true", headers=api).status_code == 200


@pytest.mark.pg
def test_every_form_carries_the_token(hub: Any) -> None:
    device = hub.device("100001")
    (case_id,) = route_cases(hub, device, [("C2026-0003", "MZ-001")])
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", "区民政局")
    login_form = hub.http.get("/dept/login").text
    assert login_form.count("<form") == login_form.count("name='csrf_token'") == 1
    login(hub.http, "mz")
    for path in ("/dept", f"/dept/cases/{case_id}"):
        html = hub.http.get(path).text
        forms = re.findall(r"<form[^>]*>.*?</form>", html, flags=re.S)
        assert len(forms) == html.count("<form") >= 1, path
        posts = [f for f in forms if "method='post'" in f]
        assert posts and all("name='csrf_token'" in f for f in posts), path
        # the search form is a GET: the token must not travel in an address
        assert all("method='get'" in f and "csrf_token" not in f for f in forms if f not in posts)
        token_in(html)


@pytest.mark.pg
def test_login_form_needs_its_own_token(hub: Any) -> None:
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", "区民政局")
    web = hub.http
    # a login posted from another site (no token, or no login cookie) is refused and signs no one in
    r = web.post(
        "/dept/login", data={"username": "mz", "password": "secret-pw"}, follow_redirects=False
    )
    assert r.status_code == 403 and "ow_staff" not in r.cookies and "登录页面已过期" in r.text
    web.cookies.clear()
    form = web.get("/dept/login")
    token = token_in(form.text)
    assert token_in(web.get("/dept/login").text) == token  # a second tab gets the same token
    web.cookies.clear()
    r = web.post(
        "/dept/login",
        data={"username": "mz", "password": "secret-pw", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "ow_staff" not in r.cookies
    # the refusal page carries a fresh token: signing in from it works
    r = web.post(
        "/dept/login",
        data={"username": "mz", "password": "secret-pw", "csrf_token": token_in(r.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "ow_staff" in r.cookies
    with hub.sessions() as s:  # refused sign-ins were not counted as failures either
        assert (
            s.scalar(
                select(func.count())
                .select_from(HubLoginThrottle)
                .where(HubLoginThrottle.failures > 0)
            )
            == 0
        )
