"""The composition root: every service of the counter, built over one ServiceContext."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import TypeVar, cast

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.clock import Clock, business_date, system_clock
from app.db.models import User
from app.services.accounts import AccountService
from app.services.audit import AuditService
from app.services.cases import CaseService
from app.services.catalogue import CatalogueService
from app.services.centre import CentreService
from app.services.centre_settings import CentreSettingsService
from app.services.context import ServiceContext
from app.services.documents import DocumentService
from app.services.dto import SignedInUser
from app.services.follow_ups import FollowUpService
from app.services.hall import HallService
from app.services.intake import IntakeService
from app.services.maintenance import MaintenanceService
from app.services.period_figures import PeriodFiguresService
from app.services.period_reports import PeriodReportService
from app.services.permissions import Guarded, Session
from app.services.prints import PrintService
from app.services.queue import QueueService
from app.services.ratings import RatingService
from app.services.reports import ReportService
from app.services.residents import ResidentService
from app.services.security import SecurityService
from app.services.supervision import SupervisionService
from app.services.sync import SyncService

T = TypeVar("T")


@dataclass
class Services:
    """The only door from the UI and the CLI into `app` (as cosmicpython's bootstrap.py).

    Built once per process with `bootstrap(url)`; each attribute is a service over the same
    context (database, calendar, clock), so a use case is one call and one transaction.
    Callers never build a service or a context of their own and never reach `ctx` — it is here
    for tests and for the root itself.

    Registering a service: add a read-only property below, in the "services" block, that builds
    it over `self.ctx` (and over any other service it needs, taken from `self`). Cross-cutting
    wiring every service shares (the acting account's permission checks, settings of the centre)
    goes into `ServiceContext`, not into each property. Keep one property per service and the
    attribute names stable: the UI, the CLI and the tests call them by name.
    """

    ctx: ServiceContext
    max_recalls: int | None = None  # None: the centre's setting (tests may pin a number)
    # The account signed in at this desk through `accounts.sign_in` (None at a kiosk or board).
    session: Session = field(default_factory=Session)
    # The CA bundle that checks the hub's certificate (None: the system's), for sync and enrolment.
    hub_ca_file: str | None = None

    @classmethod
    def for_url(
        cls, url: str, clock: Clock = system_clock, *, hub_ca_file: str | None = None
    ) -> Services:
        ctx = ServiceContext.for_url(url, clock=clock)
        ctx.use_centre_zone()
        return cls(ctx, hub_ca_file=hub_ca_file)

    # -- life cycle ---------------------------------------------------------------------------

    def initialise(self, *, seed_demo: bool = True) -> bool:
        """Bring the schema up to date; on an empty database import the catalogue (and the demo
        centre when `seed_demo`). True when it seeded anything."""
        from app.services.setup import initialise

        seeded = initialise(self.ctx, seed_demo=seed_demo)
        self.ctx.use_centre_zone()
        return seeded

    def migrate(self) -> None:
        """Check the database is sound and bring its schema up to date, seeding nothing (what
        enrolment and sync need: a damaged database is never synced)."""
        from app.db.engine import upgrade
        from app.db.health import check_database

        check_database(self.ctx.engine)
        upgrade(self.ctx.engine)

    def as_operator(self) -> Services:
        """The command line acts as the machine's operator while no account is signed in (the
        OPERATOR actor of app/services/permissions.py: maintenance that needs no account, and
        first-start work before any account exists). The GUI never calls this."""
        self.session.operator = True
        return self

    @property
    def signed_in(self) -> bool:
        """Whether an account is signed in at this desk (a self-test builds the window without)."""
        return self.session.user is not None

    def today(self) -> date:
        """Today's business date in the centre's time zone, from the services' clock."""
        return business_date(self.ctx.clock())

    def now(self) -> datetime:
        """The services' clock (UTC-aware): what the UI stamps on a form it previews."""
        return self.ctx.clock()

    def _guarded(self, name: str, service: T) -> T:
        """Every service is reached through the permission table (app/services/permissions.py);
        the proxy has the service's methods, so it is typed as the service."""
        return cast(T, Guarded(name, service, self.session, self._refused, self._current))

    def _current(self, user: SignedInUser) -> SignedInUser | None:
        """The acting account as the database holds it now (one primary-key query per call):
        None when it is gone or disabled, else the account with its current role."""
        with self.ctx.engine.connect() as conn:
            row = conn.execute(
                select(User.role, User.active).where(User.id == user.id)
            ).one_or_none()
        if row is None or not row.active:
            return None
        return user if row.role == user.role else replace(user, role=row.role)

    def _refused(self, service: str, method: str, user: SignedInUser | None) -> None:
        with self.ctx.uow() as uow:
            uow.audit_result(
                "permission_denied",
                "refused",
                user_id=user.id if user else None,
                centre_id=user.centre_id if user else None,
                call=f"{service}.{method}",
            )

    def close(self) -> None:
        self.ctx.close()

    # -- services (register new ones here) ----------------------------------------------------

    @property
    def accounts(self) -> AccountService:
        return self._guarded("accounts", AccountService(self.ctx))

    @property
    def audit(self) -> AuditService:
        return self._guarded("audit", AuditService(self.ctx))

    @property
    def catalogue(self) -> CatalogueService:
        return self._guarded("catalogue", CatalogueService(self.ctx))

    @property
    def centre(self) -> CentreService:
        return self._guarded("centre", CentreService(self.ctx))

    @property
    def queue(self) -> QueueService:
        recalls = self.max_recalls
        if recalls is None:
            try:  # the root's own read of a setting, not a call on anyone's behalf
                recalls = CentreSettingsService(self.ctx).get().max_recalls
            except (LookupError, SQLAlchemyError):  # no centre, or no schema, yet
                recalls = 2
        return self._guarded("queue", QueueService(self.ctx, max_recalls=recalls))

    @property
    def intake(self) -> IntakeService:
        return self._guarded("intake", IntakeService(self.ctx))

    @property
    def cases(self) -> CaseService:
        return self._guarded("cases", CaseService(self.ctx))

    @property
    def residents(self) -> ResidentService:
        return self._guarded("residents", ResidentService(self.ctx))

    @property
    def prints(self) -> PrintService:
        return self._guarded("prints", PrintService(self.ctx))

    @property
    def documents(self) -> DocumentService:
        return self._guarded("documents", DocumentService(self.ctx))

    @property
    def centre_settings(self) -> CentreSettingsService:
        return self._guarded("centre_settings", CentreSettingsService(self.ctx))

    @property
    def ratings(self) -> RatingService:
        return self._guarded("ratings", RatingService(self.ctx))

    @property
    def follow_ups(self) -> FollowUpService:
        return self._guarded("follow_ups", FollowUpService(self.ctx))

    @property
    def supervision(self) -> SupervisionService:
        return self._guarded("supervision", SupervisionService(self.ctx))

    @property
    def hall(self) -> HallService:
        return self._guarded("hall", HallService(self.ctx))

    @property
    def period_figures(self) -> PeriodFiguresService:
        return self._guarded("period_figures", PeriodFiguresService(self.ctx))

    @property
    def period_reports(self) -> PeriodReportService:
        return self._guarded("period_reports", PeriodReportService(self.ctx))

    @property
    def reports(self) -> ReportService:
        return self._guarded("reports", ReportService(self.ctx))

    @property
    def maintenance(self) -> MaintenanceService:
        return self._guarded("maintenance", MaintenanceService(self.ctx))

    @property
    def security(self) -> SecurityService:
        return self._guarded("security", SecurityService(self.ctx))

    @cached_property
    def sync(self) -> SyncService:
        """One instance: its agent remembers whether the hub answered and the clock skew."""
        verify: bool | str = self.hub_ca_file or True
        return self._guarded("sync", SyncService(self.ctx, verify=verify))


def bootstrap(url: str, *, clock: Clock = system_clock, hub_ca_file: str | None = None) -> Services:
    """Every service of the counter over one database URL (the UI's and the CLI's entry)."""
    return Services.for_url(url, clock=clock, hub_ca_file=hub_ca_file)
