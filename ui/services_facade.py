"""The services the GUI uses, built once over one database context."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.cases import CaseService
from app.services.catalogue import CatalogueService
from app.services.centre import CentreService
from app.services.context import ServiceContext
from app.services.intake import IntakeService
from app.services.prints import PrintService
from app.services.queue import QueueService
from app.services.ratings import RatingService
from app.services.residents import ResidentService


@dataclass
class Services:
    ctx: ServiceContext
    max_recalls: int = 2

    @classmethod
    def for_url(cls, url: str) -> Services:
        return cls(ServiceContext.for_url(url))

    @property
    def catalogue(self) -> CatalogueService:
        return CatalogueService(self.ctx)

    @property
    def centre(self) -> CentreService:
        return CentreService(self.ctx)

    @property
    def queue(self) -> QueueService:
        return QueueService(self.ctx, max_recalls=self.max_recalls)

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
    def ratings(self) -> RatingService:
        return RatingService(self.ctx)
