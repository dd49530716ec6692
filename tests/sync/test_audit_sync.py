"""A centre's audit records go to the hub in their chain's order: each as it is written, and those
written before the trail was synced once, at the next start, never twice."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select

from app.db.models import AuditRecord, OutboxOp, SequenceCounter
from app.db.payload import row_payload
from app.services.centre import CentreService
from app.services.context import ServiceContext
from app.services.sync_backfill import AUDIT_POSITION, send_audit_once
from app.services.uow import AUDIT_SENT
from tests.sync.harness import new_centre


def _sent(ctx: ServiceContext) -> list[dict[str, object]]:
    with ctx.uow(read_only=True) as uow:
        return [
            o.payload
            for o in uow.session.scalars(
                select(OutboxOp).where(OutboxOp.entity == "audit_record").order_by(OutboxOp.seq)
            )
        ]


def _trail(ctx: ServiceContext) -> list[dict[str, object]]:
    with ctx.uow(read_only=True) as uow:
        rows = uow.session.scalars(select(AuditRecord).order_by(AuditRecord.seq))
        return [row_payload(r) for r in rows]


def test_every_record_is_queued_as_it_is_written(tmp_path: Path) -> None:
    ctx = new_centre(f"sqlite:///{(tmp_path / 'c.db').as_posix()}")
    CentreService(ctx).sign_in("clerk1", "onewindow")
    assert _sent(ctx) == _trail(ctx) and len(_trail(ctx)) >= 2
    ctx.close()


def test_older_records_are_sent_once_in_order_then_each_as_written(tmp_path: Path) -> None:
    ctx = new_centre(f"sqlite:///{(tmp_path / 'c.db').as_posix()}")
    with ctx.uow() as uow:  # a database of the version before: nothing of its trail queued
        uow.session.execute(delete(OutboxOp).where(OutboxOp.entity == "audit_record"))
        uow.session.execute(
            delete(SequenceCounter).where(SequenceCounter.scope.in_([AUDIT_SENT, AUDIT_POSITION]))
        )
    for _ in range(4):  # written before the first start of this version: not queued yet
        CentreService(ctx).sign_in("clerk2", "onewindow")
    assert _sent(ctx) == []
    assert send_audit_once(ctx, chunk=2) == len(_trail(ctx))
    assert _sent(ctx) == _trail(ctx)
    assert send_audit_once(ctx, chunk=2) == 0  # once
    CentreService(ctx).sign_in("clerk3", "onewindow")
    assert _sent(ctx) == _trail(ctx)  # and from now on each as it is written
    ctx.close()
