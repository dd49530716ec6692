"""The working-day calendar kept in the centre database (calendar_day rows), so the district can
replace it through sync: seeded from the shipped table, read back over it year by year."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.domain.calendar import CalendarYear, Holiday, WorkCalendar, YearStatus

PROVISIONAL = "provisional"


@dataclass(frozen=True)
class DayRow:
    """One calendar_day row: a holiday (working=False) or a make-up workday (working=True)."""

    day: date
    working: bool
    name: str
    source: str  # the notice it comes from, or "provisional"


def rows_from_calendar(calendar: WorkCalendar) -> list[DayRow]:
    """Every holiday and make-up day of the table, one row a day."""
    rows: list[DayRow] = []
    for year in calendar.years:
        source = (
            PROVISIONAL if year.status is YearStatus.PROVISIONAL else (year.notice or "official")
        )
        for holiday in year.holidays:
            rows.extend(DayRow(d, False, holiday.name, source[:100]) for d in holiday.days())
        rows.extend(DayRow(d, True, "调休上班", source[:100]) for d in year.workdays)
    return rows


def calendar_with_rows(base: WorkCalendar, rows: Iterable[DayRow]) -> WorkCalendar:
    """The base calendar with every year that has rows replaced by those rows (the district's word
    wins for a year it published); years without rows stay as shipped."""
    by_year: dict[int, list[DayRow]] = defaultdict(list)
    for row in rows:
        by_year[row.day.year].append(row)
    if not by_year:
        return base
    years = {y.year: y for y in base.years}
    for year, days in by_year.items():
        provisional = any(d.source == PROVISIONAL for d in days)
        notices = sorted({d.source for d in days if d.source != PROVISIONAL})
        years[year] = CalendarYear(
            year=year,
            status=YearStatus.PROVISIONAL if provisional else YearStatus.OFFICIAL,
            holidays=tuple(
                Holiday(d.name, d.day, d.day)
                for d in sorted(days, key=lambda r: r.day)
                if not d.working
            ),
            workdays=tuple(sorted(d.day for d in days if d.working)),
            notice="; ".join(notices) or None,
        )
    return WorkCalendar(tuple(years[y] for y in sorted(years)))
