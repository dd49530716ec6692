"""Time as the centre sees it: UTC for storage, the centre's business time zone for dates and times shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
CHINA_TZ = ZoneInfo(DEFAULT_ZONE)

Clock = Callable[[], datetime]

_business_zone: tzinfo = CHINA_TZ


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError with a Chinese message for an unknown one."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"未知的时区：{name}") from exc


def set_business_zone(zone: tzinfo | str) -> None:
    """The centre's business zone for this process (the services set it from the centre's settings;
    one process serves one centre). Never the operating system's zone."""
    global _business_zone
    _business_zone = zone_named(zone) if isinstance(zone, str) else zone


def business_zone() -> tzinfo:
    return _business_zone


def system_clock() -> datetime:
    return datetime.now(UTC)


def business_date(moment: datetime, zone: tzinfo | None = None) -> date:
    """The calendar date at the centre of an aware moment (a ticket issued 23:30 UTC belongs to the
    next day in China), whatever the PC's own zone is."""
    return moment.astimezone(zone or _business_zone).date()


def local_time(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """An aware moment as the centre's wall clock shows it."""
    return moment.astimezone(zone or _business_zone)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always answers `moment` (tests, demo data)."""
    return lambda: moment
