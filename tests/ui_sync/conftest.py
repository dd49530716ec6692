"""The supervisor's pages offscreen: one demo centre on a SQLite file with a movable clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.db.models import Centre, Counter
from app.services.bootstrap import Services
from app.services.dto import SignedInUser
from app.services.setup import DEMO_PASSWORD, initialise
from tests.services.conftest import START, Centre990101, MovableClock
from ui.background import REPORTER, BackgroundOp


@dataclass
class DemoCentre:
    """The seeded demo centre: its services, the clock they read and the centre's id."""

    services: Services
    clock: MovableClock
    centre_id: uuid.UUID

    def sign_in(self, username: str) -> SignedInUser:
        return self.services.centre.sign_in(username, DEMO_PASSWORD)

    def window(self, number: int) -> uuid.UUID:
        with self.services.ctx.uow(read_only=True) as uow:
            return uow.session.scalars(select(Counter.id).where(Counter.number == number)).one()

    def world(self) -> Centre990101:
        """The hand-built world of tests/services (its day of tickets and cases goes on top)."""
        return Centre990101.read(self.services.ctx, self.clock)


@pytest.fixture
def demo_centre(sqlite_url: str) -> Iterator[DemoCentre]:
    """Background work runs inline unless a test turns it off; the reporter is restored after."""
    BackgroundOp.run_inline(True)
    clock = MovableClock(START)
    services = Services.for_url(sqlite_url, clock=clock)
    try:
        initialise(services.ctx)
        with services.ctx.uow(read_only=True) as uow:
            centre_id = uow.session.scalars(select(Centre.id)).one()
        yield DemoCentre(services, clock, centre_id)
    finally:
        REPORTER.__dict__.pop("show", None)
        BackgroundOp.run_inline(False)
        services.ctx.close()
