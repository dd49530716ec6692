"""Fixtures for the hall screens: a seeded demo centre on SQLite, inline background work."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.db.models import Centre, Counter, User
from app.services.bootstrap import Services
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from ui.background import BackgroundOp


@dataclass
class Hall:
    services: Services
    centre_id: uuid.UUID
    counters: dict[int, uuid.UUID]
    users: dict[str, SignedInUser]

    @property
    def ctx(self) -> ServiceContext:
        return self.services.ctx


@pytest.fixture
def hall(sqlite_url: str) -> Iterator[Hall]:
    BackgroundOp.run_inline(True)
    services = Services.for_url(sqlite_url)
    services.initialise()
    ctx = services.ctx
    with ctx.uow(read_only=True) as uow:
        s = uow.session
        centre = s.scalars(select(Centre)).one()
        counters = {c.number: c.id for c in s.scalars(select(Counter))}
        users = {
            u.username: SignedInUser(u.id, u.username, u.display_name, u.role, u.centre_id)
            for u in s.scalars(select(User))
        }
    yield Hall(services, centre.id, counters, users)
    BackgroundOp.run_inline(False)
    services.close()


def make_id(first17: str) -> str:
    """A mainland ID number with its check digit (GB 11643)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]
