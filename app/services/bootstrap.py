"""The composition root: every service of the counter, built over one ServiceContext."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from sqlalchemy.exc import SQLAlchemyError

from app.clock import Clock, business_date, system_clock
from app.services.accounts import AccountService
from app.services.audit import AuditService
from app.services.cases import CaseService
from app.services.catalogue import CatalogueService
from app.services.centre import CentreService
from app.services.centre_settings import CentreSettingsService
from app.services.context import ServiceContext
from app.services.documents import DocumentService
from app.services.follow_ups import FollowUpService
from app.services.intake import IntakeService
from app.services.period_figures import PeriodFiguresService
from app.services.prints import PrintService
from app.services.queue import QueueService
from app.services.ratings import RatingService
from app.services.reports import ReportService
from app.services.residents import ResidentService
from app.services.supervision import SupervisionService
from app.services.sync import SyncService


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

    @classmethod
    def for_url(cls, url: str, clock: Clock = system_clock) -> Services:
        ctx = ServiceContext.for_url(url, clock=clock)
        ctx.use_centre_zone()
        return cls(ctx)

    # -- life cycle ---------------------------------------------------------------------------

    def initialise(self, *, seed_demo: bool = True) -> bool:
        """Bring the schema up to date; on an empty database import the catalogue (and the demo
        centre when `seed_demo`). True when it seeded anything."""
        from app.services.setup import initialise

        seeded = initialise(self.ctx, seed_demo=seed_demo)
        self.ctx.use_centre_zone()
        return seeded

    def today(self) -> date:
        """Today's business date in the centre's time zone, from the services' clock."""
        return business_date(self.ctx.clock())

    def now(self) -> datetime:
        """The services' clock (UTC-aware): what the UI stamps on a form it previews."""
        return self.ctx.clock()

    def close(self) -> None:
        self.ctx.close()

    # -- services (register new ones here) ----------------------------------------------------

    @property
    def accounts(self) -> AccountService:
        return AccountService(self.ctx)

    @property
    def audit(self) -> AuditService:
        return AuditService(self.ctx)

    @property
    def catalogue(self) -> CatalogueService:
        return CatalogueService(self.ctx)

    @property
    def centre(self) -> CentreService:
        return CentreService(self.ctx)

    @property
    def queue(self) -> QueueService:
        recalls = self.max_recalls
        if recalls is None:
            try:
                recalls = self.centre_settings.get().max_recalls
            except (LookupError, SQLAlchemyError):  # no centre, or no schema, yet
                recalls = 2
        return QueueService(self.ctx, max_recalls=recalls)

    @property
    def intake(self) -> IntakeService:
        return IntakeService(self.ctx)

    @property
    def cases(self) -> CaseService:
        return CaseService(self.ctx)

    @property
    def residents(self) -> ResidentService:
        return ResidentService(self.ctx)

    @property
    def prints(self) -> PrintService:
        return PrintService(self.ctx)

    @property
    def documents(self) -> DocumentService:
        return DocumentService(self.ctx)

    @property
    def centre_settings(self) -> CentreSettingsService:
        return CentreSettingsService(self.ctx)

    @property
    def ratings(self) -> RatingService:
        return RatingService(self.ctx)

    @property
    def follow_ups(self) -> FollowUpService:
        return FollowUpService(self.ctx)

    @property
    def supervision(self) -> SupervisionService:
        return SupervisionService(self.ctx)

    @property
    def period_figures(self) -> PeriodFiguresService:
        return PeriodFiguresService(self.ctx)

    @property
    def reports(self) -> ReportService:
        return ReportService(self.ctx)

    @cached_property
    def sync(self) -> SyncService:
        """One instance: its agent remembers whether the hub answered and the clock skew."""
        return SyncService(self.ctx)


def bootstrap(url: str, *, clock: Clock = system_clock) -> Services:
    """Every service of the counter over one database URL (the UI's and the CLI's entry)."""
    return Services.for_url(url, clock=clock)
