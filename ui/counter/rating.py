"""The hook to the customer-facing rating window: a Protocol, and a no-op default."""

from __future__ import annotations

import uuid
from typing import Protocol

from app.services.dto import SignedInUser


class RatingRequester(Protocol):
    """Asks the resident to rate the service that just ended (the lead wires the rating window)."""

    def request_rating(
        self,
        *,
        ticket_id: uuid.UUID | None,
        case_ids: tuple[uuid.UUID, ...],
        clerk: SignedInUser,
        window_number: int,
    ) -> None: ...


class NoRating:
    """The default: nobody is asked (no second screen)."""

    def __init__(self) -> None:
        self.requests: list[tuple[uuid.UUID | None, tuple[uuid.UUID, ...]]] = []

    def request_rating(
        self,
        *,
        ticket_id: uuid.UUID | None,
        case_ids: tuple[uuid.UUID, ...],
        clerk: SignedInUser,
        window_number: int,
    ) -> None:
        self.requests.append((ticket_id, case_ids))
