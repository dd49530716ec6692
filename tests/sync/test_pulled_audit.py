"""An ordinary pull leaves this database's audit trail alone: another device's records (another desk
of the centre, or the PC a restore replaced) are neither written nor allowed to stop the pull."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import func, select

from app.db.models import AuditRecord, Ticket
from app.services.audit import verify_database
from app.sync.apply import apply_changes, row_payload
from app.sync.protocol import Change
from tests.sync.harness import WorkMaker, new_centre


def test_another_devices_audit_records_neither_enter_the_trail_nor_stop_the_pull(
    tmp_path: Path,
) -> None:
    ctx = new_centre(f"sqlite:///{(tmp_path / 'desk.db').as_posix()}", "990101")
    try:
        WorkMaker(ctx, seed=3).days(1, tickets=3, cases=0, events_per_case=0)
        with ctx.uow(read_only=True) as uow:
            mine = uow.session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
            trail = [(r.id, r.seq, r.hash) for r in mine]
            clash = row_payload(mine[-1])  # the other desk's record under a number this one holds
        assert trail and verify_database(ctx).chain.ok
        with ctx.uow(read_only=True) as uow:
            ticket = uow.session.scalars(select(Ticket)).first()
            assert ticket is not None
            after = {**row_payload(ticket), "comment": "另一窗口的备注"}
        pulled = [
            Change(
                pos=1, entity="audit_record", entity_id=uuid.uuid4(), op="upsert", payload=clash
            ),
            Change(pos=2, entity="ticket", entity_id=ticket.id, op="upsert", payload=after),
        ]
        with ctx.uow() as uow:
            used = apply_changes(uow, pulled)
        assert used == 1  # the ticket, after the record that was passed over
        with ctx.uow(read_only=True) as uow:
            s = uow.session
            assert s.get_one(Ticket, ticket.id).comment == "另一窗口的备注"
            now = s.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
            assert [(r.id, r.seq, r.hash) for r in now] == trail
            assert s.scalar(select(func.count()).select_from(AuditRecord)) == len(trail)
        assert verify_database(ctx).chain.ok
    finally:
        ctx.close()
