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
        if self.calendar_override is not None:
            return self.calendar_override
        from app.calendar_table import load_default_calendar

        return load_default_calendar()

    def close(self) -> None:
        self.engine.dispose()
