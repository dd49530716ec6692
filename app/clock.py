"""Time as the centre sees it: UTC for storage, China Standard Time (UTC+8, no DST) for business dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def business_date(moment: datetime) -> date:
    """The calendar date in China of an aware moment (a ticket issued 23:30 UTC belongs to the next day)."""
    return moment.astimezone(CHINA_TZ).date()


def local_time(moment: datetime) -> datetime:
    return moment.astimezone(CHINA_TZ)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always answers `moment` (tests, demo data)."""
    return lambda: moment
