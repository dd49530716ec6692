"""What a sync round reports and what the status bar shows, and the outbox row as the push loop reads it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import func, select

from app.db.models import OutboxOp, SyncConflict, SyncState

if TYPE_CHECKING:
    from app.services.context import ServiceContext


@dataclass(frozen=True)
class SyncReport:
    """What one sync round did (pushed, pulled, conflicts) or why it failed."""

    ok: bool
    pushed: int = 0
    conflicts: int = 0
    pulled: int = 0
    cursor: int = 0
    error: str = ""
    error_kind: str = ""
    skew_seconds: float | None = None
    seconds: float = 0.0
    retry_after: float | None = None  # the hub asked to wait this long (Retry-After)
    # seconds until the next scheduled round (app.sync.retry.RetrySchedule; set by SyncService)
    next_round_in: float | None = None


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows: 在线/离线, 待发送, 上次成功, 上次错误, 时间偏差, 冲突."""

    enrolled: bool
    online: bool | None  # None: not tried yet
    waiting: int
    oldest_unsent_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    skew_seconds: float | None
    skew_warning: bool
    open_conflicts: int
    hub_url: str
    device_id: uuid.UUID | None


def read_status(ctx: ServiceContext, online: bool | None, skew: float | None) -> SyncStatus:
    """The status bar's figures from the database, with what the agent last saw of the hub
    (whether it answered, the clock skew); no network and no HTTP stack needed, so the window
    shows it before the agent is ever loaded."""
    with ctx.uow(read_only=True) as uow:
        s = uow.session
        state = s.scalars(select(SyncState).where(SyncState.name == "hub")).first()
        waiting, oldest = s.execute(
            select(func.count(), func.min(OutboxOp.created_at)).where(OutboxOp.sent_at.is_(None))
        ).one()
        conflicts = s.scalar(
            select(func.count()).select_from(SyncConflict).where(SyncConflict.status == "open")
        )
    warning = False
    if skew is not None:
        from app.sync.protocol import SKEW_WARN_SECONDS

        warning = abs(skew) > SKEW_WARN_SECONDS
    return SyncStatus(
        enrolled=bool(state and state.device_id),
        online=online,
        waiting=int(waiting or 0),
        oldest_unsent_at=oldest,
        last_success_at=state.last_success_at if state else None,
        last_error=state.last_error if state else "",
        skew_seconds=skew,
        skew_warning=warning,
        open_conflicts=int(conflicts or 0),
        hub_url=state.hub_url if state else "",
        device_id=state.device_id if state else None,
    )


class Pending(NamedTuple):
    """An unsent outbox op as the push loop needs it (ids as text, as the hub acknowledges them)."""

    seq: int
    op_id: str
    entity_id: str
    # an op carrying print bytes: its payload without them, stored once the hub acknowledged it
    kept: dict[str, Any] | None = None


def _uuid_text(stored: Any) -> str:
    """A UUID in its usual dashed form from the stored value (32 hex digits on SQLite)."""
    text = str(stored)
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}".lower()
    return str(uuid.UUID(text))


def _utc_iso(stored: Any) -> str:
    """ISO 8601 with the zone from a stored timestamp (SQLite keeps UTC without a zone)."""
    if isinstance(stored, str) and len(stored) in (19, 26) and stored[10] in " T":
        return f"{stored[:10]}T{stored[11:]}+00:00"  # SQLite's zone-less UTC text, as stored
    value = stored if isinstance(stored, datetime) else datetime.fromisoformat(str(stored))
    return (
        value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    ).isoformat()
