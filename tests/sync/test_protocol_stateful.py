"""Hypothesis drives work, syncs and decisions over a transport that drops, duplicates, reorders and loses
responses after the hub committed; in the end every op is at the hub exactly once, same content both sides,
and cursors only ever moved forward."""

from __future__ import annotations

import shutil
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, select, update

from app.db.models import AuditRecord, CaseEvent, Counter, OutboxOp, SyncState
from app.hub import departments
from app.hub.models import HubCaseState, HubChange, HubDevice, HubStaff
from app.services.context import ServiceContext
from app.services.setup import WINDOWS_QUEUED, send_windows_once
from app.sync.agent import SyncAgent
from app.sync.enrol import enrol
from tests.sync.conftest import verify_in_sync
from tests.sync.harness import WorkMaker, new_centre

pytestmark = pytest.mark.pg

FAULTS = ["ok", "drop", "lose_response", "duplicate", "delay", "replay_old"]


class FaultyTransport(httpx.BaseTransport):
    """Wraps the in-process hub; each request takes the next planned fault."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.plan: deque[str] = deque()
        self.history: list[httpx.Request] = []
        self.delayed: list[httpx.Request] = []

    def _copy(self, r: httpx.Request) -> httpx.Request:
        return httpx.Request(r.method, r.url, headers=r.headers, content=r.content)

    def _send(self, r: httpx.Request) -> httpx.Response:
        resp = self.inner.handle_request(self._copy(r))
        resp.read()
        return resp

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        fault = self.plan.popleft() if self.plan else "ok"
        self.history.append(self._copy(request))
        if fault == "drop":
            raise httpx.ConnectError("dropped", request=request)
        if fault == "delay":  # held back: the client sees a timeout, the hub gets it later
            self.delayed.append(self._copy(request))
            raise httpx.ReadTimeout("delayed", request=request)
        if fault == "replay_old" and len(self.history) > 1:
            self._send(self.history[-2])  # an old copy arrives first, out of order
        resp = self._send(request)
        while self.delayed:  # held-back requests arrive after a newer one
            self._send(self.delayed.pop(0))
        if fault == "duplicate":
            resp = self._send(request)
        if fault == "lose_response":  # the hub committed; the answer never comes back
            raise httpx.ReadTimeout("response lost", request=request)
        return resp


def test_protocol_survives_a_hostile_network(hub: Any, tmp_path: Path) -> None:
    template = tmp_path / "template.db"
    tctx = new_centre(f"sqlite:///{template.as_posix()}", "200000")
    tctx.close()
    counter = iter(range(10_000))

    class Machine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            n = next(counter)
            path = tmp_path / f"c{n}.db"
            shutil.copy(template, path)
            self.ctx = ServiceContext.for_url(f"sqlite:///{path.as_posix()}")
            with self.ctx.uow() as uow:  # a copied database: its windows need ids of their own
                s = uow.session  # (and its accounts are the template's: their references stay)
                s.execute(delete(OutboxOp).where(OutboxOp.entity.in_(("counter", "account_ref"))))
                s.execute(delete(AuditRecord).where(AuditRecord.action == WINDOWS_QUEUED))
                for wid in list(s.scalars(select(Counter.id))):
                    s.execute(update(Counter).where(Counter.id == wid).values(id=uuid.uuid4()))
            send_windows_once(self.ctx)
            self.code = f"2{n:05d}"
            resp = enrol(self.ctx, "http://hub.test", hub.code(self.code), transport=hub.transport)
            self.device_id = resp.device_id
            self.net = FaultyTransport(hub.transport)
            self.agent = SyncAgent(self.ctx, transport=self.net, batch_ops=9, pull_limit=4)
            self.maker = WorkMaker(self.ctx, seed=n)
            self.cursor = 0

        @rule(tickets=st.integers(0, 6), cases=st.integers(0, 3), events=st.integers(1, 3))
        def work(self, tickets: int, cases: int, events: int) -> None:
            self.maker.day(datetime.now(UTC), tickets, cases, events)

        @rule(faults=st.lists(st.sampled_from(FAULTS), max_size=6))
        def network(self, faults: list[str]) -> None:
            self.net.plan.extend(faults)

        @rule()
        def sync(self) -> None:
            self.agent.run_once()

        @rule(
            decision=st.sampled_from(["approved", "denied", "approved_deferred"]),
            pick=st.integers(0, 10),
        )
        def department_decides(self, decision: str, pick: int) -> None:
            with hub.sessions.begin() as s:
                centre = s.get_one(HubDevice, self.device_id).centre_id
                routed = s.scalars(
                    select(HubCaseState)
                    .where(
                        HubCaseState.centre_id == centre,
                        HubCaseState.status.in_(departments.OPEN_FOR_DEPARTMENT),
                    )
                    .order_by(HubCaseState.case_id)
                ).all()
                if not routed:
                    return
                st_ = routed[pick % len(routed)]
                staff = HubStaff(
                    username="dept",
                    display_name="审批员",
                    department=st_.department,
                    role="department",
                )
                departments.decide(
                    s,
                    staff,
                    st_.case_id,
                    decision,
                    "材料不全" if decision == "denied" else "",
                    ["身份证复印件"] if decision == "approved_deferred" else [],
                    datetime.now(UTC),
                )

        @invariant()
        def cursor_only_forward(self) -> None:
            with self.ctx.uow(read_only=True) as uow:
                cursor = uow.session.scalars(select(SyncState.pull_cursor)).one()
            assert cursor >= self.cursor
            self.cursor = cursor

        def teardown(self) -> None:
            try:
                self.net.plan.clear()
                for _ in range(4):
                    report = self.agent.run_once()
                assert report.ok, report.error
                self.check()
            finally:
                self.ctx.close()

        def check(self) -> None:
            verify_in_sync(self.ctx, hub.sessions, self.device_id)
            with self.ctx.uow(read_only=True) as uow:
                dept_local = set(
                    uow.session.scalars(
                        select(CaseEvent.id).where(CaseEvent.origin == "department")
                    )
                )
            with hub.sessions() as h:
                centre = h.get_one(HubDevice, self.device_id).centre_id
                dept_hub = set(
                    h.scalars(
                        select(HubChange.entity_id).where(
                            HubChange.centre_id == centre,
                            HubChange.entity == "case_event",
                            HubChange.origin_device_id.is_(None),
                        )
                    )
                )
            assert dept_hub == dept_local  # every department decision reached the counter

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=30,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
