"""Case deadlines in working days: due dates (with the 补正 pause), remaining days and status."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from app.domain.calendar import WorkCalendar, WorkdayResult

__all__ = [
    "DEFAULT_WARN_DAYS",
    "DeadlineStatus",
    "compute_due_date",
    "deadline_status",
    "paused_working_days",
    "remaining_working_days",
]

DEFAULT_WARN_DAYS = 2


class DeadlineStatus(StrEnum):
    """How near a case is to its due date: normal, due soon, overdue."""

    NORMAL = "normal"
    WARNING = "warning"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {"normal": "正常", "warning": "预警", "overdue": "超期"}[self.value]


def compute_due_date(
    received: date, promised_days: int, paused_working_days: int, calendar: WorkCalendar
) -> WorkdayResult[date]:
    """The due date: `promised_days` working days after the day of receipt (which is not counted),
    pushed back by every working day the clock was stopped while a 补正 was pending.

    promised_days = 0 (即办件) gives the day of receipt. The result's `provisional`/`fallback`
    flags say whether a provisional or uncovered calendar year was used.
    """
    if promised_days < 0 or paused_working_days < 0:
        raise ValueError("promised_days and paused_working_days must not be negative")
    return calendar.add_working_days(received, promised_days + paused_working_days)


def paused_working_days(
    pauses: Iterable[tuple[date, date | None]], today: date, calendar: WorkCalendar
) -> int:
    """Working days the clock stood still: for each (requested, resumed) 补正 interval, the working
    days in (requested, resumed]; an interval still open (resumed None) runs to today."""
    total = 0
    for requested, resumed in pauses:
        end = resumed if resumed is not None else today
        if end > requested:
            total += calendar.working_days_between(requested, end).value
    return total


def remaining_working_days(due: date, today: date, calendar: WorkCalendar) -> int:
    """Working days left in (today, due]: 0 on the due date itself, negative once overdue."""
    return calendar.working_days_between(today, due).value


def deadline_status(
    due: date, today: date, calendar: WorkCalendar, warn_days: int = DEFAULT_WARN_DAYS
) -> DeadlineStatus:
    """Traffic light of a running case.

    - 超期 OVERDUE: today is after the due date (calendar days: the due date is the last day).
    - 预警 WARNING: not overdue and the working days remaining in (today, due] are ≤ warn_days
      (default 2: the due date itself, the working day before it and the one before that all warn).
    - 正常 NORMAL: otherwise.
    """
    if today > due:
        return DeadlineStatus.OVERDUE
    if remaining_working_days(due, today, calendar) <= warn_days:
        return DeadlineStatus.WARNING
    return DeadlineStatus.NORMAL
