"""Tables that keep what happened: printed documents, ratings, follow-ups, audit, outbox, sync state."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin
from app.db.protected import ProtectedBytes, ProtectedJSON
from app.db.types import utcnow


class PrintedDocument(IdMixin, Base):
    """Every print, kept with its exact bytes so it can be shown and reprinted as the resident got it."""

    __tablename__ = "printed_document"

    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ticket.id"))
    kind: Mapped[str] = mapped_column(String(30))
    document_number: Mapped[str] = mapped_column(String(40), default="")
    printed_at: Mapped[datetime] = mapped_column(default=utcnow)
    printed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    reprint_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("printed_document.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(ProtectedBytes("printed_document.content"))


class Rating(IdMixin, Base):
    """A resident's rating (好差评) of one service; one per ticket or case."""

    __tablename__ = "rating"
    __table_args__ = (Index("ix_rating_period", "centre_id", "rated_at"),)

    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ticket.id"), unique=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_file.id"), unique=True)
    counter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counter.id"))
    clerk_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    level: Mapped[int]  # 5 非常满意 … 1 非常不满意
    comment: Mapped[str] = mapped_column(String(500), default="")
    rated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class FollowUp(IdMixin, Base):
    """差评整改: a bad rating's follow-up, assigned to a person with a working-day deadline; closed
    only after the resident was called back and the rectification recorded."""

    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_open", "centre_id", "status", "due_date"),)

    rating_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating.id"), unique=True)
    centre_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("centre.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    due_date: Mapped[date | None]  # opened day + the centre's follow-up working days
    # The call back to the resident: when, who called, what the resident said, satisfied or not.
    call_back_at: Mapped[datetime | None]
    call_back_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    call_back_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    resident_satisfied: Mapped[bool | None]
    # What was put right (整改), by whom and when.
    rectification: Mapped[str] = mapped_column(String(500), default="", server_default="")
    rectified_at: Mapped[datetime | None]
    rectified_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    resolution: Mapped[str] = mapped_column(String(500), default="")


class AuditRecord(IdMixin, Base):
    """Who saw or changed whose data, who printed what, logins. Holds ids, never personal data."""

    __tablename__ = "audit_record"

    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    centre_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("centre.id"))
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(30), default="")
    subject_id: Mapped[uuid.UUID | None]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The tamper-evident chain (app/domain/audit_chain.py): a gap-free number, the hash of the
    # record before, this record's hash over its fields and the previous hash, and a keyed MAC
    # of that hash. Records written before the chain existed have no number.
    seq: Mapped[int | None] = mapped_column(unique=True)
    window: Mapped[str] = mapped_column(String(20), default="", server_default="")
    result: Mapped[str] = mapped_column(String(20), default="ok", server_default="ok")
    prev_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    mac: Mapped[str] = mapped_column(String(64), default="", server_default="")


class OutboxOp(IdMixin, Base):
    """A change waiting to reach the hub, written in the same transaction as the change itself."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(unique=True)  # per-device sequence, gap-free, in commit order
    op_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[uuid.UUID]
    op: Mapped[str] = mapped_column(String(20))  # upsert / event
    # The synced row as JSON: personal data, so encrypted at level 3 (decrypted to send; the
    # hub gets it in clear over TLS).
    payload: Mapped[dict[str, Any]] = mapped_column(ProtectedJSON("outbox.payload"), default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)


class SyncState(IdMixin, Base):
    """The centre side of sync: device identity, hub address, pull cursor and last outcome."""

    __tablename__ = "sync_state"

    name: Mapped[str] = mapped_column(String(30), unique=True, default="hub")
    device_id: Mapped[uuid.UUID | None]
    hub_url: Mapped[str] = mapped_column(String(200), default="")
    pull_cursor: Mapped[int] = mapped_column(default=0)
    last_push_at: Mapped[datetime | None]
    last_pull_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")


class Protection(IdMixin, Base):
    """The database's protection level and key checks: `level` ("3" once personal fields are
    encrypted), `data_key_id` and `data_key_check` (which key, and a check value that tells a
    desk whether it holds it), `audit_key_check` (the same for the audit chain's key)."""

    __tablename__ = "protection"

    name: Mapped[str] = mapped_column(String(30), unique=True)
    value: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
