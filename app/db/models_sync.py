"""Centre-side sync tables: the conflict list a supervisor resolves."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
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
