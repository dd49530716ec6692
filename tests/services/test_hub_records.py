"""What the services queue for the district hub, and what a restore leaves behind at the counter:
windows sent once and whenever they change (accounts never), consultations, demo-data rows exactly as
stored, the working-window list, and printed documents that came back without their PDF."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from app.db.models import (
    AuditRecord,
    Base,
    Consultation,
    Counter,
    OutboxOp,
    PrintedDocument,
)
from app.db.payload import row_payload
from app.domain.errors import ValidationError
from app.services.case_numbers import NotFound
from app.services.centre import CentreService
from app.services.context import ServiceContext
from app.services.demo_data import generate_demo_data
from app.services.intake import IntakeService
from app.services.prints import PrintService
from app.services.setup import WINDOWS_QUEUED, initialise, record_window
from app.services.uow import ACCOUNT_REF_FIELDS
from tests.services.conftest import Centre990101


def _outbox(ctx: ServiceContext, entity: str | None = None) -> list[OutboxOp]:
    """Queued rows (of `entity`); the audit trail's records and the accounts' references, which go
    too, left out."""
    with ctx.uow(read_only=True) as uow:
        stmt = select(OutboxOp).order_by(OutboxOp.seq)
        if entity is not None:
            stmt = stmt.where(OutboxOp.entity == entity)
        else:
            stmt = stmt.where(OutboxOp.entity.not_in(("audit_record", "account_ref")))
        return list(uow.session.scalars(stmt))


def _stored(ctx: ServiceContext, model: Any) -> dict[Any, dict[str, Any]]:
    with ctx.uow(read_only=True) as uow:
        return {r.id: row_payload(r) for r in uow.session.scalars(select(model))}


def test_windows_are_queued_once_and_accounts_never(world: Centre990101) -> None:
    ops = _outbox(world.ctx)
    assert [o.entity for o in ops] == ["counter"] * 6  # nothing else is queued by setting up
    windows = _stored(world.ctx, Counter)
    assert {o.entity_id: o.payload for o in ops} == windows
    assert sorted(p["number"] for p in windows.values()) == [1, 2, 3, 4, 5, 6]
    assert not any("password_hash" in str(o.payload) for o in ops)
    refs = _outbox(world.ctx, "account_ref")  # who each account is, never how it signs in
    assert {r.payload["username"] for r in refs} >= {"clerk1", "supervisor", "secadmin"}
    assert all(set(r.payload) == {"id", *ACCOUNT_REF_FIELDS} for r in refs)

    initialise(world.ctx)  # every start runs this: the windows are not queued again
    assert len(_outbox(world.ctx)) == 6

    # a database set up before windows were sent: its first start of this version queues them
    with world.ctx.uow() as uow:
        uow.session.execute(delete(OutboxOp))
        uow.session.execute(delete(AuditRecord).where(AuditRecord.action == WINDOWS_QUEUED))
    initialise(world.ctx)
    initialise(world.ctx)
    assert {o.entity_id: o.payload for o in _outbox(world.ctx)} == windows

    # a change to a window goes out with it
    with world.ctx.uow() as uow:
        row = uow.session.get_one(Counter, world.counters[2])
        row.name, row.active = "2号窗口（暂停）", False
        record_window(uow, row)
    last = _outbox(world.ctx)[-1]
    assert last.entity_id == world.counters[2]
    assert (
        last.payload == _stored(world.ctx, Counter)[world.counters[2]]
        and last.payload["active"] is False
    )


def test_a_database_without_windows_yet_queues_them_when_they_are_made(tmp_path: Any) -> None:
    ctx = ServiceContext.for_url(f"sqlite:///{(tmp_path / 'hall.db').as_posix()}")
    initialise(ctx, seed_demo=False)  # the kiosk started first on an empty database
    assert _outbox(ctx) == []
    initialise(ctx)  # then the counter app: the centre and its windows are made and queued
    assert [o.entity for o in _outbox(ctx)] == ["counter"] * 6
    ctx.close()


def test_a_consultation_is_queued_as_stored(world: Centre990101) -> None:
    view = IntakeService(world.ctx).consult(
        world.counters[4], world.users["clerk2"], note="咨询居住证办理流程", matter_code="MZ-001"
    )
    (op,) = _outbox(world.ctx, "consultation")
    assert op.entity_id == view.id
    assert op.payload == _stored(world.ctx, Consultation)[view.id]
    assert op.payload["note"] == "咨询居住证办理流程" and op.payload["counter_id"] == str(
        world.counters[4]
    )


def test_the_window_list_holds_working_windows_only(world: Centre990101) -> None:
    centres = CentreService(world.ctx)
    assert [c.number for c in centres.overview().counters] == [1, 2, 3, 4, 5, 6]
    with world.ctx.uow() as uow:  # out of service, or a restore's stand-in for an unknown window
        uow.session.execute(
            update(Counter).where(Counter.id == world.counters[2]).values(active=False)
        )
    assert [c.number for c in centres.overview().counters] == [1, 3, 4, 5, 6]


def test_demo_data_queues_the_rows_as_stored(world: Centre990101) -> None:
    report = generate_demo_data(world.ctx, days=4, seed=5, tickets_per_day=12)
    assert report.tickets > 0 and report.cases > 0
    ops = [o for o in _outbox(world.ctx) if o.entity != "counter"]
    assert len(ops) >= report.residents + report.tickets + report.cases + report.events
    tables: dict[str, dict[Any, dict[str, Any]]] = {}
    for op in ops:
        if op.entity not in tables:
            model = next(
                m.class_
                for m in Base.registry.mappers
                if getattr(m.class_, "__tablename__", None) == op.entity
            )
            tables[op.entity] = _stored(world.ctx, model)
        # every column as the database holds it: creation times, flags and lists the insert defaulted too
        assert op.payload == tables[op.entity][op.entity_id], (op.entity, op.entity_id)
    assert {"resident", "ticket", "case_file", "case_event", "rating"} <= set(tables)
    assert all(p["created_at"] for p in tables["resident"].values())


def test_a_print_restored_without_its_pdf_says_so(world: Centre990101) -> None:
    clerk = world.users["clerk1"]
    prints = PrintService(world.ctx)
    first = prints.record_print(clerk, "ticket", b"%PDF ticket C001")
    altered = prints.record_print(clerk, "ticket", b"%PDF ticket C002")
    with world.ctx.uow() as uow:  # as a restore brings it back: the record and hash, no bytes
        uow.session.execute(
            update(PrintedDocument).where(PrintedDocument.id == first.id).values(content=b"")
        )
        uow.session.execute(
            update(PrintedDocument)
            .where(PrintedDocument.id == altered.id)
            .values(content=b"%PDF x")
        )
    with pytest.raises(NotFound) as gone:
        prints.get_print(first.id, clerk)
    assert gone.value.code == "PRINT_NOT_KEPT"
    assert "原件未随数据恢复" in gone.value.message and "重新生成" in gone.value.message
    assert "改动" not in gone.value.message
    with pytest.raises(ValidationError, match="内容可能已被改动"):  # a real mismatch is still one
        prints.get_print(altered.id, clerk)
    # issued again: the document made anew is kept as a reprint of the restored record, with a reason
    again = prints.record_print(
        clerk,
        "ticket",
        b"%PDF ticket C001 again",
        reprint_of=first.id,
        reason="原件未随数据恢复，按原内容重新生成",
    )
    assert again.reprint_of == first.id and again.size > 0
    assert prints.get_print(again.id, clerk) == b"%PDF ticket C001 again"
    with world.ctx.uow(read_only=True) as uow:
        viewed = uow.session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action == "document_viewed")
        )
    assert viewed == 1  # the failed views are not logged as views
