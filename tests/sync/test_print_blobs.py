"""A print's exact bytes travel to the hub compressed, once per centre and SHA-256; older prints are
sent once at the first start of the version that syncs them; a bad blob is never applied."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from app.db.models import OutboxOp, PrintedDocument, PulledChunk, SequenceCounter, User
from app.domain import print_blobs
from app.domain.print_blobs import (
    MAX_COMPRESSED,
    BlobError,
    ChunkSets,
    assemble,
    blob_bytes,
    blob_id,
    blob_ops,
    blob_payload,
    chunk_id,
    chunk_of,
)
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from app.services.prints import PrintService
from app.services.setup import initialise
from app.services.sync_backfill import PRINTS_SENT
from app.sync.apply import apply_changes
from app.sync.protocol import Change
from tests.sync.harness import new_centre


def _clerk(ctx: ServiceContext) -> SignedInUser:
    with ctx.uow(read_only=True) as uow:
        u = uow.session.scalars(select(User).where(User.username == "clerk1")).one()
        return SignedInUser(u.id, u.username, u.display_name, u.role, u.centre_id)


def _blob_ops(ctx: ServiceContext) -> list[OutboxOp]:
    with ctx.uow(read_only=True) as uow:
        return list(uow.session.scalars(select(OutboxOp).where(OutboxOp.entity == "print_blob")))


def test_a_print_is_sent_once_however_often_it_is_printed(tmp_path: Path) -> None:
    ctx = new_centre(f"sqlite:///{(tmp_path / 'c.db').as_posix()}")
    clerk = _clerk(ctx)
    prints = PrintService(ctx)
    pdf = b"%PDF-1.4 " + os.urandom(3000)
    first = prints.record_print(clerk, "form", pdf)
    prints.record_print(clerk, "form", pdf, reprint_of=first.id, reason="打印机卡纸")
    prints.record_print(clerk, "form", pdf)
    (op,) = _blob_ops(ctx)
    assert op.entity_id == blob_id(clerk.centre_id, hashlib.sha256(pdf).hexdigest())  # type: ignore[arg-type]
    assert blob_bytes(op.payload) == (hashlib.sha256(pdf).hexdigest(), pdf)
    prints.record_print(clerk, "form", pdf + b" ")
    assert len(_blob_ops(ctx)) == 2
    ctx.close()


def test_prints_made_before_are_sent_once_at_the_next_start(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'c.db').as_posix()}"
    ctx = new_centre(url)
    clerk = _clerk(ctx)
    for n in range(3):
        PrintService(ctx).record_print(clerk, "form", f"%PDF {n}".encode())
    PrintService(ctx).record_print(clerk, "form", b"%PDF 0")
    with ctx.uow() as uow:  # as a database of the version before: no blobs queued, no mark
        uow.session.execute(delete(OutboxOp).where(OutboxOp.entity == "print_blob"))
        uow.session.execute(delete(SequenceCounter).where(SequenceCounter.scope == PRINTS_SENT))
    initialise(ctx)
    assert sorted(blob_bytes(o.payload)[1] for o in _blob_ops(ctx)) == [
        b"%PDF 0",
        b"%PDF 1",
        b"%PDF 2",
    ]
    initialise(ctx)  # the next start: nothing again
    assert len(_blob_ops(ctx)) == 3
    ctx.close()


def _pulled_without_bytes(tmp_path: Path, kind: str, pdf: bytes) -> tuple[ServiceContext, Any, Any]:
    """A centre holding a print's record as pulled without its bytes (another device's print)."""
    ctx = new_centre(f"sqlite:///{(tmp_path / 'c.db').as_posix()}")
    clerk = _clerk(ctx)
    view = PrintService(ctx).record_print(clerk, kind, pdf)
    with ctx.uow() as uow:
        uow.session.get_one(PrintedDocument, view.id).content = b""
    return ctx, clerk, view


def test_a_pulled_blob_fills_the_records_of_that_print_only_when_it_matches(
    tmp_path: Path,
) -> None:
    pdf = b"%PDF-1.4 " + os.urandom(500)
    ctx, clerk, view = _pulled_without_bytes(tmp_path, "form", pdf)
    payload = blob_payload(clerk.centre_id, pdf)  # type: ignore[arg-type]
    assert payload is not None
    forged = {
        **payload,
        "sha256": payload["sha256"],
        "data": blob_payload(uuid.uuid4(), b"x")["data"],
    }  # type: ignore[index]
    with ctx.uow() as uow:
        apply_changes(
            uow,
            [
                Change(
                    pos=1, entity="print_blob", entity_id=uuid.uuid4(), op="upsert", payload=forged
                )
            ],
        )
    with ctx.uow(read_only=True) as uow:
        assert uow.session.get_one(PrintedDocument, view.id).content == b""  # not its bytes: unused
    with ctx.uow() as uow:
        apply_changes(
            uow,
            [
                Change(
                    pos=2, entity="print_blob", entity_id=uuid.uuid4(), op="upsert", payload=payload
                )
            ],
        )
    assert PrintService(ctx).get_print(view.id, clerk) == pdf
    ctx.close()


def test_a_print_too_large_for_one_op_goes_in_slices_and_one_over_the_cap_stays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    huge = os.urandom(MAX_COMPRESSED + 1000)  # random bytes do not compress
    assert blob_payload(uuid.uuid4(), huge) is None
    assert blob_payload(uuid.uuid4(), b"%PDF small") is not None
    centre = uuid.uuid4()
    ops = blob_ops(centre, huge)
    assert [k for k, _, _ in ops] == ["print_chunk"] * 2
    assert [eid for _, eid, _ in ops] == [
        chunk_id(centre, hashlib.sha256(huge).hexdigest(), i) for i in range(2)
    ]
    sets = ChunkSets()  # in any order, a slice twice: the print once, when its last slice is in
    assert sets.add(ops[1][2]) is None and sets.add(ops[1][2]) is None
    assert sets.add(ops[0][2]) == (hashlib.sha256(huge).hexdigest(), huge)
    monkeypatch.setattr(print_blobs, "MAX_PRINT_BYTES", len(huge) - 1)
    assert blob_ops(centre, huge) == []  # over the cap: stays on its PC


def test_slices_that_do_not_add_up_are_never_used() -> None:
    pdf = os.urandom(5000)
    ops = [p for _, _, p in blob_ops(uuid.uuid4(), pdf, chunk_bytes=2000, one_op_max=0)]
    other = [p for _, _, p in blob_ops(uuid.uuid4(), pdf[::-1], chunk_bytes=2000, one_op_max=0)]
    sets = ChunkSets()
    sets.add(ops[0])
    sets.add({**other[1], "sha256": ops[0]["sha256"]})  # another print's slice under this hash
    with pytest.raises(BlobError):
        sets.add(ops[2])
    with pytest.raises(BlobError):
        chunk_of({**ops[2], "index": 3})
    with pytest.raises(BlobError):
        assemble([chunk_of(ops[0]), chunk_of(ops[0]), chunk_of(ops[2])])


def test_a_prints_slices_pulled_in_separate_transactions_are_kept_until_it_is_whole(
    tmp_path: Path,
) -> None:
    """Each pull page is its own transaction (and a round may end, or be cut off, between them):
    slices wait in the database, not in memory, and the last one fills the record."""
    pdf = b"%PDF-1.7\n" + os.urandom(5000)
    ctx, clerk, view = _pulled_without_bytes(tmp_path, "report", pdf)
    ops = blob_ops(clerk.centre_id, pdf, chunk_bytes=2000, one_op_max=0)  # type: ignore[arg-type]
    assert len(ops) == 3
    for pos, (kind, eid, payload) in enumerate([ops[2], ops[0], ops[2], ops[1]], start=1):
        with ctx.uow(read_only=True) as uow:
            assert uow.session.get_one(PrintedDocument, view.id).content == b""
        with ctx.uow() as uow:  # one page each: a new transaction, nothing carried in memory
            apply_changes(
                uow, [Change(pos=pos, entity=kind, entity_id=eid, op="upsert", payload=payload)]
            )
    assert PrintService(ctx).get_print(view.id, clerk) == pdf
    with ctx.uow(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(PulledChunk)) == 0
    ctx.close()
