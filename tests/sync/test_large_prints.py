"""A print too large for one op (scanned pages, photos) travels in slices through a real hub process
and comes back byte for byte after a restore; an agent killed half-way through the slices resumes
and every slice reaches the hub exactly once."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.db.models import OutboxOp, PrintedDocument, PulledChunk
from app.domain.print_blobs import CHUNK_BYTES, chunk_of
from app.hub.admin import new_enrol_code
from app.hub.db import hub_engine, hub_sessions, upgrade
from app.hub.models import HubChange, HubConflict, HubPrintChunk
from app.services.context import ServiceContext
from app.services.documents import DocumentService
from app.services.prints import PrintService
from app.sync.agent import SyncAgent
from app.sync.restore import restore
from tests.sync.conftest import verify_in_sync
from tests.sync.test_print_blobs import _clerk
from tests.sync.test_processes import HubProcess, make_centre
from tests.sync.test_real_day import AgentProcess

pytestmark = [pytest.mark.pg, pytest.mark.slow]
SIZE = 3 * 1024 * 1024


@pytest.fixture
def hubproc(pg_url: str) -> Iterator[tuple[HubProcess, Any]]:
    engine = hub_engine(pg_url)
    upgrade(engine)
    h = HubProcess(pg_url)
    h.start()
    try:
        yield h, hub_sessions(engine)
    finally:
        if h.proc is not None:
            h.proc.send_signal(signal.SIGCONT)
        h.kill()
        engine.dispose()


def big_print(ctx: ServiceContext) -> tuple[Any, bytes]:
    """A 3 MB paper of scanned pages: random bytes, which do not compress."""
    pdf = b"%PDF-1.7\n" + os.urandom(SIZE)
    view = PrintService(ctx).record_print(_clerk(ctx), "report", pdf)
    return view.id, pdf


def slices_at_hub(sessions: Any) -> list[tuple[Any, str]]:
    with sessions() as h:
        return [
            (r.entity_id, r.status)
            for r in h.execute(
                select(HubChange.entity_id, HubChange.status).where(
                    HubChange.entity == "print_chunk"
                )
            )
        ]


def restored(tmp_path: Path, h: HubProcess, sessions: Any, code: str) -> ServiceContext:
    """A new PC's database rebuilt from the hub with `onewindow restore`'s code path."""
    fresh = ServiceContext.for_url(f"sqlite:///{(tmp_path / 'new.db').as_posix()}")
    with sessions.begin() as s:
        enrol_code = new_enrol_code(
            s, code, __import__("datetime").datetime.now(__import__("datetime").UTC)
        )
    report = restore(fresh, h.url, enrol_code)
    assert report.prints_with_bytes >= 1
    return fresh


def test_a_3mb_print_goes_through_a_hub_process_and_is_reprinted_after_a_restore(
    tmp_path: Path, hubproc: Any
) -> None:
    h, sessions = hubproc
    ctx, device, _url = make_centre(tmp_path, h, sessions, "990101")
    print_id, pdf = big_print(ctx)
    with ctx.uow(read_only=True) as uow:
        queued = uow.session.scalar(
            select(func.count()).where(OutboxOp.entity == "print_chunk", OutboxOp.sent_at.is_(None))
        )
    assert queued == -(-(SIZE + 100) // CHUNK_BYTES)  # ~3 MB compressed: 7 slices of 512 KB
    report = SyncAgent(ctx).run_once()
    assert report.ok and report.conflicts == 0, report
    verify_in_sync(ctx, sessions, device)
    assert sorted(s for _, s in slices_at_hub(sessions)) == ["applied"] * queued
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(HubConflict)) == 0

    fresh = restored(tmp_path, h, sessions, "990101")
    clerk = _clerk(fresh)
    assert PrintService(fresh).get_print(print_id, clerk) == pdf
    again = DocumentService(fresh).reprint(clerk, print_id, "申请人遗失")
    assert again.pdf == pdf and hashlib.sha256(again.pdf).hexdigest() == again.record.sha256
    # the reprint's bytes are not sent again: the hub has them
    with fresh.uow(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).where(OutboxOp.entity == "print_chunk")) == 0
    ctx.close()
    fresh.close()


def test_an_agent_killed_half_way_through_the_slices_resumes_without_duplicates(
    tmp_path: Path, hubproc: Any, memory_keyring: Any
) -> None:
    h, sessions = hubproc
    ctx, device, url = make_centre(tmp_path, h, sessions, "990101")
    print_id, pdf = big_print(ctx)
    keyfile = tmp_path / "keyring.json"
    keyfile.write_text(json.dumps({f"{k[0]}|{k[1]}": v for k, v in memory_keyring.secrets.items()}))
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "tests.sync.harness.FileKeyring",
        "ONEWINDOW_TEST_KEYRING": str(keyfile),
        "ONEWINDOW_DATA_DIR": str(tmp_path / "data"),
    }
    agent = AgentProcess(url, env, tmp_path / "agent.log")
    agent.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not slices_at_hub(sessions):
            time.sleep(0.01)
        # the first slice is in: freeze the hub mid-batch, kill the agent (-9), thaw the hub
        assert h.proc is not None
        h.proc.send_signal(signal.SIGSTOP)
        agent.kill()
        h.proc.send_signal(signal.SIGCONT)
    finally:
        agent.kill()
    half = slices_at_hub(sessions)
    with ctx.uow(read_only=True) as uow:
        total = int(
            uow.session.scalar(select(func.count()).where(OutboxOp.entity == "print_chunk")) or 0
        )
        unsent = int(
            uow.session.scalar(
                select(func.count()).where(
                    OutboxOp.entity == "print_chunk", OutboxOp.sent_at.is_(None)
                )
            )
            or 0
        )
    assert 0 < len(half) < total and unsent > 0, (len(half), total, unsent)  # killed half-way
    # what the dead agent saw acknowledged is kept without its bytes, nothing else lost them
    with ctx.uow(read_only=True) as uow:
        ops = list(uow.session.scalars(select(OutboxOp).where(OutboxOp.entity == "print_chunk")))
    assert sum(o.sent_at is None for o in ops) == unsent
    for o in ops:
        assert ("data" in o.payload) == (o.sent_at is None), o.seq
        if o.sent_at is None:
            assert chunk_of(o.payload).index == o.payload["index"]

    # the next start sends the rest (and what the hub took but the dead agent never heard of)
    report = SyncAgent(ctx).run_once()
    assert report.ok and report.conflicts == 0, report
    verify_in_sync(ctx, sessions, device)  # every op exactly once
    at_hub = slices_at_hub(sessions)
    assert len(at_hub) == len({eid for eid, _ in at_hub}) == total
    assert {s for _, s in at_hub} == {"applied"}
    with ctx.uow(
        read_only=True
    ) as uow:  # every slice acknowledged now: no bytes left in the outbox
        assert all(
            "data" not in p
            for p in uow.session.scalars(
                select(OutboxOp.payload).where(OutboxOp.entity == "print_chunk")
            )
        )
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(HubPrintChunk)) == total
        assert s.execute(select(HubConflict.kind, HubConflict.message)).all() == []

    fresh = restored(tmp_path, h, sessions, "990101")
    assert PrintService(fresh).get_print(print_id, _clerk(fresh)) == pdf
    ctx.close()
    fresh.close()


def test_a_malformed_slice_in_the_outbox_does_not_block_the_queue(
    hub: Any, centre_factory: Any
) -> None:
    """A slice the hub refuses (here: its index past its count) is acknowledged as a conflict,
    listed at the centre, and what was queued after it goes on."""
    from app.services.queue import QueueService
    from app.sync.conflicts import list_conflicts

    ctx, agent = centre_factory()
    clerk = _clerk(ctx)
    pdf = b"%PDF-1.7\n" + os.urandom(800_000)
    view = PrintService(ctx).record_print(clerk, "report", pdf)
    with ctx.uow() as uow:  # damaged in the outbox (a bug, a disk): the last slice's index
        last = uow.session.scalars(
            select(OutboxOp).where(OutboxOp.entity == "print_chunk").order_by(OutboxOp.seq.desc())
        ).first()
        assert last is not None
        last.payload = {**last.payload, "index": last.payload["count"]}
    ticket = QueueService(ctx).issue_ticket(clerk.centre_id, "minzheng_jiuzhu")  # type: ignore[arg-type]
    report = agent.run_once()
    assert report.ok and report.conflicts == 1, report
    with ctx.uow(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).where(OutboxOp.sent_at.is_(None))) == 0
    assert [c.kind for c in list_conflicts(ctx)] == ["invalid_op"]
    with hub.sessions() as h:  # the ticket queued after it is at the hub
        assert (
            h.scalar(
                select(HubChange.status).where(
                    HubChange.entity == "ticket", HubChange.entity_id == ticket.id
                )
            )
            == "applied"
        )
    assert PrintService(ctx).get_print(view.id, clerk) == pdf  # the centre keeps its paper


class PullsCut(httpx.BaseTransport):
    """HTTP to the hub process; once a pull page has brought slices of a print, the next pull never
    reaches the hub (the desk lost its network, or died, between two pages of one round)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.slices = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pull = request.url.path.endswith("/pull")
        if pull and self.slices:
            raise httpx.ConnectError("network down", request=request)
        resp = self.inner.handle_request(request)
        if pull:
            resp.read()
            self.slices += resp.content.count(b'"print_chunk"')
        return resp


