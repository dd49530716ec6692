"""The district publishes a working-day table; centres take it on their next sync."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db.models import CalendarDay
from app.hub.cli import main as hub_main

pytestmark = pytest.mark.pg

TABLE_2027 = """
[[year]]
year = 2027
status = "official"
notice = "国办发明电〔2026〕9号"
workdays = [2027-02-14]

[[year.holiday]]
name = "元旦"
start = 2027-01-01
end = 2027-01-03

[[year.holiday]]
name = "春节"
start = 2027-02-06
end = 2027-02-13
"""


def test_published_calendar_reaches_the_centre(
    hub: Any, centre_factory: Any, pg_url: str, tmp_path: Path, capsys: Any
) -> None:
    ctx, agent = centre_factory("990101")
    assert not ctx.calendar.is_working_day(date(2027, 2, 14))  # a Sunday, provisional year
    table = tmp_path / "cn-workdays-2027.toml"
    table.write_text(TABLE_2027, encoding="utf-8")
    assert hub_main(["--db", pg_url, "publish-calendar", str(table)]) == 0
    assert "工作日历已发布：2027 年" in capsys.readouterr().out
    report = agent.run_once()
    assert report.ok, report.error
    with ctx.uow(read_only=True) as uow:
        sunday = uow.session.scalars(
            select(CalendarDay).where(CalendarDay.day == date(2027, 2, 14))
        ).one()
        assert sunday.working and "国办发明电" in sunday.source
    cal = ctx.calendar
    assert cal.is_working_day(date(2027, 2, 14)) and not cal.is_working_day(date(2027, 2, 8))
    assert 2027 not in cal.provisional_years
    broken = tmp_path / "broken.toml"
    broken.write_text("[[year]]\nyear = 'x'\n", encoding="utf-8")
    assert hub_main(["--db", pg_url, "publish-calendar", str(broken)]) == 1
