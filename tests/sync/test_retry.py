"""The agent's retry schedule, with a fake sleep: full jitter within a widening window, a cap, the
hub's Retry-After honoured, and centres failing together do not come back together."""

from __future__ import annotations

import random
import statistics
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from app.sync.agent import SyncAgent, SyncReport
from app.sync.retry import CAP, FIRST_WINDOW, parse_retry_after


def run_schedule(rounds: list[SyncReport]) -> list[float]:
    """Drive `run_forever` over scripted rounds; returns every wait it asked for."""
    agent = SyncAgent.__new__(SyncAgent)  # only run_once is used, scripted below
    stop = threading.Event()
    script = iter(rounds)
    waits: list[float] = []

    def run_once() -> SyncReport:
        report = next(script, None)
        if report is None:
            stop.set()
            return SyncReport(ok=True)
        return report

    agent.run_once = run_once  # type: ignore[method-assign]
    agent.run_forever(30.0, stop, sleep=waits.append)
    return waits


def failed(retry_after: float | None = None) -> SyncReport:
    return SyncReport(
        ok=False, error="区级平台暂时出错（503）", error_kind="server", retry_after=retry_after
    )


def test_failures_wait_within_a_widening_capped_window_then_the_interval() -> None:
    random.seed(11)
    waits = run_schedule([failed() for _ in range(12)] + [SyncReport(ok=True)])
    backoff, after = waits[:12], waits[12:]
    for n, wait in enumerate(backoff, start=1):
        assert 0 <= wait <= min(CAP, FIRST_WINDOW * 2 ** (n - 1)), (n, wait)
    assert max(backoff[-4:]) > FIRST_WINDOW * 4  # the window did widen
    assert after[0] == 30.0  # back to the normal interval after a success


def test_retry_after_is_honoured_and_jittered_on_top() -> None:
    random.seed(3)
    waits = run_schedule([failed(retry_after=120.0), failed(), SyncReport(ok=True)])
    assert 120.0 <= waits[0] <= 120.0 + FIRST_WINDOW
    assert waits[1] <= FIRST_WINDOW * 2


def test_two_hundred_centres_failing_together_spread_out() -> None:
    random.seed(5)
    firsts, thirds = [], []
    for _ in range(200):
        waits = run_schedule([failed(), failed(), failed(), SyncReport(ok=True)])
        firsts.append(waits[0])
        thirds.append(waits[2])
    assert len({round(w, 3) for w in firsts}) > 190  # not in step
    assert statistics.pstdev(thirds) > FIRST_WINDOW  # the third retries spread over ~20 s
    assert max(thirds) <= FIRST_WINDOW * 4


def test_retry_after_header_forms() -> None:
    now = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    assert parse_retry_after("15", now) == 15.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90.0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None
    assert parse_retry_after("99999999", now) == 86_400.0


def test_a_503_with_retry_after_reaches_the_report(monkeypatch: Any) -> None:
    import httpx

    from app.sync.client import HubClient, SyncError

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"detail": "忙"}, headers={"Retry-After": "42"})

    client = HubClient("http://hub.test", "t", transport=httpx.MockTransport(answer))
    try:
        client.pull(0)
    except SyncError as exc:
        assert exc.kind == "server" and exc.retry_after == 42.0
    else:
        raise AssertionError("a 503 must raise")


class ScriptedAgent:
    """Rounds as scripted, for the service's schedule."""

    def __init__(self, rounds: list[SyncReport]) -> None:
        self.rounds = rounds

    def run_once(self) -> SyncReport:
        return self.rounds.pop(0)


def test_the_guis_rounds_follow_the_same_back_off() -> None:
    """`SyncService.run_round` (the GUI's timer and Ctrl+S) says when the next round is due: within
    the widening, capped full-jitter window after failures, never before Retry-After, the minute
    after a success."""
    from app.services.sync import ROUND_INTERVAL, SyncService

    random.seed(5)
    service = SyncService.__new__(SyncService)
    SyncService.__init__(service, None)  # type: ignore[arg-type]  # the agent is scripted below
    rounds = [failed() for _ in range(10)] + [failed(retry_after=120.0), SyncReport(ok=True)]
    service._agent = ScriptedAgent(rounds)  # type: ignore[assignment]
    waits = [service.run_round().next_round_in for _ in range(12)]
    assert all(w is not None for w in waits)
    backoff = [float(w) for w in waits[:10] if w is not None]
    for n, wait in enumerate(backoff, start=1):
        assert 0 <= wait <= min(CAP, FIRST_WINDOW * 2 ** (n - 1)), (n, wait)
    assert max(backoff[-4:]) > FIRST_WINDOW * 4
    assert waits[10] is not None and waits[10] >= 120.0  # the hub's Retry-After first
    assert waits[11] == ROUND_INTERVAL


def test_centres_failing_together_spread_out_in_the_gui_too() -> None:
    """Two hundred counters whose rounds failed at the same moment are not due again together."""
    from app.services.sync import SyncService

    random.seed(9)
    firsts = []
    for _ in range(200):
        service = SyncService.__new__(SyncService)
        SyncService.__init__(service, None)  # type: ignore[arg-type]
        service._agent = ScriptedAgent([failed() for _ in range(6)])  # type: ignore[assignment]
        firsts.append([service.run_round().next_round_in for _ in range(6)][-1])
    assert len({round(float(w or 0), 1) for w in firsts}) > 150
