"""A print's bytes are kept once at the centre: an op carrying them keeps only its other fields
once the hub has acknowledged it (the printed record keeps the paper), never before; sent print
ops of earlier versions are trimmed once at the next start."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, select, update

from app.db.models import OutboxOp, SequenceCounter
from app.domain.print_blobs import PRINT_KINDS, blob_bytes, chunk_of, without_bytes
from app.services.prints import PrintService
from app.services.setup import initialise
from app.services.sync_backfill import SENT_PRINTS_TRIMMED, drop_sent_print_bytes_once
from app.sync import protocol as P
from app.sync.agent import SyncAgent
from app.sync.enrol import current_enrolment
from tests.sync.conftest import verify_in_sync
from tests.sync.harness import new_centre
from tests.sync.test_print_blobs import _clerk


class FirstBatchOnly(httpx.BaseTransport):
    """The hub answers the round's first batch (the one that follows no other: two go at once and
    may arrive in either order); every later one never reaches it (network down)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        later = request.url.path.endswith("/push") and (
            json.loads(gzip.decompress(request.read())).get("after_seq") is not None
        )
        if later:
            raise httpx.ConnectError("network down", request=request)
        return self.inner.handle_request(request)


def print_ops(ctx: Any) -> list[tuple[int, str, dict[str, Any], bool]]:
    """(seq, kind, payload, sent) of every op carrying a print, in order."""
    with ctx.uow(read_only=True) as uow:
        return [
            (o.seq, o.entity, o.payload, o.sent_at is not None)
            for o in uow.session.scalars(
                select(OutboxOp).where(OutboxOp.entity.in_(PRINT_KINDS)).order_by(OutboxOp.seq)
            )
        ]


def test_acknowledged_print_ops_drop_their_bytes_and_unacknowledged_ones_keep_them(
    hub: Any, centre_factory: Any
) -> None:
    ctx, _agent = centre_factory()
    clerk = _clerk(ctx)
    receipt = b"%PDF-1.4 receipt " + os.urandom(2000)
    scan = b"%PDF-1.7\n" + os.urandom(1_200_000)  # 3 slices, one push batch each of the base size
    views = [
        PrintService(ctx).record_print(clerk, k, p)
        for k, p in (("receipt", receipt), ("report", scan))
    ]
    queued = print_ops(ctx)
    assert [k for _, k, _, _ in queued] == ["print_blob"] + ["print_chunk"] * 3

    # the network goes down after the first push: what the hub acknowledged is trimmed, the rest not
    failing = FirstBatchOnly(hub.transport)
    report = SyncAgent(ctx, transport=failing, batch_bytes=P.BASE_BATCH_BYTES).run_once()
    assert not report.ok
    half = print_ops(ctx)
    sent = [(k, p) for _, k, p, s in half if s]
    unsent = [(k, p) for _, k, p, s in half if not s]
    assert sent and unsent, half
    for (_, kind, before, _), (_, _, after, was_sent) in zip(queued, half, strict=True):
        if was_sent:  # every field but the bytes: centre, hash, sizes, index
            assert after == without_bytes(before) and "data" not in after and after["sha256"]
        else:  # untouched: the next round sends it whole
            assert after == before
            assert chunk_of(after) if kind == "print_chunk" else blob_bytes(after)

    report = SyncAgent(ctx, transport=hub.transport).run_once()
    assert report.ok and report.conflicts == 0, report
    assert all(s and "data" not in p for _, _, p, s in print_ops(ctx))
    enrolment = current_enrolment(ctx)
    assert enrolment is not None
    verify_in_sync(ctx, hub.sessions, enrolment.device_id)  # the hub has every op whole
    # the centre keeps its papers
    assert [PrintService(ctx).get_print(v.id, clerk) for v in views] == [receipt, scan]


def test_sent_print_ops_of_an_earlier_version_are_trimmed_once_at_the_next_start(
    tmp_path: Path,
) -> None:
    ctx = new_centre(f"sqlite:///{(tmp_path / 'c.db').as_posix()}")
    clerk = _clerk(ctx)
    old = [b"%PDF receipt", b"%PDF-1.7\n" + os.urandom(800_000)]
    for pdf in old:
        PrintService(ctx).record_print(clerk, "report", pdf)
    with ctx.uow() as uow:  # as an earlier version left them: sent, bytes kept, not yet trimmed
        uow.session.execute(update(OutboxOp).values(sent_at=ctx.clock()))
        uow.session.execute(
            delete(SequenceCounter).where(SequenceCounter.scope == SENT_PRINTS_TRIMMED)
        )
    waiting = b"%PDF waiting " + os.urandom(100)
    PrintService(ctx).record_print(clerk, "receipt", waiting)
    before = print_ops(ctx)
    assert [s for *_, s in before] == [True, True, True, False]

    initialise(ctx)
    after = print_ops(ctx)
    for (_, _, was, sent), (_, _, now, _) in zip(before, after, strict=True):
        assert now == (without_bytes(was) if sent else was)
    assert blob_bytes(after[-1][2]) == (hashlib.sha256(waiting).hexdigest(), waiting)
    with ctx.uow() as uow:  # once: a later sent op with bytes (impossible now) is not looked at
        uow.session.execute(update(OutboxOp).values(sent_at=ctx.clock()))
    assert drop_sent_print_bytes_once(ctx) == 0
    assert "data" in print_ops(ctx)[-1][2]
    ctx.close()
