"""Level 3 and prints' bytes. At the centre a print is personal data at rest (its PDF, and its bytes
queued for the hub in the outbox) and is kept encrypted; it travels to the hub as every synced row
does, in clear over TLS, because the hub must give it back to a *new* PC after a restore, whose
keyring the lost PC's key never reached. A level-3 centre prints (a receipt and a large scanned
paper holding ID numbers), syncs, dies; the new PC restores at level 3 under a key of its own and
reprints both byte for byte; neither database's dump holds an ID number of the day."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app.config import SecuritySettings
from app.db.models import OutboxOp, PrintedDocument, Protection
from app.services.context import ServiceContext
from app.services.documents import DocumentService
from app.services.prints import PrintService
from app.sync.agent import SyncAgent
from app.sync.enrol import enrol
from app.sync.restore import restore
from tests.security.level3_day import counter_day, dump
from tests.security.pii_strategies import leaks
from tests.security.test_level3_at_rest import centre_at
from tests.services.conftest import make_id
from tests.sync.conftest import HubHarness
from tests.sync.test_restore import pg_databases  # noqa: F401 (fixture)

pytestmark = [pytest.mark.pg, pytest.mark.slow]
HUB = "http://hub.test"
PRINTS = ("print_blob", "print_chunk")
PEOPLE = [
    (make_id("11010119800307002"), "13912345678", make_id("31010419851212001"), "13800001111"),
    (make_id("44030619770115003"), "13687654321", make_id("51010719900808004"), "13711112222"),
]


def scanned_paper(numbers: list[str]) -> bytes:
    """A 2 MB paper of scanned pages with the people's ID numbers in its text: too large for one
    op (it travels in slices), and its numbers readable in the bytes as they are."""
    text = " ".join(f"(公民身份号码 {n}) Tj" for n in numbers).encode()
    return b"%PDF-1.7\n" + text + os.urandom(2_000_000) + text + b"\n%%EOF\n"


def found_in(text: str, numbers: list[str]) -> list[str]:
    """The numbers a dump holds as text, or as the hex of their bytes (a bytea in pg_dump)."""
    return [n for n in numbers if leaks(text, n) or n.encode().hex() in text]


def _url(kind: str, tmp_path: Path, pg: Callable[[], str], name: str) -> str:
    return f"sqlite:///{(tmp_path / f'{name}.db').as_posix()}" if kind == "sqlite" else pg()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_level3_centre_restored_on_a_new_pc_reprints_its_papers_byte_for_byte(
    pg_url: str,
    tmp_path: Path,
    pg_databases: Callable[[], str],  # noqa: F811
    kind: str,
) -> None:
    hub = HubHarness(pg_url)
    lost_url = _url(kind, tmp_path, pg_databases, "lost")
    ctx, centre_id, counter_id, clerk = centre_at(lost_url, 3)
    new_url = _url(kind, tmp_path, pg_databases, "new")
    fresh = ServiceContext.for_url(new_url, security=SecuritySettings(level=3))
    try:
        enrol(ctx, HUB, hub.code("990101"), transport=hub.transport)
        day = counter_day(ctx, centre_id, counter_id, clerk, PEOPLE)
        ids = [n for n in day.numbers if len(n) == 18]
        scan = scanned_paper(ids)
        big = PrintService(ctx).record_print(clerk, "report", scan, case_id=day.case_ids[0])
        with ctx.uow(read_only=True) as uow:
            s = uow.session
            papers = {d.id: bytes(d.content) for d in s.scalars(select(PrintedDocument))}
            slices = s.scalar(select(func.count()).where(OutboxOp.entity == "print_chunk"))
            old_key = s.scalars(
                select(Protection.value).where(Protection.name == "data_key_id")
            ).one()
        assert len(papers) >= len(PEOPLE) + 1 and slices and slices > 1
        # at rest at the centre: the papers and their queued bytes encrypted, no ID number
        text = dump(lost_url)
        assert found_in(text, ids) == [] and "sm4g1:" in text
        report = SyncAgent(ctx, transport=hub.transport).run_once()
        assert report.ok and report.conflicts == 0, report
        with ctx.uow(read_only=True) as uow:  # acknowledged: kept encrypted, without the bytes
            s = uow.session
            kept = list(s.scalars(select(OutboxOp.payload).where(OutboxOp.entity.in_(PRINTS))))
            raw = s.execute(
                sa.text("SELECT payload FROM outbox WHERE entity IN ('print_blob', 'print_chunk')")
            ).scalars()
            assert all("sm4g1" in str(r) and "sha256" not in str(r) for r in raw)
        assert len(kept) > slices and all("data" not in p and p["sha256"] for p in kept)

        # the PC dies; the new one restores at level 3 and makes a key of its own
        restored = restore(fresh, HUB, hub.code("990101"), transport=hub.transport)
        assert restored.prints_with_bytes == len(papers)
        with fresh.uow(read_only=True) as uow:
            assert (
                uow.session.scalars(
                    select(Protection.value).where(Protection.name == "data_key_id")
                ).one()
                != old_key
            )
        back = {pid: PrintService(fresh).get_print(pid, clerk_of(fresh, clerk)) for pid in papers}
        assert back == papers
        again = DocumentService(fresh).reprint(clerk_of(fresh, clerk), big.id, "申请人遗失")
        assert again.pdf == scan
        text = dump(new_url)
        assert found_in(text, ids) == [] and "sm4g1:" in text
    finally:
        ctx.close()
        fresh.close()
        hub.engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_scan_sees_a_papers_numbers_at_level_2(
    tmp_path: Path,
    pg_databases: Callable[[], str],  # noqa: F811
    kind: str,
) -> None:
    """The same scan on a level-2 database finds the paper's ID numbers: it can see them."""
    url = _url(kind, tmp_path, pg_databases, "l2")
    ctx, _centre_id, _counter_id, clerk = centre_at(url, 2)
    ids = [p[0] for p in PEOPLE]
    try:
        PrintService(ctx).record_print(clerk, "report", scanned_paper(ids))
    finally:
        ctx.close()
    assert found_in(dump(url), ids) == ids


