"""What every service needs: the database, the working-day calendar and the clock."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock, system_clock
from app.config import SecuritySettings
from app.db.engine import make_engine, session_factory
from app.domain.calendar import WorkCalendar
from app.services.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class ServiceContext:
    """What every service needs: the database, the working-day calendar and the clock."""

    engine: Engine
    clock: Clock = system_clock
    calendar_override: WorkCalendar | None = None
    security: SecuritySettings = field(default_factory=SecuritySettings)
    _sessions: sessionmaker[Session] | None = field(default=None, repr=False)
    _calendar: WorkCalendar | None = field(default=None, init=False, repr=False)
    _calendar_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    db_level: int = field(default=2, init=False)  # the database's 等保 level (3: encrypted fields)

    def __post_init__(self) -> None:
        from app.services.protection import install_protection

        self.db_level = install_protection(self.engine)  # level 3: the engine gets its cipher

    @property
    def level(self) -> int:
        """The 等保 level in force: 3 when the database is at level 3 or the deployment file asks
        for it (a second factor at sign-in, personal fields encrypted), else 2."""
        return 3 if self.db_level == 3 or self.security.level == 3 else 2

    def refresh_protection(self) -> int:
        """Read the database's level again (after a migration to level 3, or keys imported)."""
        from app.services.protection import install_protection

        self.db_level = install_protection(self.engine)
        return self.db_level

    @classmethod
    def for_url(
        cls, url: str, clock: Clock = system_clock, security: SecuritySettings | None = None
    ) -> ServiceContext:
        """A context over `url`; security settings from the deployment file unless given."""
        if security is None:
            from app.config import ConfigError, load_config

            try:
                security = load_config().security
            except ConfigError:
                security = SecuritySettings()  # the start reports a broken file elsewhere
        return cls(engine=make_engine(url), clock=clock, security=security)

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._sessions is None:
            self._sessions = session_factory(self.engine)
        return self._sessions

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self.sessions, read_only=read_only)

    @property
    def calendar(self) -> WorkCalendar:
        """The shipped table overlaid with the calendar_day rows of this database, read once and
        kept (`refresh_calendar()` after the district publishes a new one). When the rows cannot
        be read (a database not migrated yet, or down for a moment) the shipped table answers
        this call only: it is never kept, so the next call reads the database again."""
        if self.calendar_override is not None:
            return self.calendar_override
        with self._calendar_lock:
            if self._calendar is not None:
                return self._calendar
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
        except SQLAlchemyError as exc:
            log.warning("calendar days unreadable, using the shipped table for now: %s", exc)
            return base
        read = calendar_with_rows(base, rows)
        with self._calendar_lock:
            self._calendar = read
        return read

    def use_centre_zone(self) -> str:
        """Make the centre's business time zone (its settings) the zone of business dates in this
        process; the default zone when the database has no centre yet. Returns the zone's name."""
        from sqlalchemy import select

        from app.clock import DEFAULT_ZONE, set_business_zone
        from app.db.models import Centre, CentreSettings

        name = DEFAULT_ZONE
        try:
            with self.uow(read_only=True) as uow:
                row = uow.session.scalars(
                    select(CentreSettings)
                    .join(Centre, Centre.id == CentreSettings.centre_id)
                    .order_by(Centre.created_at)
                ).first()
                name = (row.time_zone if row else "") or DEFAULT_ZONE
        except Exception:  # a database not migrated yet: the default zone
            name = DEFAULT_ZONE
        try:
            set_business_zone(name)
        except ValueError:
            set_business_zone(DEFAULT_ZONE)
            name = DEFAULT_ZONE
        return name

    def refresh_calendar(self) -> None:
        with self._calendar_lock:
            self._calendar = None

    def close(self) -> None:
        self.engine.dispose()
