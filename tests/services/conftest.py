"""Fixtures for the counter-day services: a seeded centre on SQLite and PostgreSQL, a movable clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db.models import Centre, Counter, User
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from app.services.setup import initialise

# Monday 23 November 2026, 09:00 in China.
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


class MovableClock:
    """A fixed clock the test can move forward."""

    def __init__(self, moment: datetime) -> None:
        self.now = moment

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class Centre990101:
    ctx: ServiceContext
    clock: MovableClock
    centre_id: uuid.UUID
    counters: dict[int, uuid.UUID]
    users: dict[str, SignedInUser]

    @classmethod
    def read(cls, ctx: ServiceContext, clock: MovableClock) -> Centre990101:
        """The initialised demo centre of `ctx`: its id, windows by number and accounts by name."""
        with ctx.uow(read_only=True) as uow:
            s = uow.session
            centre = s.scalars(select(Centre)).one()
            counters = {c.number: c.id for c in s.scalars(select(Counter))}
            users = {
                u.username: SignedInUser(u.id, u.username, u.display_name, u.role, u.centre_id)
                for u in s.scalars(select(User))
            }
        return cls(ctx, clock, centre.id, counters, users)

    @classmethod
    def open(cls, url: str) -> Centre990101:
        """A new demo centre on `url` with a movable clock at START."""
        clock = MovableClock(START)
        ctx = ServiceContext.for_url(url, clock=clock)
        initialise(ctx)
        return cls.read(ctx, clock)


@pytest.fixture
def world(db_url: str) -> Iterator[Centre990101]:
    centre = Centre990101.open(db_url)
    yield centre
    centre.ctx.close()


def count_rows(ctx: ServiceContext, *models: type) -> dict[str, int]:
    with ctx.uow(read_only=True) as uow:
        return {
            m.__name__: int(uow.session.scalar(select(func.count()).select_from(m)) or 0)
            for m in models
        }


def make_id(first17: str) -> str:
    """A mainland ID number with its check digit (GB 11643)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


# A 低保 application form as a clerk fills it in (shared by the counter-day and restore tests).
DIBAO_FORM = {
    "household_size": "3",
    "household_monthly_income": "1800.5",
    "application_reason": "家中主要劳动力因病失去工作能力",
    "bank_name": "示范银行幸福路支行",
    "bank_account": "6222 0200 1234 5678",
    "has_disabled_member": "否",
}
