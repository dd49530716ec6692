"""Real processes: a uvicorn hub on a loopback port killed mid-batch, centres killed around the push,
30 days offline, two centres at once. Every op arrives exactly once; cursors only move forward."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db.models import SyncState
from app.hub.admin import new_enrol_code
from app.hub.db import hub_engine, hub_sessions, upgrade
from app.hub.models import HubChange, HubConflict
from app.services.context import ServiceContext
from app.sync.agent import SyncAgent
from app.sync.enrol import enrol
from tests.sync.conftest import verify_in_sync
from tests.sync.harness import WorkMaker, free_port, new_centre, start_hub_process

pytestmark = [pytest.mark.pg, pytest.mark.slow]


class HubProcess:
    def __init__(self, db: str) -> None:
        self.db, self.port = db, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = start_hub_process(self.db, self.port)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def hubproc(pg_url: str) -> Iterator[tuple[HubProcess, Any]]:
    engine = hub_engine(pg_url)
    upgrade(engine)
    h = HubProcess(pg_url)
    h.start()
    yield h, hub_sessions(engine)
    h.kill()
    engine.dispose()


def make_centre(
    tmp_path: Path, h: HubProcess, sessions: Any, code: str
) -> tuple[ServiceContext, Any, str]:
    url = f"sqlite:///{(tmp_path / f'{code}.db').as_posix()}"
    ctx = new_centre(url, code)
    with sessions.begin() as s:
        enrol_code = new_enrol_code(
            s, code, __import__("datetime").datetime.now(__import__("datetime").UTC)
        )
    resp = enrol(ctx, h.url, enrol_code)
    return ctx, resp.device_id, url


def cursor(ctx: ServiceContext) -> int:
    with ctx.uow(read_only=True) as uow:
        return int(uow.session.scalars(select(SyncState.pull_cursor)).one())


def test_hub_killed_mid_batch(tmp_path: Path, hubproc: Any) -> None:
    h, sessions = hubproc
    ctx, device, _ = make_centre(tmp_path, h, sessions, "300001")
    WorkMaker(ctx).days(6, tickets=100, cases=60, events_per_case=5)
    agent = SyncAgent(ctx, batch_ops=200)
    interrupted = 0
    for _ in range(2):
        reports: list[Any] = []
        with sessions() as s:
            before = s.scalar(select(func.count()).select_from(HubChange))
        t = threading.Thread(target=lambda out=reports: out.append(agent.run_once()))
        t.start()
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
        ):  # kill as soon as one batch landed: the next is in flight
            with sessions() as s:
                if s.scalar(select(func.count()).select_from(HubChange)) > before:
                    break
            time.sleep(0.005)
        h.kill()
        t.join(60)
        interrupted += not reports[0].ok
        h.start()
    assert interrupted >= 1
    before = cursor(ctx)
    report = agent.run_once()
    assert report.ok, report.error
    assert cursor(ctx) >= before
    verify_in_sync(ctx, sessions, device)
    ctx.close()


CHILD = """
import os, sys
from app.sync import client as C
mode = sys.argv[2]
original = C.HubClient.push_raw
def push_raw(self, ops, after=None):
    if mode == "before_push":
        os._exit(9)
    original(self, ops, after)
    os._exit(9)  # the hub committed; we die before marking anything sent
C.HubClient.push_raw = push_raw
from app.services.context import ServiceContext
from app.sync.agent import SyncAgent
SyncAgent(ServiceContext.for_url(sys.argv[1])).run_once()
"""


@pytest.mark.parametrize("mode", ["before_push", "after_push_before_ack"])
def test_centre_killed_around_the_push(
    tmp_path: Path, hubproc: Any, memory_keyring: Any, mode: str
) -> None:
    h, sessions = hubproc
    ctx, device, url = make_centre(tmp_path, h, sessions, "300002")
    WorkMaker(ctx).days(2, tickets=30, cases=10, events_per_case=3)
    keyfile = tmp_path / "keyring.json"
    keyfile.write_text(
        # every secret under its own service: the device token, and the audit key the hub knows
        json.dumps({f"{k[0]}|{k[1]}": v for k, v in memory_keyring.secrets.items()})
    )
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "tests.sync.harness.FileKeyring",
        "ONEWINDOW_TEST_KEYRING": str(keyfile),
    }
    child = subprocess.run([sys.executable, "-c", CHILD, url, mode], env=env, timeout=60)
    assert child.returncode == 9
    report = SyncAgent(ctx).run_once()
    assert report.ok, report.error
    verify_in_sync(ctx, sessions, device)
    with sessions() as hs:  # the child sealed with the centre's own key: nothing to report
        assert hs.execute(select(HubConflict.kind, HubConflict.message)).all() == []
    ctx.close()


def test_thirty_days_offline_then_two_centres_at_once(tmp_path: Path, hubproc: Any) -> None:
    h, sessions = hubproc
    a, dev_a, _ = make_centre(tmp_path, h, sessions, "300003")
    b, dev_b, _ = make_centre(tmp_path, h, sessions, "300004")
    WorkMaker(a, seed=1).days(30, tickets=30, cases=12, events_per_case=4)
    WorkMaker(b, seed=2).days(30, tickets=30, cases=12, events_per_case=4)
    agents = [SyncAgent(a), SyncAgent(b)]
    reports: list[Any] = []
    threads = [
        threading.Thread(target=lambda ag=ag: reports.append(ag.run_once())) for ag in agents
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(r.ok for r in reports), [r.error for r in reports]
    assert verify_in_sync(a, sessions, dev_a) == verify_in_sync(b, sessions, dev_b) > 30 * 100
    for ctx in (a, b):
        ctx.close()
