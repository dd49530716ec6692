"""The conflict list a supervisor resolves in the app; a resolution goes to the hub like any change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.db.models import SyncConflict
from app.db.payload import row_payload
from app.domain.errors import DomainError
from app.services.context import ServiceContext

KIND_LABELS = {
    "illegal_event": "办理记录冲突",
    "duplicate": "疑似重复办件",
    "invalid_op": "数据被区级平台拒用",
    "oversized": "数据过大未发送",
    "audit_chain": "审计记录链校验未通过",
    "audit_key": "审计密钥与区级平台登记的不一致",
}


@dataclass(frozen=True)
class ConflictItem:
    """A sync conflict as the supervisor sees it."""

    id: uuid.UUID
    kind: str
    kind_label: str
    case_id: uuid.UUID | None
    message: str
    detected_at: datetime
    status: str
    resolution: str


def list_conflicts(ctx: ServiceContext, *, open_only: bool = True) -> list[ConflictItem]:
    with ctx.uow(read_only=True) as uow:
        q = select(SyncConflict).order_by(SyncConflict.detected_at)
        if open_only:
            q = q.where(SyncConflict.status == "open")
        return [
            ConflictItem(
                c.id,
                c.kind,
                KIND_LABELS.get(c.kind, c.kind),
                c.case_id,
                c.message,
                c.detected_at,
                c.status,
                c.resolution,
            )
            for c in uow.session.scalars(q)
        ]


def resolve_conflict(
    ctx: ServiceContext, conflict_id: uuid.UUID, user_id: uuid.UUID | None, resolution: str
) -> None:
    """Close a conflict with what the supervisor decided (the follow-up action is taken as usual)."""
    with ctx.uow() as uow:
        c = uow.session.get(SyncConflict, conflict_id)
        if c is None:
            raise DomainError("CONFLICT_NOT_FOUND", "找不到该冲突记录")
        c.status, c.resolved_at = "resolved", ctx.clock()
        c.resolved_by, c.resolution = user_id, resolution.strip()[:500]
        uow.session.flush()
        uow.record_change("sync_conflict", c.id, row_payload(c))
        uow.audit(
            "sync_conflict_resolved", user_id=user_id, subject_type="sync_conflict", subject_id=c.id
        )
