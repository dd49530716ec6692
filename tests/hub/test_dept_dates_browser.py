"""The list's date filters read and show yyyy-mm-dd whatever the browser's locale: typed with the
keyboard in headless Chromium set to en-US and de-DE (where a browser date picker would show
11/05/2026 or 05.11.2026), the filter applies the date meant and shows it back as typed."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from app.hub.admin import add_staff
from tests.hub.browser import chromium, hub_process, sign_in
from tests.hub.dept_data import CaseSpec, push_cases
from tests.hub.test_web import publish

pytestmark = [pytest.mark.pg, pytest.mark.slow]

DEPT = "区民政局"
RECEIVED = (date(2026, 11, 2), date(2026, 11, 5), date(2026, 11, 10))


def specs() -> list[CaseSpec]:
    rng = random.Random(3)
    return [
        CaseSpec(
            uuid.uuid4(),
            f"D2026{day:%m%d}0001",
            "MZ-001",
            day,
            day + timedelta(days=60),
            f"李{'一二三'[i]}",
            f"11010119800101{rng.randrange(100, 999)}X",
            "13800138000",
            "100001",
        )
        for i, day in enumerate(RECEIVED)
    ]


def type_into(page: Any, name: str, text: str) -> None:
    page.click(f"input[name={name}]")
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def listed(page: Any) -> list[str]:
    return sorted(page.locator("table.cases a").all_inner_texts())


def test_date_filters_are_yyyy_mm_dd_in_any_browser_locale(hub: Any) -> None:
    from datetime import UTC, datetime

    publish(hub, datetime.now(UTC))
    cases = specs()
    push_cases(hub.http, hub.device("100001"), cases, DEPT)
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", DEPT)
    url = hub.engine.url.render_as_string(hide_password=False)
    with hub_process(url) as base:
        for locale in ("en-US", "de-DE"):
            with chromium(locale=locale) as page:
                sign_in(page, base, "mz")
                page.goto(f"{base}/dept?view=all")
                page.click("summary:has-text('更多筛选和排序')")
                field = page.locator("input[name=received_from]")
                assert field.get_attribute("placeholder") == "yyyy-mm-dd"
                type_into(page, "received_from", "2026-11-03")
                type_into(page, "received_to", "2026/11/9")  # also taken, shown back as 2026-11-09
                page.click("button:has-text('查询')")
                page.wait_for_load_state()
                assert "received_from=2026-11-03" in page.url, (locale, page.url)
                assert listed(page) == [cases[1].number], locale
                assert page.input_value("input[name=received_from]") == "2026-11-03"
                assert page.input_value("input[name=received_to]") == "2026-11-09"
                # a date in the browser's own format is refused in words, kept in the box
                type_into(page, "received_from", "11/05/2026")
                page.click("button:has-text('查询')")
                page.wait_for_load_state()
                error = page.inner_text("p.err")
                assert "受理日期从“11/05/2026”不是有效日期" in error and "2026-11-05" in error
                assert page.input_value("input[name=received_from]") == "11/05/2026"
                assert listed(page) == sorted(c.number for c in cases[:2])  # only the 至 applies
