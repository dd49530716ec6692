"""Centre-side sync tables: the conflict list a supervisor resolves, pulled slices of unfinished prints."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin
from app.db.protected import ProtectedBytes
from app.db.types import utcnow


class SyncConflict(Base):
    """An event illegal given the merged history, a likely duplicate case, or an op the hub could not
    use; found at the hub or here (same deterministic id on both sides). A person resolves it."""

    __tablename__ = "sync_conflict"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(
        String(20)
    )  # illegal_event / duplicate / invalid_op / oversized
    case_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    subject_id: Mapped[uuid.UUID | None]
    other_id: Mapped[uuid.UUID | None]
    message: Mapped[str] = mapped_column(String(500))
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[uuid.UUID | None]
    resolution: Mapped[str] = mapped_column(String(500), default="")


class PulledChunk(IdMixin, Base):
    """A slice of another device's large print, pulled from the hub, kept until its print is whole
    (a pull cut off between pages, or a print whose last slices reach the hub later, loses none)."""

    __tablename__ = "pulled_print_chunk"
    __table_args__ = (UniqueConstraint("sha256", "slice_index"),)

    sha256: Mapped[str] = mapped_column(String(64))
    slice_index: Mapped[int]
    centre_id: Mapped[str] = mapped_column(String(36))
    size: Mapped[int]  # the print's bytes, uncompressed
    packed_size: Mapped[int]
    chunk_size: Mapped[int]
    slice_count: Mapped[int]
    # a print is personal data: encrypted at level 3 as the printed record's bytes are
    data: Mapped[bytes] = mapped_column(ProtectedBytes("pulled_print_chunk.data"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
