"""The district page in headless Chromium on a real hub process: district staff land on it after
signing in, type a period as yyyy-mm-dd (browser in en-US), read the hand-built district's figures
and download the Excel workbook; department staff reach their own figures from 统计 in the header."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.hub import district_data as D
from tests.hub.browser import chromium, hub_process, sign_in

pytestmark = [pytest.mark.pg, pytest.mark.slow]


def type_into(page: Any, name: str, text: str) -> None:
    page.click(f"input[name={name}]")
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def cells(page: Any, table: str, row: str) -> list[str]:
    """The data cells of the table's row headed `row`."""
    found = page.locator(f"{table} tbody tr").filter(has=page.locator("th", has_text=row))
    return [str(t).strip() for t in found.locator("td").all_inner_texts()]


def test_district_staff_and_department_staff_in_a_browser(hub: Any) -> None:
    D.build(hub)
    hub.staff_token("qu", "", role="district")
    hub.staff_token("mz", D.MZ)
    url = hub.engine.url.render_as_string(hide_password=False)
    with hub_process(url) as base:
        with chromium(locale="en-US") as page:
            sign_in(page, base, "qu", landing="/district")
            type_into(page, "from", "2026-11-01")
            type_into(page, "to", "2026/11/30")
            page.click("button:has-text('统计')")
            page.wait_for_load_state()
            assert page.input_value("input[name=to]") == "2026-11-30"
            a = cells(page, "table.centres", "中心甲")
            assert a[5:7] == ["7", "71.4%"]  # 7 ratings, 5 of them satisfied
            assert cells(page, "table.centres", "中心乙")[5:7] == ["3", "100.0%"]
            mz = cells(page, "table.departments", D.MZ)
            assert mz[:5] == ["5", "4", "80.0%", "2", "40.0%"]
            with page.expect_download() as got:
                page.click("a:has-text('全部表格（Excel）')")
            with open(got.value.path(), "rb") as f:
                book = load_workbook(io.BytesIO(f.read()))
            rows = list(book["部门响应率解决率"].iter_rows(min_row=2, values_only=True))
            assert rows[[r[0] for r in rows].index(D.MZ)][:6] == (D.MZ, 5, 4, 0.8, 2, 0.4)
        with chromium() as page:
            sign_in(page, base, "mz")
            page.click("header a:has-text('统计')")
            page.wait_for_url(f"{base}/district")
            text = page.inner_text("main")
            assert D.MZ in text and D.RS not in text and "各受理中心" not in text
