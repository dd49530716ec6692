"""Deadlines: due dates with the 补正 pause, remaining working days and the status thresholds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.calendar_table import load_default_calendar
from app.domain.deadlines import (
    DeadlineStatus,
    compute_due_date,
    deadline_status,
    paused_working_days,
    remaining_working_days,
)

CAL = load_default_calendar()


def test_due_date_across_national_day() -> None:
    r = compute_due_date(date(2025, 9, 26), 5, 0, CAL)
    # 9-28 (Sun, make-up), 9-29, 9-30, 10-09, 10-10
    assert r.value == date(2025, 10, 10)
    assert r.certain


def test_pause_pushes_due_date() -> None:
    plain = compute_due_date(date(2026, 3, 2), 10, 0, CAL).value
    paused = compute_due_date(date(2026, 3, 2), 10, 3, CAL).value
    assert CAL.working_days_between(plain, paused).value == 3


def test_immediate_case_is_due_today() -> None:
    assert compute_due_date(date(2026, 3, 2), 0, 0, CAL).value == date(2026, 3, 2)


def test_negative_refused() -> None:
    with pytest.raises(ValueError):
        compute_due_date(date(2026, 3, 2), -1, 0, CAL)


def test_paused_working_days() -> None:
    pauses = [(date(2026, 3, 2), date(2026, 3, 9)), (date(2026, 3, 20), None)]
    # (3-2, 3-9] = 5 working days; (3-20, 3-24] = 2 (23, 24)
    assert paused_working_days(pauses, date(2026, 3, 24), CAL) == 7


def test_status_thresholds() -> None:
    due = date(2026, 3, 13)  # Friday
    assert deadline_status(due, date(2026, 3, 9), CAL) is DeadlineStatus.NORMAL  # 4 left
    assert deadline_status(due, date(2026, 3, 10), CAL) is DeadlineStatus.NORMAL  # 3 left
    assert deadline_status(due, date(2026, 3, 11), CAL) is DeadlineStatus.WARNING  # 2 left
    assert deadline_status(due, date(2026, 3, 13), CAL) is DeadlineStatus.WARNING  # due today
    assert deadline_status(due, date(2026, 3, 14), CAL) is DeadlineStatus.OVERDUE
    assert deadline_status(due, date(2026, 3, 10), CAL, warn_days=3) is DeadlineStatus.WARNING
    assert DeadlineStatus.OVERDUE.label == "超期"
    assert remaining_working_days(due, date(2026, 3, 16), CAL) == -1


def test_holiday_counts_for_warning() -> None:
    # due 2025-10-09: on 2025-09-30 only 10-09 is left → warning though 9 calendar days remain
    assert deadline_status(date(2025, 10, 9), date(2025, 9, 30), CAL) is DeadlineStatus.WARNING


@given(
    st.dates(min_value=date(2023, 6, 1), max_value=date(2028, 6, 1)),
    st.integers(0, 60),
    st.integers(0, 20),
)
def test_due_date_properties(received: date, days: int, paused: int) -> None:
    due = compute_due_date(received, days, paused, CAL).value
    assert CAL.working_days_between(received, due).value == days + paused
    assert deadline_status(due, received, CAL, warn_days=-1) is DeadlineStatus.NORMAL or (
        days + paused == 0
    )
    assert deadline_status(due, due + timedelta(days=1), CAL) is DeadlineStatus.OVERDUE
    assert deadline_status(due, due, CAL) is DeadlineStatus.WARNING
