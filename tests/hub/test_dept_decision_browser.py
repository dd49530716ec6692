"""A department clerk records exactly the decision they meant: every error path of the decision form
driven in headless Chromium against a real hub process, with the stored outcome checked each time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.hub.admin import add_staff
from app.hub.models import HubCaseState, HubChange
from tests.hub.browser import chromium, hub_process, sign_in
from tests.hub.test_web import publish, route_cases

pytestmark = [pytest.mark.pg, pytest.mark.slow]

REFUSAL = "家庭人均收入高于当地低保标准，不予批准"


def stored(hub: Any, case_id: uuid.UUID) -> tuple[str, list[dict[str, Any]]]:
    """The case's status at the hub and the department events recorded on it."""
    with hub.sessions() as s:
        status = s.get_one(HubCaseState, case_id).status
        payloads = s.scalars(
            select(HubChange.payload)
            .where(HubChange.entity == "case_event")
            .order_by(HubChange.pos)
        ).all()
    events = [
        p for p in payloads if p.get("origin") == "department" and p["case_id"] == str(case_id)
    ]
    return status, events


def form_state(page: Any) -> dict[str, Any]:
    """What the decision form shows: the checked outcome (or None) and both text boxes."""
    checked = page.locator("input[name=decision]:checked")
    return {
        "decision": checked.get_attribute("value") if checked.count() else None,
        "reason": page.input_value("textarea[name=reason]"),
        "deferred": page.input_value("textarea[name=deferred]"),
    }


def submit(page: Any) -> None:
    page.click("button:has-text('下一步：核对决定')")
    page.wait_for_load_state()


def error_text(page: Any) -> str:
    return str(page.inner_text("p.err"))


def test_decision_form_keeps_values_refuses_contradictions_and_confirms(hub: Any) -> None:
    device = hub.device("100001")
    publish(hub, datetime.now(UTC))
    refused, approved, stale = route_cases(
        hub, device, [("C2026-1001", "MZ-001"), ("C2026-1002", "MZ-001"), ("C2026-1003", "MZ-001")]
    )
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", "区民政局")
    url = hub.engine.url.render_as_string(hide_password=False)
    with hub_process(url) as base, chromium() as page:
        sign_in(page, base, "mz")
        page.goto(f"{base}/dept/cases/{refused}")
        # no outcome is preselected
        assert form_state(page)["decision"] is None
        # 1. nothing chosen: refused, the reason typed is kept
        page.fill("textarea[name=reason]", REFUSAL)
        submit(page)
        assert "请选择决定结果" in error_text(page)
        assert form_state(page) == {"decision": None, "reason": REFUSAL, "deferred": ""}
        # 2. 不予批准 without a reason: refused, the choice stays 不予批准
        page.check("input[name=decision][value=denied]")
        page.fill("textarea[name=reason]", "")
        submit(page)
        assert "不予批准须填写理由" in error_text(page)
        assert form_state(page)["decision"] == "denied"
        # 3. the refusal's wording under 批准 (the flip): refused, both kept as typed
        page.check("input[name=decision][value=approved]")
        page.fill("textarea[name=reason]", REFUSAL)
        submit(page)
        assert "与所选的“批准”相反" in error_text(page)
        assert form_state(page) == {"decision": "approved", "reason": REFUSAL, "deferred": ""}
        assert stored(hub, refused) == ("ROUTED", [])
        # 4. 不予批准 with the reason: restated, nothing recorded yet; back to edit keeps it all
        page.check("input[name=decision][value=denied]")
        submit(page)
        confirm = page.inner_text(".confirm")
        assert "不予批准" in confirm and REFUSAL in confirm and "不能撤销" in confirm
        assert stored(hub, refused) == ("ROUTED", [])
        page.click("button:has-text('返回修改')")
        page.wait_for_load_state()
        assert form_state(page) == {"decision": "denied", "reason": REFUSAL, "deferred": ""}
        submit(page)
        page.click("button:has-text('确认不予批准')")
        page.wait_for_url(f"{base}/dept/cases/{refused}?done=decided")
        assert "决定已提交" in page.inner_text("p.ok")
        assert "不予批准" in page.inner_text("dl.facts >> nth=1")
        assert page.locator("textarea[name=reason]").count() == 0  # no second decision
        status, events = stored(hub, refused)
        assert status == "DENIED" and [e["event_type"] for e in events] == ["DENY"]
        assert events[0]["detail"]["reason"] == REFUSAL and events[0]["actor_name"] == "民政审批员"

        # 容缺 paths on the second case, then an approval whose note is shown back
        page.goto(f"{base}/dept/cases/{approved}")
        page.check("input[name=decision][value=approved_deferred]")
        page.fill("textarea[name=reason]", "经审核符合条件")
        submit(page)
        assert "容缺批准须列明容缺的材料" in error_text(page)
        assert form_state(page) == {
            "decision": "approved_deferred",
            "reason": "经审核符合条件",
            "deferred": "",
        }
        page.check("input[name=decision][value=approved]")
        page.fill("textarea[name=deferred]", "家庭成员收入证明\n户口簿复印件")
        submit(page)
        assert "请改选“容缺批准”" in error_text(page)
        assert form_state(page)["deferred"] == "家庭成员收入证明\n户口簿复印件"
        page.fill("textarea[name=deferred]", "")
        submit(page)
        assert "经审核符合条件" in page.inner_text(".confirm")  # the note, shown before final
        page.click("button:has-text('确认批准')")
        page.wait_for_url(f"{base}/dept/cases/{approved}?done=decided")
        status, events = stored(hub, approved)
        assert status == "APPROVED" and [e["event_type"] for e in events] == ["APPROVE"]
        assert events[0]["note"] == "经审核符合条件"

        # the case moved while the confirmation page was open: nothing is recorded
        page.goto(f"{base}/dept/cases/{stale}")
        page.check("input[name=decision][value=approved]")
        submit(page)
        other = hub.staff_token("mz3", "区民政局")
        assert hub.http.post(
            f"/api/v1/dept/cases/{stale}/accept", json={}, headers=other
        ).is_success
        page.click("button:has-text('确认批准')")
        page.wait_for_load_state()
        assert "本次操作未执行" in error_text(page)
        status, events = stored(hub, stale)
        assert status == "ACCEPTED_BY_DEPARTMENT"
        assert [e["event_type"] for e in events] == ["DEPARTMENT_ACCEPT"]