def clerk_of(ctx: ServiceContext, clerk: Any) -> Any:
    """The lost PC's clerk as the restored database knows them (the same id)."""
    from app.db.models import User
    from app.services.dto import SignedInUser

    with ctx.uow(read_only=True) as uow:
        u = uow.session.get_one(User, clerk.id)
        return SignedInUser(u.id, u.username, u.display_name, u.role, u.centre_id)


def test_a_level3_desk_keeps_pulled_slices_of_an_unfinished_print_encrypted(
    tmp_path: Path,
) -> None:
    """Slices of another desk's print waiting for the rest are personal data at rest too."""
    from app.db.models import PulledChunk
    from app.domain.print_blobs import blob_ops
    from app.sync.apply import apply_changes
    from app.sync.protocol import Change

    ctx, centre_id, _counter_id, clerk = centre_at(f"sqlite:///{tmp_path / 'l3.db'}", 3)
    try:
        paper = scanned_paper([PEOPLE[0][0]])
        view = PrintService(ctx).record_print(clerk, "report", paper)
        with ctx.uow() as uow:  # as pulled from the other desk: the record without its bytes
            uow.session.get_one(PrintedDocument, view.id).content = b""
        ops = blob_ops(centre_id, paper)
        assert len(ops) > 2
        kind, eid, payload = ops[0]
        with ctx.uow() as uow:
            apply_changes(
                uow, [Change(pos=1, entity=kind, entity_id=eid, op="upsert", payload=payload)]
            )
        plain = base64.b64decode(payload["data"])
        with ctx.engine.connect() as conn:
            raw = bytes(conn.execute(sa.text("SELECT data FROM pulled_print_chunk")).scalar_one())
        assert raw.startswith(b"sm4g1:") and plain[:64] not in raw
        with ctx.uow(read_only=True) as uow:  # the desk with the key reads it back
            assert uow.session.scalars(select(PulledChunk.data)).one() == plain
        with ctx.uow() as uow:
            apply_changes(
                uow,
                [
                    Change(pos=n + 2, entity=k, entity_id=e, op="upsert", payload=p)
                    for n, (k, e, p) in enumerate(ops[1:])
                ],
            )
        with ctx.uow(read_only=True) as uow:
            assert uow.session.scalar(select(func.count()).select_from(PulledChunk)) == 0
        assert PrintService(ctx).get_print(view.id, clerk) == paper
    finally:
        ctx.close()
