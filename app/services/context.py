"""What every service needs: the database, the working-day calendar and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock, system_clock
from app.db.engine import make_engine, session_factory
from app.domain.calendar import WorkCalendar
from app.services.uow import UnitOfWork


@dataclass
class ServiceContext:
    engine: Engine
    clock: Clock = system_clock
    calendar_override: WorkCalendar | None = None
    _sessions: sessionmaker[Session] | None = field(default=None, repr=False)

    @classmethod
    def for_url(cls, url: str, clock: Clock = system_clock) -> ServiceContext:
        return cls(engine=make_engine(url), clock=clock)

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._sessions is None:
            self._sessions = session_factory(self.engine)
        return self._sessions

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self.sessions, read_only=read_only)

    @cached_property
    def calendar(self) -> WorkCalendar:
        """The shipped table overlaid with the calendar_day rows of this database (read once;
        `refresh_calendar()` after the district publishes a new one)."""
        if self.calendar_override is not None:
            return self.calendar_override
        from sqlalchemy import select

        from app.calendar_days import DayRow, calendar_with_rows
        from app.calendar_table import load_default_calendar
        from app.db.models import CalendarDay

        base = load_default_calendar()
        try:
            with self.uow(read_only=True) as uow:
                rows = [
                    DayRow(r.day, r.working, r.name, r.source)
                    for r in uow.session.scalars(select(CalendarDay))
                ]
        except Exception:  # a database not migrated yet: the shipped table
            return base
        return calendar_with_rows(base, rows)

    def refresh_calendar(self) -> None:
        self.__dict__.pop("calendar", None)

    def close(self) -> None:
        self.engine.dispose()
