"""The department's case page: deadline, form as words, materials, timeline, decision and who made it,
actions only where they apply, the audited full view, and Chinese error pages instead of JSON."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.hub import workdays
from app.hub.admin import add_staff
from app.hub.models import HubAudit
from tests.hub.dept_data import CaseSpec, make_cases, push_cases
from tests.hub.test_web import login, publish, token_in

pytestmark = pytest.mark.pg
DEPT = "区民政局"


def one_case(hub: Any, due: date | None = None) -> CaseSpec:
    now = datetime.now(UTC)
    publish(hub, now)
    today = workdays.business_today(now)
    (case,) = make_cases(random.Random(3), 1, today, "100001")
    case.matter = "MZ-001"
    case.due = due or case.due
    push_cases(hub.http, hub.device("100001"), [case], DEPT)
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", DEPT)
    assert login(hub.http, "mz").status_code == 303
    return case


def forms(html: str) -> list[str]:
    return [a.split("#")[0] for a in re.findall(r"<form method='post' action='([^']*)'", html)]


def test_case_page_shows_what_the_decision_needs_and_only_the_actions_that_apply(hub: Any) -> None:
    today = workdays.business_today(datetime.now(UTC))
    with hub.sessions() as s:
        calendar = workdays.hub_calendar(s)
    due = calendar.add_working_days(today, 5).value
    case = one_case(hub, due)
    url = f"/dept/cases/{case.case_id}"
    page = hub.http.get(url).text
    # deadline in words, received date, form as words, bank account masked
    left = calendar.working_days_between(today, due).value
    assert f"剩 {left} 个工作日" in page and due.isoformat() in page
    assert case.received.isoformat() in page
    assert "<th>家庭成员中有残疾人</th><td>否</td>" in page and "False" not in page
    assert "****5678" in page and "6222 0200 1234 5678" not in page
    assert case.id_number not in page and case.phone not in page
    # materials with their state, the timeline in order
    assert "家庭成员收入证明" in page and "容缺后补" in page and "已收取" in page
    assert page.index("受理</td>") < page.index("转办至部门")
    assert "待受理" in page and "已转办" not in page
    actions = forms(page)
    assert f"{url}/accept" in actions and f"{url}/decide" in actions
    # accept: a message, then no second accept
    token = token_in(page)
    r = hub.http.post(f"{url}/accept", data={"csrf_token": token})
    assert "已部门受理" in r.text and "审查中" in r.text
    assert f"{url}/accept" not in forms(r.text) and f"{url}/decide" in forms(r.text)
    r = hub.http.post(
        f"{url}/decide",
        data={"decision": "denied", "reason": "收入超标", "csrf_token": token, "step": "confirm"},
    )
    assert "决定已提交" in r.text and "不予批准" in r.text and "收入超标" in r.text
    assert "民政审批员" in r.text
    assert [a for a in forms(r.text) if a.startswith(url) and "reveal" not in a] == []
    done = hub.http.get("/dept", params={"view": "done"}).text
    assert case.number in done and "已办 1" in done


def test_a_full_view_is_asked_for_and_audited(hub: Any) -> None:
    case = one_case(hub)
    url = f"/dept/cases/{case.case_id}"
    token = token_in(hub.http.get(url).text)
    assert hub.http.post(f"{url}/reveal", data={}).status_code == 403
    with hub.sessions() as s:
        assert s.scalars(select(HubAudit)).all() == []
    full = hub.http.post(f"{url}/reveal", data={"csrf_token": token}).text
    assert case.id_number in full and case.phone in full and "6222 0200 1234 5678" in full
    with hub.sessions() as s:
        (audit,) = s.scalars(select(HubAudit)).all()
    assert audit.staff_username == "mz" and audit.case_id == case.case_id
    assert audit.action == "full_view" and audit.subject_id is not None
    assert set(audit.detail["fields"]) == {"id_number", "phone", "bank_account"}
    assert case.id_number not in str(audit.detail)
    again = hub.http.get(url).text  # masked again on the next view
    assert case.id_number not in again and "6222 0200 1234 5678" not in again


def test_a_due_date_in_a_provisional_year_is_flagged(hub: Any) -> None:
    case = one_case(hub, date(2027, 3, 1))
    page = hub.http.get(f"/dept/cases/{case.case_id}").text
    assert "暂估日历" in page
    assert "暂估日历" in hub.http.get("/dept").text


def test_errors_are_chinese_pages_and_headers_are_set(hub: Any) -> None:
    case = one_case(hub)
    for path in ("/dept/cases/not-a-case", f"/dept/cases/{case.case_id}x", "/dept/nothing"):
        r = hub.http.get(path)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), path
        assert "返回办件列表" in r.text and "detail" not in r.text
    r = hub.http.get(f"/dept/cases/{case.case_id}".replace(str(case.case_id)[:8], "00000000"))
    assert r.status_code == 404 and "没有找到转办到本部门的这个办件" in r.text
    r = hub.http.put("/dept")
    assert r.status_code == 405 and r.headers["content-type"].startswith("text/html")
    page = hub.http.get("/dept")
    for name, value in (
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
    ):
        assert page.headers[name] == value
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert "<meta name='viewport'" in page.text
    css = hub.http.get("/dept/static/dept.css")
    assert css.headers["content-type"].startswith("text/css") and "@media" in css.text
    # the API still answers JSON
    api = hub.http.get("/api/v1/dept/cases/not-a-case", headers=hub.staff_token("mz2", DEPT))
    assert api.status_code == 422 and api.headers["content-type"] == "application/json"


def test_an_oversized_form_post_gets_a_page_too(hub: Any) -> None:
    case = one_case(hub)
    big = "理" * (2 * 1024 * 1024)
    r = hub.http.post(f"/dept/cases/{case.case_id}/decide", data={"reason": big})
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "提交的内容过大" in r.text
    api = hub.http.post("/api/v1/push", content=big.encode())
    assert api.status_code == 413 and api.headers["content-type"] == "application/json"
