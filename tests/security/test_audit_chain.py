"""The audit chain finds any change, deletion or insertion made with raw SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text, update

from app.cli import main
from app.db.models import AuditRecord
from app.domain.audit_chain import CHANGED, DELETED, INSERTED, ChainEntry, entry_hash
from app.services.audit import AuditService, _entry, verify_database
from app.services.cases import CaseService
from app.services.centre import AuthError, CentreService
from app.services.context import ServiceContext
from app.services.setup import initialise
from tests.services.conftest import Centre990101, world  # noqa: F401


def _busy(world: Centre990101) -> None:  # noqa: F811
    clerk = world.users["clerk1"]
    centre = CentreService(world.ctx)
    for _ in range(3):
        centre.sign_in("clerk1", "onewindow")
    with pytest.raises(AuthError):
        centre.sign_in("clerk1", "wrong")
    for _ in range(5):
        CaseService(world.ctx).routed_cases(clerk)


def _sql(ctx: ServiceContext, statement: str, **params: object) -> None:
    with ctx.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_an_untouched_chain_verifies(world: Centre990101) -> None:  # noqa: F811
    _busy(world)
    report = verify_database(world.ctx)
    assert report.chain.ok and report.chain.checked >= 10
    assert report.chain.last_seq == report.chain.checked


def test_a_changed_record_is_found(world: Centre990101) -> None:  # noqa: F811
    _busy(world)
    # Re-attribute a failed sign-in to someone else, as an intruder covering tracks would.
    with world.ctx.engine.begin() as conn:
        conn.execute(
            update(AuditRecord)
            .where(AuditRecord.action == "login_failed")
            .values(user_id=world.users["supervisor"].id)
        )
    first = verify_database(world.ctx).chain.first_break
    assert first is not None and first.kind == CHANGED


def test_a_changed_record_with_a_recomputed_hash_is_found(world: Centre990101) -> None:  # noqa: F811
    _busy(world)
    with world.ctx.uow(read_only=True) as uow:
        row = uow.session.scalars(select(AuditRecord).where(AuditRecord.seq == 5)).one()
        entry = _entry(row)
    forged = ChainEntry(**{**entry.__dict__, "result": "refused"})
    _sql(
        world.ctx,
        "UPDATE audit_record SET result = 'refused', hash = :h WHERE seq = 5",
        h=entry_hash(forged, entry.prev_hash),
    )
    first = verify_database(world.ctx).chain.first_break
    assert first is not None and first.seq == 5 and first.kind == INSERTED


def test_a_deleted_record_is_found(world: Centre990101) -> None:  # noqa: F811
    _busy(world)
    _sql(world.ctx, "DELETE FROM audit_record WHERE seq = 4")
    first = verify_database(world.ctx).chain.first_break
    assert first is not None and first.seq == 4 and first.kind == DELETED


def test_an_inserted_record_is_found(world: Centre990101) -> None:  # noqa: F811
    _busy(world)
    chain = verify_database(world.ctx).chain
    # A fake record appended at the end, its hash computed the way the code does (no key).
    fake = ChainEntry(
        seq=chain.last_seq + 1,
        at=world.clock(),
        user_id=None,
        centre_id=None,
        action="login",
        subject_type="",
        subject_id=None,
        window="",
        result="ok",
        detail={},
    )
    digest = entry_hash(fake, chain.last_hash)
    table = AuditRecord.__table__
    with world.ctx.engine.begin() as conn:  # straight into the table, past the application
        conn.execute(
            table.insert().values(
                id=uuid.uuid4(),
                at=fake.at,
                action="login",
                subject_type="",
                detail={},
                seq=fake.seq,
                window="",
                result="ok",
                prev_hash=chain.last_hash,
                hash=digest,
                mac="0" * 64,
            )
        )
    first = verify_database(world.ctx).chain.first_break
    assert first is not None and first.seq == chain.last_seq + 1 and first.kind == INSERTED
    # A record slipped in without a number is found too.
    with world.ctx.engine.begin() as conn:
        conn.execute(
            table.insert().values(
                id=uuid.uuid4(),
                at=fake.at,
                action="login",
                subject_type="",
                detail={},
                window="",
                result="ok",
                prev_hash="",
                hash="",
                mac="",
            )
        )
    breaks = verify_database(world.ctx).chain.breaks
    assert [b.kind for b in breaks] == [INSERTED, INSERTED] and breaks[1].seq is None


def test_cli_verify_reports_the_first_broken_record(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{(tmp_path / 'c.db').as_posix()}"
    ctx = ServiceContext.for_url(url)
    initialise(ctx)
    for _ in range(4):
        CentreService(ctx).sign_in("clerk2", "onewindow")
    assert main(["--db", url, "audit", "verify"]) == 0
    assert "审计链完整" in capsys.readouterr().out
    _sql(ctx, "DELETE FROM audit_record WHERE seq = 3")
    ctx.close()
    assert main(["--db", url, "audit", "verify"]) == 4
    err = capsys.readouterr().err
    assert "第 3 条" in err and "删除" in err


def test_audit_admin_reads_and_exports(world: Centre990101) -> None:  # noqa: F811
    _busy(world)
    admin = world.users["clerk1"]  # permissions are checked in the composition root
    service = AuditService(world.ctx)
    rows = service.records(admin)
    assert rows and rows[0].seq is not None
    csv_bytes = service.export_csv(admin)
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and "login_failed" in csv_bytes.decode("utf-8-sig")
    assert verify_database(world.ctx).chain.ok
