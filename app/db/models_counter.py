"""Counter-day tables: the call log behind the call board and fairness, and consultations (咨询)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin
from app.db.types import utcnow


class CallRecord(IdMixin, Base):
    """One call of a ticket to a window (first call or 重呼): the board's recent calls and the
    per-window history the fairness rule looks at."""

    __tablename__ = "call_record"
    __table_args__ = (
        Index("ix_call_record_centre_at", "centre_id", "at"),
        Index("ix_call_record_counter_at", "counter_id", "at"),
    )

    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"))
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket.id"), index=True)
    counter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("counter.id"))
    clerk_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    number: Mapped[str] = mapped_column(String(10))
    window_number: Mapped[int]
    recall: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Consultation(IdMixin, Base):
    """A consultation (咨询) at a window: the resident asked, nothing was taken in."""

    __tablename__ = "consultation"

    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"), index=True)
    counter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counter.id"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ticket.id"))
    resident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("resident.id"))
    clerk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    matter_code: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
