"""Working-day calendar: the shipped table against two libraries, known cases, and properties."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.calendar_table import load_default_calendar
from app.domain.calendar import WorkCalendar, YearStatus
from app.domain.errors import DomainError
from app.resources import resource_path

CAL = load_default_calendar()


def days_of(year: int) -> list[date]:
    d, out = date(year, 1, 1), []
    while d.year == year:
        out.append(d)
        d += timedelta(days=1)
    return out


# ---- the table against the State Council notices as encoded by two independent libraries ------


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_official_years_match_chinese_calendar(year: int) -> None:
    for d in days_of(year):
        assert CAL.is_working_day(d) == chinese_calendar.is_workday(d), d


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_official_years_match_holidays_package(year: int) -> None:
    cn = holidays.China(years=year)
    make_up = {d for d in cn.weekend_workdays if d.year == year}
    for d in days_of(year):
        expected = d in make_up or (d.weekday() < 5 and d not in cn)
        assert CAL.is_working_day(d) == expected, d
        assert CAL.is_make_up_workday(d) == (d in make_up), d


def test_2027_is_provisional_statutory_days_only() -> None:
    assert CAL.provisional_years == frozenset({2027})
    # the rule-computed festival days (not the "observed" ones) of the holidays package
    cn = holidays.China(years=2027)
    statutory = {d for d, name in cn.items() if "observed" not in name}
    ours = {d for d in days_of(2027) if CAL.holiday_name(d)}
    assert ours == statutory
    assert not any(CAL.is_make_up_workday(d) for d in days_of(2027))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_official_years_have_notices() -> None:
    for y in CAL.years:
        if y.status is YearStatus.OFFICIAL:
            assert y.notice
    assert next(y for y in CAL.years if y.year == 2024).notice == "国办发明电〔2023〕7号"


# ---- known cases ----------------------------------------------------------------------------


def test_known_cases() -> None:
    r = CAL.add_working_days(date(2024, 2, 9), 1)
    assert r.value == date(2024, 2, 18)  # make-up Sunday after 春节
    assert r.certain
    assert CAL.add_working_days(date(2025, 9, 30), 1).value == date(2025, 10, 9)
    assert CAL.is_working_day(date(2025, 10, 11))  # a Saturday make-up day
    assert CAL.add_working_days(date(2025, 10, 10), 1).value == date(2025, 10, 11)
    assert CAL.holiday_name(date(2024, 2, 12)) == "春节"
    assert CAL.working_days_between(date(2024, 2, 9), date(2024, 2, 18)).value == 1
    assert CAL.working_days_between(date(2024, 2, 18), date(2024, 2, 9)).value == -1
    assert CAL.add_working_days(date(2024, 2, 18), -1).value == date(2024, 2, 9)
    assert CAL.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert CAL.add_working_days(date(2026, 3, 2), 0).value == date(2026, 3, 2)


def test_flags() -> None:
    inside = CAL.add_working_days(date(2026, 12, 1), 10)
    assert inside.certain
    touches_2027 = CAL.add_working_days(date(2026, 12, 25), 10)
    assert touches_2027.provisional and not touches_2027.fallback
    beyond = CAL.add_working_days(date(2027, 12, 25), 10)
    assert beyond.fallback and beyond.provisional
    before = CAL.working_days_between(date(2023, 12, 1), date(2024, 1, 10))
    assert before.fallback
    assert CAL.add_working_days(date(2030, 3, 1), 5).value == date(2030, 3, 8)  # Mon–Fri


def test_fast() -> None:
    import time

    t = time.perf_counter()
    for _ in range(1000):
        CAL.add_working_days(date(2025, 9, 20), 30)
    assert (time.perf_counter() - t) / 1000 < 200e-6


# ---- properties -----------------------------------------------------------------------------

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2031, 12, 31))
steps = st.integers(min_value=0, max_value=400)


@given(dates, steps)
def test_add_then_count_round_trips(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n).value
    assert CAL.working_days_between(start, end).value == n
    if n >= 1:
        assert CAL.is_working_day(end)
        assert end > start


@given(dates, st.integers(min_value=1, max_value=400))
def test_negative_add_round_trips(start: date, n: int) -> None:
    back = CAL.add_working_days(start, -n).value
    assert CAL.is_working_day(back)
    assert CAL.working_days_between(back, start).value == n


@given(dates, steps)
def test_monotonic_in_n(start: date, n: int) -> None:
    a = CAL.add_working_days(start, n).value
    b = CAL.add_working_days(start, n + 1).value
    assert b > a


@given(dates, dates)
def test_between_matches_day_by_day_count(a: date, b: date) -> None:
    if abs((b - a).days) > 200:
        b = a + timedelta(days=(b - a).days % 200)
    lo, hi = min(a, b), max(a, b)
    count, d = 0, lo
    while d < hi:
        d += timedelta(days=1)
        count += CAL.is_working_day(d)
    assert CAL.working_days_between(a, b).value == (count if a <= b else -count)


@given(dates, dates)
def test_flags_follow_years(a: date, b: date) -> None:
    r = CAL.working_days_between(a, b)
    lo, hi = min(a, b), max(a, b)
    years = set(range((lo + timedelta(days=1)).year, hi.year + 1)) if lo < hi else set()
    assert r.fallback == bool(years - {2024, 2025, 2026, 2027})
    assert r.provisional == (2027 in years)


# ---- the data file --------------------------------------------------------------------------


def test_shipped_file_parses_and_is_cached() -> None:
    assert load_default_calendar() is load_default_calendar()
    text = resource_path("calendar", "cn-workdays.toml").read_text(encoding="utf-8")
    assert WorkCalendar.from_toml_text(text).covered_years == {2024, 2025, 2026, 2027}


@pytest.mark.parametrize(
    "text",
    [
        "[[year]]\nyear = 2030\n",
        '[[year]]\nyear = 2030\nstatus = "official"\n',
        '[[year]]\nyear = 2030\nstatus = "provisional"\nworkdays = [2030-01-07]\n',
        '[[year]]\nyear = 2030\nstatus = "provisional"\n[[year.holiday]]\nname = "x"\n'
        "start = 2030-01-05\nend = 2030-01-01\n",
        "not toml [",
        '[[year]]\nyear = 2030\nstatus = "provisional"\n'
        '[[year]]\nyear = 2030\nstatus = "provisional"\n',
    ],
)
def test_bad_tables_are_refused(text: str) -> None:
    with pytest.raises(DomainError) as exc:
        WorkCalendar.from_toml_text(text)
    assert exc.value.code == "CALENDAR_DATA_INVALID"


def test_empty_table_is_monday_to_friday() -> None:
    cal = WorkCalendar.from_toml_text("")
    r = cal.add_working_days(date(2026, 10, 1), 1)
    assert r.value == date(2026, 10, 2) and r.fallback
