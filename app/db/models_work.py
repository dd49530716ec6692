"""Tables of the counter's daily work: tickets, residents, agents, cases and their events and materials."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, CreatedMixin, IdMixin
from app.db.protected import (
    BIDX_INFO,
    BIDX_TYPE,
    ProtectedJSON,
    ProtectedText,
    bidx_default,
    cipher_of,
)
from app.db.types import utcnow

TICKET_FIGURE_COLUMNS = (
    "centre_id",
    "business_date",
    "status",
    "queue_group",
    "service_group",
    "counter_id",
    "clerk_id",
    "issued_at",
    "called_at",
    "serving_at",
    "finished_at",
)


class Ticket(IdMixin, Base):
    """A queue ticket (排队号): one per visit, numbered per centre, group and day."""

    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("centre_id", "business_date", "service_group", "seq"),
        Index("ix_ticket_queue", "centre_id", "business_date", "status"),
        # Any period's figures read every column they need from this index (no row lookups).
        Index("ix_ticket_figures", *TICKET_FIGURE_COLUMNS),
    )

    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"))
    business_date: Mapped[date]
    service_group: Mapped[str] = mapped_column(String(20))  # the group it was issued in (numbering)
    # The group it waits in after a transfer; None = service_group.
    queue_group: Mapped[str | None] = mapped_column(String(20))
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(10))
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    appointment: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    called_at: Mapped[datetime | None]
    serving_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    counter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counter.id"))
    clerk_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    recall_count: Mapped[int] = mapped_column(default=0)
    front: Mapped[bool] = mapped_column(default=False)  # returned at the front after a transfer
    target_counter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counter.id"))
    resident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("resident.id"))
    comment: Mapped[str] = mapped_column(String(200), default="")


class Resident(IdMixin, CreatedMixin, Base):
    """An applicant (申请人) identified by a validated ID number. ID number, phone and address are
    SM4-encrypted at level 3 (app/db/protected.py), found through their blind indexes."""

    __tablename__ = "resident"

    id_kind: Mapped[str] = mapped_column(String(30))
    id_number: Mapped[str] = mapped_column(ProtectedText("resident.id_number"), unique=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    sex: Mapped[str] = mapped_column(String(2), default="")
    birth_date: Mapped[date | None]
    phone: Mapped[str] = mapped_column(ProtectedText("resident.phone"), default="", index=True)
    address: Mapped[str] = mapped_column(ProtectedText("resident.address"), default="")
    id_number_bidx: Mapped[str | None] = mapped_column(
        BIDX_TYPE, unique=True, index=True, default=bidx_default("id", "id_number"), info=BIDX_INFO
    )
    phone_bidx: Mapped[str | None] = mapped_column(
        BIDX_TYPE, index=True, default=bidx_default("phone", "phone"), info=BIDX_INFO
    )
    community: Mapped[str] = mapped_column(String(50), default="")
    grid: Mapped[str] = mapped_column(String(50), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Agent(IdMixin, CreatedMixin, Base):
    """A person acting for an applicant (代办人)."""

    __tablename__ = "agent"

    id_kind: Mapped[str] = mapped_column(String(30))
    id_number: Mapped[str] = mapped_column(ProtectedText("agent.id_number"), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(ProtectedText("agent.phone"), default="")
    id_number_bidx: Mapped[str | None] = mapped_column(
        BIDX_TYPE, unique=True, index=True, default=bidx_default("id", "id_number"), info=BIDX_INFO
    )


class Case(IdMixin, CreatedMixin, Base):
    """A matter taken in (办件); its status is derived from its events and cached here for lists."""

    __tablename__ = "case_file"
    __table_args__ = (
        Index("ix_case_file_deadline", "centre_id", "status", "due_date"),
        # Any period's cases: covering (matter, status, id) so the rows are never read.
        Index("ix_case_file_period", "centre_id", "received_at", "matter_id", "status", "id"),
    )

    case_number: Mapped[str] = mapped_column(String(30), unique=True)
    verification_code: Mapped[str] = mapped_column(String(10))
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"), index=True)
    matter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matter.id"))
    matter_code: Mapped[str] = mapped_column(String(20))
    catalogue_version: Mapped[str] = mapped_column(String(30))
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resident.id"), index=True)
    agent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agent.id"))
    agent_relationship: Mapped[str] = mapped_column(String(20), default="")
    clerk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    counter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counter.id"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ticket.id"))
    status: Mapped[str] = mapped_column(String(30), index=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    due_date: Mapped[date | None]
    paused_days: Mapped[int] = mapped_column(default=0)
    # Working days granted by 延期 (EXTEND events); part of the due date like paused_days.
    extended_days: Mapped[int] = mapped_column(default=0, server_default="0")
    routed_department: Mapped[str] = mapped_column(String(100), default="")
    co_departments: Mapped[list[Any]] = mapped_column(default=list)
    # The matter's form: income, disability and other personal fields; encrypted at level 3.
    form_data: Mapped[dict[str, Any]] = mapped_column(
        ProtectedJSON("case_file.form_data"), default=dict
    )
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    events: Mapped[list[CaseEvent]] = relationship(order_by="CaseEvent.seq")
    materials: Mapped[list[CaseMaterial]] = relationship(order_by="CaseMaterial.position")


class CaseEvent(IdMixin, Base):
    """One step of a case's life, append-only: the audit trail and the unit of sync."""

    __tablename__ = "case_event"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index("ix_case_event_type_at", "event_type", "at"),  # decisions of a period
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"))
    seq: Mapped[int]
    event_type: Mapped[str] = mapped_column(String(30))
    status_after: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    actor_name: Mapped[str] = mapped_column(String(50), default="")
    origin: Mapped[str] = mapped_column(
        String(20), default="centre"
    )  # centre / department / district
    centre_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("centre.id"))
    counter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counter.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CaseMaterial(IdMixin, Base):
    """A material of a case as checked at intake: received, missing, deferred (容缺) or defective."""

    __tablename__ = "case_material"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    position: Mapped[int]
    material_code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(20))
    copies: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(20))
    promised_by: Mapped[date | None]
    note: Mapped[str] = mapped_column(String(200), default="")


def _blind_indexes(_mapper: Any, connection: Any, target: Resident | Agent) -> None:
    """ORM writes of a person keep the blind indexes in step with the fields (level 3 only)."""
    cipher = cipher_of(connection.dialect)
    if cipher is None:
        return
    target.id_number_bidx = cipher.blind_index("id", target.id_number or "")
    if isinstance(target, Resident):
        target.phone_bidx = cipher.blind_index("phone", target.phone or "")


for _model in (Resident, Agent):
    event.listen(_model, "before_insert", _blind_indexes)
    event.listen(_model, "before_update", _blind_indexes)
