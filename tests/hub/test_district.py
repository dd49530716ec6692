"""The district's figures against a hand-built district (tests/hub/district_data.py), on SQLite and
PostgreSQL: per centre, the district's totals, per department and per department × centre; the page
and its exports as district staff, department staff and others see them."""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from openpyxl import load_workbook

from app.hub import district
from app.hub.api import create_app
from app.hub.db import alembic_config, upgrade
from tests.hub import district_data as D
from tests.hub.conftest import Hub
from tests.hub.test_web import login

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient


@pytest.fixture
def any_hub(db_url: str) -> Iterator[Hub]:
    h = Hub(db_url)
    yield h
    h.engine.dispose()


def test_figures_are_the_hand_computed_ones(any_hub: Hub) -> None:
    D.build(any_hub)
    with any_hub.sessions() as s:
        f = district.figures(s, D.PERIOD, D.NOW)
    assert f.today == D.TODAY
    got = {c.code: c for c in f.centres}
    for code, want in D.EXPECTED_CENTRES.items():
        c = got[code]
        assert c.levels == want["levels"], code
        assert (c.ratings, c.satisfied) == (want["ratings"], want["satisfied"]), code
        assert c.satisfaction == want["satisfied"] / want["ratings"], code
        follow = (c.follow_ups_opened, c.follow_ups_closed, c.follow_ups_open, c.follow_ups_overdue)
        assert follow == want["follow_ups"], code
        assert (c.cases_overdue, c.routed) == (want["cases_overdue"], want["routed"]), code
    t = f.total
    assert t.levels == {5: 5, 4: 2, 3: 1, 2: 1, 1: 1} and t.ratings == 10 and t.bad == 2
    assert t.satisfaction == 0.8
    assert (t.follow_ups_opened, t.follow_ups_closed, t.follow_ups_open) == (3, 1, 3)
    assert (t.follow_ups_overdue, t.cases_overdue, t.routed) == (2, 4, 6)
    depts = {d.department: (d.routed, d.responded, d.decided, d.overdue) for d in f.departments}
    assert depts == D.EXPECTED_DEPARTMENTS
    mz = next(d for d in f.departments if d.department == D.MZ)
    assert (mz.response_rate, mz.resolution_rate) == (0.8, 0.4)
    cells = {
        (d.department, d.centre): (d.routed, d.responded, d.decided, d.overdue) for d in f.by_centre
    }
    assert cells == D.EXPECTED_BY_CENTRE
    assert (f.departments_total.routed, f.departments_total.decided) == (6, 3)
    # the daily counts kept at ingest are what a fresh count of the rows gives (migration h0007's
    # backfill, run again from the rows)
    command.downgrade(alembic_config(any_hub.engine), "h0006")
    upgrade(any_hub.engine)
    with any_hub.sessions() as s:
        again = district.figures(s, D.PERIOD, D.NOW)
    assert [(c.code, c.levels, c.routed) for c in again.centres] == [
        (c.code, c.levels, c.routed) for c in f.centres
    ]
    assert again.by_centre == f.by_centre
    # a department's own figures only: its row, its cells, no centre figures
    with any_hub.sessions() as s:
        own = district.figures(s, D.PERIOD, D.NOW, department=D.MZ)
    assert [d.department for d in own.departments] == [D.MZ]
    assert {d.department for d in own.by_centre} == {D.MZ}
    assert own.total.ratings == 0 and own.total.follow_ups_open == 0
    # a shorter period: November 1–5 holds A's ratings of the 1st (00:10), 3rd, 4th, 5th and B's 2nd
    with any_hub.sessions() as s:
        early = district.figures(s, district.Period(D.d(11, 1), D.d(11, 5)), D.NOW)
    assert early.total.levels == {5: 3, 4: 2, 3: 0, 2: 0, 1: 0}
    # a1 a2 b1 b2; 人社 is listed for a5, overdue today though received in October
    assert {d.department: d.routed for d in early.departments} == {D.MZ: 4, D.RS: 0}


def _client(hub: Hub) -> Any:
    return TestClient(create_app(hub.engine, clock=lambda: D.NOW))


