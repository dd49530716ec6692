"""The hub's working-day calendar (shipped table plus the district's published days) and deadline words."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.calendar_days import DayRow, calendar_with_rows
from app.calendar_table import load_default_calendar
from app.domain.calendar import WorkCalendar
from app.hub.models import HubChange

BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")  # the district's business dates and times
SOON_WORKING_DAYS = 3  # "due soon" within this many working days
_lock = threading.Lock()
_cached: tuple[int, WorkCalendar] | None = None


def business_today(now: datetime) -> date:
    return now.astimezone(BUSINESS_ZONE).date()


def local_time(value: Any) -> str:
    """An ISO timestamp from a payload as the district reads it (Asia/Shanghai), or ""."""
    at = parse_instant(value)
    return at.astimezone(BUSINESS_ZONE).strftime("%Y-%m-%d %H:%M") if at else ""


def local_date(value: Any) -> date | None:
    at = parse_instant(value)
    return at.astimezone(BUSINESS_ZONE).date() if at else None


def parse_instant(value: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def hub_calendar(s: Session) -> WorkCalendar:
    """The shipped calendar with the years the district published replaced by its days; rebuilt only
    when a new publication arrived (one small query per call)."""
    global _cached
    q = (HubChange.entity == "calendar_day", HubChange.centre_id.is_(None))
    last = s.scalar(select(func.coalesce(func.max(HubChange.pos), 0)).where(*q)) or 0
    with _lock:
        if _cached is not None and _cached[0] == last:
            return _cached[1]
    rows = []
    for payload in s.scalars(select(HubChange.payload).where(*q).order_by(HubChange.pos)):
        day = parse_date(payload.get("day")) if isinstance(payload, dict) else None
        if day is not None:
            rows.append(
                DayRow(
                    day,
                    bool(payload.get("working")),
                    str(payload.get("name") or ""),
                    str(payload.get("source") or ""),
                )
            )
    latest = {r.day: r for r in rows}  # a day published twice: the later row wins
    calendar = calendar_with_rows(load_default_calendar(), latest.values())
    with _lock:
        _cached = (last, calendar)
    return calendar


@dataclass(frozen=True)
class Deadline:
    """How a due date stands today, in words and a colour class; `provisional` when the date was
    worked out through a year whose holidays are not yet announced (or not in the table at all)."""

    text: str
    css: str
    provisional: bool
    overdue: bool = False


def deadline(calendar: WorkCalendar, today: date, due: date, running: bool) -> Deadline:
    provisional = calendar.is_provisional(due) or not calendar.is_covered(due)
    if not running:
        return Deadline("", "", provisional)
    if due < today:
        late = calendar.working_days_between(due, today).value
        text = f"已超期 {late} 个工作日" if late > 0 else "已超期"
        return Deadline(text, "overdue", provisional, overdue=True)
    if due == today:
        return Deadline("今天到期", "today", provisional)
    left = calendar.working_days_between(today, due).value
    return Deadline(f"剩 {left} 个工作日", "soon" if left <= SOON_WORKING_DAYS else "", provisional)


def soon_bound(calendar: WorkCalendar, today: date) -> date:
    """The last due date that counts as due soon."""
    return calendar.add_working_days(today, SOON_WORKING_DAYS).value
