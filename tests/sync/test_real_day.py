"""The real day under faults: a hub process and two centres' `onewindow sync --watch` processes are
killed (-9) and paused (SIGSTOP) at random moments while counters call tickets and take in cases,
the department accepts and decides at the hub and clerks hand results over. At the end the centres
and the hub agree record by record: one row per id, same state, nothing unsent, every decision back
exactly once, nothing under the wrong centre."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter as Tally
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.db.models import Case, CaseEvent, Centre, Counter, OutboxOp
from app.hub.models import HubCaseState, HubCentre, HubChange, HubRecord
from app.services.cases import CaseService
from app.services.centre import CentreService
from app.services.context import ServiceContext
from app.services.counter_dto import IntakeInput, MaterialInput
from app.services.intake import IntakeService
from app.services.queue import QueueService
from app.services.residents import ResidentInput, ResidentService
from app.services.setup import DEMO_PASSWORD
from app.sync.agent import SyncAgent
from tests.services.conftest import make_id
from tests.sync.conftest import assert_hub_mirrors, verify_in_sync
from tests.sync.test_counter_to_hub import FORM
from tests.sync.test_processes import HubProcess, make_centre

pytestmark = [pytest.mark.pg, pytest.mark.slow]

CHAOS_SECONDS = float(os.environ.get("ONEWINDOW_CHAOS_SECONDS", "15"))
SEED = int(os.environ.get("ONEWINDOW_CHAOS_SEED", str(random.randrange(10**6))))
FAST = ("--interval", "0.3")
MATERIALS = tuple(MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08"))


class AgentProcess:
    """`onewindow --db URL sync --watch` as a real process with a file keyring."""

    def __init__(self, url: str, env: dict[str, str], log: Path) -> None:
        self.url, self.env, self.log = url, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "--db", self.url, "sync", "--watch", *FAST],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None


class Window:
    """One centre's window: call a ticket, register a resident, take in a 低保 case, hand over
    whatever is 待领取 — the real services, as the counter calls them."""

    def __init__(self, ctx: ServiceContext, index: int) -> None:
        self.ctx, self.index, self.taken = ctx, index, 0
        self.clerk = CentreService(ctx).sign_in("clerk1", DEMO_PASSWORD)
        with ctx.uow(read_only=True) as uow:
            self.centre_id = uow.session.scalars(select(Centre.id)).one()
            self.counter_id = uow.session.scalars(
                select(Counter.id).where(Counter.number == 1)
            ).one()
        self.queue, self.cases = QueueService(ctx), CaseService(ctx)

    def take_in_one(self) -> None:
        ticket = self.queue.issue_ticket(self.centre_id, "minzheng_jiuzhu")
        assert self.queue.call_next(self.counter_id, self.clerk) is not None
        born = date(1950, 1, 1) + timedelta(days=self.taken * 3 + self.index)
        number = make_id(f"110101{born:%Y%m%d}{self.index}{self.taken % 100:02d}")
        resident = ResidentService(self.ctx).register(
            ResidentInput(number, f"居民{self.index}{self.taken}", phone="13800138000"), self.clerk
        )
        IntakeService(self.ctx).accept(
            IntakeInput(
                self.counter_id, resident.id, "MZ-001", FORM, MATERIALS, ticket_id=ticket.id
            ),
            self.clerk,
        )
        self.queue.finish(ticket.id, self.clerk)
        self.taken += 1

    def hand_over(self) -> int:
        ready = self.cases.ready_cases(self.clerk)
        for c in ready:
            self.cases.deliver(c.id, self.clerk, collected_by="applicant")
        return len(ready)


class Department:
    """民政 staff at the hub: accept what is routed, approve what is accepted; the hub may be down."""

    def __init__(self, url: str) -> None:
        self.url, self.auth = url, {}
        self.decided: Tally[str] = Tally()

    def work(self) -> int:
        """One pass; how many cases are still open for the department (-1: hub unreachable)."""
        try:
            if not self.auth:
                r = httpx.post(
                    f"{self.url}/api/v1/staff/login",
                    json={"username": "mz01", "password": "pw-mz01"},
                    timeout=3,
                )
                r.raise_for_status()
                self.auth = {"Authorization": f"Bearer {r.json()['token']}"}
            listed = httpx.get(f"{self.url}/api/v1/dept/cases", headers=self.auth, timeout=3)
            listed.raise_for_status()
            for case in listed.json():
                base = f"{self.url}/api/v1/dept/cases/{case['case_id']}"
                if case["status"] == "ROUTED":
                    httpx.post(f"{base}/accept", json={}, headers=self.auth, timeout=3)
                else:
                    r = httpx.post(
                        f"{base}/decision",
                        json={"decision": "approved"},
                        headers=self.auth,
                        timeout=3,
                    )
                    if r.status_code == 200:
                        self.decided[case["case_id"]] += 1
            return len(listed.json())
        except (httpx.HTTPError, KeyError, ValueError):
            return -1


def test_a_day_of_work_with_processes_killed_and_paused(
    tmp_path: Path, pg_url: str, memory_keyring: Any
) -> None:
    rnd = random.Random(SEED)
    print(f"chaos seed {SEED} (ONEWINDOW_CHAOS_SEED to replay)")
    from app.hub.admin import add_staff
    from app.hub.db import hub_engine, hub_sessions, upgrade

    engine = hub_engine(pg_url)
    upgrade(engine)
    sessions = hub_sessions(engine)
    with sessions.begin() as s:
        add_staff(s, "mz01", "民政审核员", "department", "pw-mz01", "民政")
    hub = HubProcess(pg_url)
    hub.start()
    agents: list[AgentProcess] = []
    try:
        run_the_day(tmp_path, rnd, hub, agents, sessions, memory_keyring)
    finally:  # never leave a process behind (it would hold the test database open)
        for a in agents:
            if a.proc is not None:
                a.proc.send_signal(signal.SIGCONT)
                a.kill()
        if hub.proc is not None:
            hub.proc.send_signal(signal.SIGCONT)
            hub.kill()
        engine.dispose()


def run_the_day(
    tmp_path: Path,
    rnd: random.Random,
    hub: HubProcess,
    agents: list[Any],
    sessions: Any,
    memory_keyring: Any,
) -> None:
    centres = []
    keyfile = tmp_path / "keyring.json"
    for i, code in enumerate(("310001", "310002")):
        ctx, device, url = make_centre(tmp_path, hub, sessions, code)
        centres.append((ctx, device, url, Window(ctx, i)))
    keyfile.write_text(json.dumps({f"{k[0]}|{k[1]}": v for k, v in memory_keyring.secrets.items()}))
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "tests.sync.harness.FileKeyring",
        "ONEWINDOW_TEST_KEYRING": str(keyfile),
        "ONEWINDOW_DATA_DIR": str(tmp_path / "data"),
    }
    agents += [
        AgentProcess(url, env, tmp_path / f"agent-{i}.log")
        for i, (_, _, url, _) in enumerate(centres)
    ]
    for a in agents:
        a.start()
    dept = Department(hub.url)
    stop_work, errors = threading.Event(), []

    def counter_loop(counter: Window) -> None:
        while not stop_work.is_set():
            try:
                counter.take_in_one()
                counter.hand_over()
            except Exception as exc:
                errors.append(repr(exc))
            stop_work.wait(rnd.uniform(0.1, 0.4))

    def department_loop() -> None:
        while not stop_work.is_set():
            dept.work()
            stop_work.wait(0.3)

    workers = [threading.Thread(target=counter_loop, args=(c[3],)) for c in centres]
    workers.append(threading.Thread(target=department_loop))
    for w in workers:
        w.start()

    # chaos: kill -9 or pause a process, then bring it back
    faults: Tally[str] = Tally()
    end = time.monotonic() + CHAOS_SECONDS
    try:
        while time.monotonic() < end:
            time.sleep(rnd.uniform(0.1, 0.5))
            name = rnd.choice(["hub", "agent0", "agent1"])
            target: Any = hub if name == "hub" else agents[int(name[-1])]
            if rnd.random() < 0.5:
                target.kill()
                time.sleep(rnd.uniform(0.0, 0.5))
                target.start()
                faults[f"{name} kill -9"] += 1
            else:
                target.proc.send_signal(signal.SIGSTOP)
                time.sleep(rnd.uniform(0.1, 1.0))
                target.proc.send_signal(signal.SIGCONT)
                faults[f"{name} SIGSTOP"] += 1
    finally:
        stop_work.set()
        for w in workers:
            w.join(30)
    print("faults:", dict(faults))
    assert not errors, errors[:3]

    # the rest of the day, no faults: every case decided and handed over ...
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        open_at_department = dept.work()
        # (listing the 待领取 cases writes an audit record, `cases_listed`, every time: so the
        # outbox is never empty right after it, and the clerks stop once nothing is left to hand)
        handed = sum(c[3].hand_over() for c in centres)
        if open_at_department == 0 and handed == 0 and not any(open_cases(c[0]) for c in centres):
            break
        time.sleep(0.5)
    # ... then, with nobody working any more, the agents send what is left (the last listing's
    # audit record included) before they are stopped
    while time.monotonic() < deadline + 20 and not all(settled(c[0]) for c in centres):
        time.sleep(0.2)
    for a in agents:
        a.proc.send_signal(signal.SIGTERM)
        a.proc.wait(10)
        a.proc = None
    hub_alive = httpx.get(f"{hub.url}/health", timeout=3).status_code == 200
    assert hub_alive
    for ctx, *_ in centres:  # a last round in-process: nothing left to send
        with ctx.uow(read_only=True) as uow:
            left = uow.session.execute(
                select(OutboxOp.entity, OutboxOp.payload).where(OutboxOp.sent_at.is_(None))
            ).all()
        report = SyncAgent(ctx).run_once()
        assert report.ok and report.pushed == 0, [(e, p.get("action")) for e, p in left]
    try:
        compare(centres, sessions, dept)
    finally:
        for ctx, *_ in centres:
            ctx.close()


def open_cases(ctx: ServiceContext) -> int:
    with ctx.uow(read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).where(Case.status != "DELIVERED")) or 0)


def settled(ctx: ServiceContext) -> bool:
    with ctx.uow(read_only=True) as uow:
        unsent = uow.session.scalar(select(func.count()).where(OutboxOp.sent_at.is_(None)))
    return unsent == 0 and open_cases(ctx) == 0


def compare(centres: list[Any], sessions: Any, dept: Department) -> None:
    total = 0
    for ctx, device, _url, counter in centres:
        assert counter.taken >= 3, "the counters took in too little to prove anything"
        assert settled(ctx), "work left unsent or undelivered after the faults stopped"
        verify_in_sync(ctx, sessions, device)  # every op at the hub exactly once, same content
        total += assert_hub_mirrors(ctx, sessions)  # one hub row per record, equal to ours
        with ctx.uow(read_only=True) as uow:
            s = uow.session
            code = s.scalars(select(Centre.code)).one()
            cases = {c.id: c.status for c in s.scalars(select(Case))}
            events = Tally((e.case_id, e.event_type) for e in s.scalars(select(CaseEvent)))
            local_ids = {eid for (eid,) in s.execute(select(OutboxOp.entity_id))}
        assert len(cases) == counter.taken
        for case_id in cases:  # every decision back exactly once, then handed over once
            for kind in ("RECEIVE", "DEPARTMENT_ACCEPT", "APPROVE", "NOTIFY_READY", "DELIVER"):
                assert events[(case_id, kind)] == 1, (case_id, kind, events)
        with sessions() as h:
            centre_id = h.scalars(select(HubCentre.id).where(HubCentre.code == code)).one()
            states = {
                st.case_id: st.status
                for st in h.scalars(select(HubCaseState).where(HubCaseState.case_id.in_(cases)))
            }
            owners = set(
                h.scalars(
                    select(HubRecord.centre_id).where(HubRecord.entity_id.in_(local_ids)).distinct()
                )
            )
            decisions = Tally(
                str(p["case_id"])
                for p in h.scalars(
                    select(HubChange.payload).where(
                        HubChange.op == "event", HubChange.centre_id == centre_id
                    )
                )
                if p.get("event_type") == "APPROVE"
            )
        assert states == {c: "DELIVERED" for c in cases}  # same state at the hub
        assert owners == {centre_id}  # nothing under the wrong centre
        assert decisions == {str(c): 1 for c in cases}  # each decision made once at the hub
    assert total > 0
    assert all(n == 1 for n in dept.decided.values())
