"""Loads the shipped working-day table (resources/calendar/cn-workdays.toml) into a WorkCalendar."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from app.domain.calendar import WorkCalendar
from app.resources import resource_path

__all__ = ["DEFAULT_CALENDAR_FILE", "load_calendar", "load_default_calendar"]

DEFAULT_CALENDAR_FILE = ("calendar", "cn-workdays.toml")


def load_calendar(path: Path) -> WorkCalendar:
    """Read and parse a calendar table file (e.g. one published by the district)."""
    return WorkCalendar.from_toml_text(path.read_text(encoding="utf-8"))


@cache
def load_default_calendar() -> WorkCalendar:
    """The calendar shipped with the application, read once per process."""
    return load_calendar(resource_path(*DEFAULT_CALENDAR_FILE))