def test_a_desk_cut_off_between_pull_pages_gets_the_papers_bytes_at_its_next_pull(
    tmp_path: Path, hubproc: Any
) -> None:
    """Another desk of the centre pulls a 3 MB print in slices, a few a page; the round is cut off
    after the first slices came: the next ordinary round completes the print and the desk reprints
    it byte for byte."""
    h, sessions = hubproc
    ctx, _device, _url = make_centre(tmp_path, h, sessions, "990101")
    assert SyncAgent(ctx).run_once().ok
    fresh = ServiceContext.for_url(f"sqlite:///{(tmp_path / 'desk.db').as_posix()}")
    with sessions.begin() as s:
        code = new_enrol_code(s, "990101", datetime.now(UTC))
    restore(fresh, h.url, code)  # the centre's second desk: its history, a device of its own
    pdf = b"%PDF-1.7\n" + os.urandom(SIZE)  # printed at the first desk, audited as every print
    print_id = PrintService(ctx).record_print(_clerk(ctx), "report", pdf).id
    assert SyncAgent(ctx).run_once().ok

    cut = PullsCut()
    report = SyncAgent(fresh, transport=cut, pull_limit=2).run_once()
    assert not report.ok and report.error_kind == "offline", report
    clerk = _clerk(fresh)
    with fresh.uow(read_only=True) as uow:  # the record came, its print not whole yet
        record = uow.session.get_one(PrintedDocument, print_id)
        assert len(record.content) == 0
    assert 0 < cut.slices < -(-(SIZE + 100) // CHUNK_BYTES)

    report = SyncAgent(fresh).run_once()
    assert report.ok, report
    assert PrintService(fresh).get_print(print_id, clerk) == pdf
    again = DocumentService(fresh).reprint(clerk, print_id, "申请人遗失")
    assert again.pdf == pdf
    with fresh.uow(read_only=True) as uow:  # nothing left waiting
        assert uow.session.scalar(select(func.count()).select_from(PulledChunk)) == 0
    ctx.close()
    fresh.close()