@pytest.mark.pg
def test_page_and_exports_by_role(hub: Any) -> None:
    D.build(hub)
    hub.staff_token("qu", "", role="district")
    hub.staff_token("mz", D.MZ)
    hub.staff_token("root", "", role="admin")
    period = {"from": "2026-11-01", "to": "2026-11-30"}

    web = _client(hub)
    assert login(web, "qu").headers["location"] == "/dept"
    assert web.get("/dept", follow_redirects=False).headers["location"] == "/district"
    page = web.get("/district", params=period).text
    for text in ("中心甲", "中心乙", "71.4%", "100.0%", "80.0%", "40.0%", "满意率 = （非常满意"):
        assert text in page, text
    assert "响应率 = 已响应件数 ÷ 转办件数" in page and "解决率 = 已决定件数 ÷ 转办件数" in page
    # CSV: the centres' table, numbers as written, rates as percentages
    r = web.get("/district/export.csv", params={**period, "table": "centres"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    head, rows = table[1], {row[0]: row for row in table[2:]}
    assert rows["100001"][head.index("评价总数")] == "7"
    assert rows["100001"][head.index("满意率")] == "71.4%"
    assert rows[""][head.index("超期办件（今天）")] == "4"  # the district's total row
    # Excel: one sheet per table and 说明; numbers are numbers
    r = web.get("/district/export.xlsx", params=period)
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["各中心", "部门响应率解决率", "部门分中心", "说明"]
    sheet = book["各中心"]
    head = [c.value for c in sheet[1]]
    a = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "100001")
    assert a[head.index("评价总数")] == 7 and isinstance(a[head.index("评价总数")], int)
    assert a[head.index("满意率")] == pytest.approx(5 / 7)
    assert sheet.cell(row=2, column=head.index("满意率") + 1).number_format == "0.0%"
    depts = {row[0]: row for row in book["部门响应率解决率"].iter_rows(min_row=2, values_only=True)}
    assert depts[D.MZ][1:] == (5, 4, 0.8, 2, 0.4, 2)

    web = _client(hub)  # department staff: their own department only
    assert login(web, "mz").status_code == 303
    page = web.get("/district", params=period).text
    assert D.MZ in page and D.RS not in page and "71.4%" not in page and "中心乙" in page
    r = web.get("/district/export.csv", params={**period, "table": "centres"})
    assert r.status_code == 404  # not a table of theirs
    book = load_workbook(io.BytesIO(web.get("/district/export.xlsx", params=period).content))
    assert book.sheetnames == ["部门响应率解决率", "部门分中心", "说明"]
    assert [row[0] for row in book["部门响应率解决率"].iter_rows(min_row=2, values_only=True)] == [
        D.MZ
    ]

    web = _client(hub)  # an administrator is not district staff
    assert login(web, "root").status_code == 303
    r = web.get("/district", params=period)
    assert r.status_code == 403 and "区级统计只对区级人员和部门人员开放" in r.text
    r = web.get("/district", params={"from": "2026-11-31", "to": "2026-11-30"})
    assert r.status_code == 403  # refused before the dates are read
    web = _client(hub)
    assert web.get("/district", follow_redirects=False).headers["location"] == "/dept/login"


@pytest.mark.pg
def test_period_words(hub: Any) -> None:
    hub.staff_token("qu", "", role="district")
    web = _client(hub)
    assert login(web, "qu").status_code == 303
    page = web.get("/district", params={"from": "2026/11/3", "to": "2026-11-09"}).text
    assert "<strong>2026-11-03</strong> 至 <strong>2026-11-09</strong>" in page
    page = web.get("/district", params={"from": "11/03/2026", "to": "2026-11-09"}).text
    assert "“11/03/2026”不是有效日期" in page and "<strong>2026-11-01</strong>" in page
    page = web.get("/district", params={"from": "2026-11-09", "to": "2026-11-03"}).text
    assert "结束日期早于开始日期" in page
    page = web.get("/district", params={"preset": "week"}).text
    assert "<strong>2026-11-16</strong> 至 <strong>2026-11-20</strong>" in page  # Monday to today
