"""The services the GUI uses, built once over one database context."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.catalogue import CatalogueService
from app.services.centre import CentreService
from app.services.context import ServiceContext


@dataclass
class Services:
    ctx: ServiceContext

    @classmethod
    def for_url(cls, url: str) -> Services:
        return cls(ServiceContext.for_url(url))

    @property
    def catalogue(self) -> CatalogueService:
        return CatalogueService(self.ctx)

    @property
    def centre(self) -> CentreService:
        return CentreService(self.ctx)
