"""A centre's push batches follow what the hub announces: this hub's size, the base size for a hub
that announces none, never more than either side takes; every op arrives once whatever the size."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from app.db.models import OutboxOp
from app.sync import protocol as P
from app.sync.agent import SyncAgent
from app.sync.enrol import current_enrolment
from tests.sync.conftest import HubHarness, verify_in_sync
from tests.sync.harness import WorkMaker


class Announcing(httpx.BaseTransport):
    """The hub in-process, answering with `announce` as its batch limit (None: a hub from before
    the limit was announced), counting the ops of every push it is sent (a batch that arrived
    before the one it follows is sent again: it is counted once)."""

    def __init__(self, inner: httpx.BaseTransport, announce: str | None) -> None:
        self.inner, self.announce = inner, announce
        self.sent: dict[int, int] = {}  # first seq of a batch -> its ops

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/push":
            ops = json.loads(gzip.decompress(request.read()))["ops"]
            self.sent[ops[0]["seq"]] = len(ops)
        answer = self.inner.handle_request(request)
        body = answer.read()
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() != "content-encoding"]
        headers = [(k, v) for k, v in headers if k.lower() != P.H_BATCH_LIMIT.lower()]
        if self.announce is not None:
            headers.append((P.H_BATCH_LIMIT, self.announce))
        return httpx.Response(answer.status_code, headers=headers, content=body)

    @property
    def batches(self) -> list[int]:
        return list(self.sent.values())


def _backlog(ctx: Any, ops: int) -> int:
    """At least `ops` ops queued (a few days of a busy counter); how many there are."""
    from sqlalchemy import func, select

    maker = WorkMaker(ctx, seed=7)
    while True:
        maker.days(1, tickets=400, cases=120, events_per_case=3)
        with ctx.uow(read_only=True) as uow:
            n = uow.session.scalar(select(func.count()).select_from(OutboxOp))
        if n >= ops:
            return int(n)


def test_this_hub_takes_large_batches(
    hub: HubHarness, centre_factory: Callable[..., tuple[Any, SyncAgent]]
) -> None:
    spy = Announcing(hub.transport, f"{P.MAX_BATCH_OPS} {P.MAX_BATCH_BYTES}")
    ctx, _ = centre_factory()
    queued = _backlog(ctx, P.MAX_BATCH_OPS + P.BASE_BATCH_OPS)
    report = SyncAgent(ctx, transport=spy).run_once()
    assert report.ok and report.pushed == queued
    # two batches go at once (in either order): full ones and the rest
    assert max(spy.batches) == P.MAX_BATCH_OPS and sum(spy.batches) == queued, spy.batches
    assert verify_in_sync(ctx, hub.sessions, _device(ctx)) == queued


def test_a_hub_that_announces_nothing_gets_the_base_size(
    hub: HubHarness, centre_factory: Callable[..., tuple[Any, SyncAgent]]
) -> None:
    spy = Announcing(hub.transport, None)  # a hub from before the limit was announced
    ctx, _ = centre_factory()
    queued = _backlog(ctx, 2 * P.BASE_BATCH_OPS + 1)
    assert SyncAgent(ctx, transport=spy).run_once().pushed == queued
    assert max(spy.batches) == P.BASE_BATCH_OPS and sum(spy.batches) == queued
    assert verify_in_sync(ctx, hub.sessions, _device(ctx)) == queued


def test_the_smaller_of_the_hubs_and_the_centres_limits_wins(
    hub: HubHarness, centre_factory: Callable[..., tuple[Any, SyncAgent]]
) -> None:
    for n, (announce, agent_ops, largest) in enumerate(
        (
            ("120 4000000", P.MAX_BATCH_OPS, 120),  # a hub that takes less
            ("999999999 999999999999", P.MAX_BATCH_OPS, P.MAX_BATCH_OPS),  # never above ours
            (f"{P.MAX_BATCH_OPS} {P.MAX_BATCH_BYTES}", 300, 300),  # an agent set smaller
            ("garbage", P.MAX_BATCH_OPS, P.BASE_BATCH_OPS),
        )
    ):
        spy = Announcing(hub.transport, announce)
        ctx, _ = centre_factory(f"99020{n}")  # one centre each
        queued = _backlog(ctx, P.MAX_BATCH_OPS + 1)
        report = SyncAgent(ctx, transport=spy, batch_ops=agent_ops).run_once()
        assert report.ok and report.pushed == queued, (announce, report.error)
        assert max(spy.batches) == largest, (announce, spy.batches)
        assert verify_in_sync(ctx, hub.sessions, _device(ctx)) == queued


def test_a_hub_that_takes_few_bytes_gets_small_batches(
    hub: HubHarness, centre_factory: Callable[..., tuple[Any, SyncAgent]]
) -> None:
    spy = Announcing(hub.transport, f"{P.MAX_BATCH_OPS} 20000")
    ctx, _ = centre_factory()
    queued = _backlog(ctx, 600)
    assert SyncAgent(ctx, transport=spy).run_once().pushed == queued
    assert 1 < max(spy.batches) < 100 and sum(spy.batches) == queued


@given(st.one_of(st.none(), st.text(max_size=40), st.tuples(st.integers(), st.integers())))
def test_any_announcement_gives_a_usable_limit(announced: Any) -> None:
    text = " ".join(map(str, announced)) if isinstance(announced, tuple) else announced
    ops, size = P.batch_limit(text)
    assert 1 <= ops <= P.MAX_BATCH_OPS and 1 <= size <= P.MAX_BATCH_BYTES


def _device(ctx: Any) -> Any:
    enrolment = current_enrolment(ctx)
    assert enrolment is not None
    return enrolment.device_id


def test_the_hub_announces_its_limit_on_every_answer(hub: HubHarness) -> None:
    with httpx.Client(transport=hub.transport, base_url="http://hub.test") as http:
        answers = [
            http.get("/health"),
            http.post("/api/v1/push", content=b"{}"),  # no token: 401, announced all the same
            http.post("/api/v1/heartbeat", content=b"x" * (P.MAX_BODY_BYTES + 1)),  # 413
        ]
    assert [a.status_code for a in answers] == [200, 401, 413]
    for a in answers:
        assert P.batch_limit(a.headers[P.H_BATCH_LIMIT]) == (P.MAX_BATCH_OPS, P.MAX_BATCH_BYTES)
