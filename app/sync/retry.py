"""When the sync agent tries again after a failed round: exponential back-off with full jitter, a cap,
and the hub's Retry-After honoured (tenacity), so centres back from an outage do not return in step."""

from __future__ import annotations

import email.utils
import logging
from datetime import UTC, datetime
from typing import Protocol

import tenacity

log = logging.getLogger(__name__)

FIRST_WINDOW = 5.0  # seconds: the first retry comes within this
CAP = 300.0  # the window never widens past five minutes


class Round(Protocol):
    """What the retry schedule needs of a sync round's report."""

    @property
    def ok(self) -> bool: ...

    @property
    def error(self) -> str: ...

    @property
    def retry_after(self) -> float | None: ...


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), 86_400))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class wait_hub_or_jitter(tenacity.wait.wait_base):
    """Full jitter (uniform over 0 … min(cap, first × 2^(n-1))); when the hub said Retry-After, that
    long first and the jittered wait on top, so centres told the same time still spread out."""

    def __init__(self, first: float = FIRST_WINDOW, cap: float = CAP) -> None:
        self.jitter = tenacity.wait_random_exponential(multiplier=first, max=cap)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        delay = float(self.jitter(retry_state))
        outcome = retry_state.outcome
        if outcome is not None and not outcome.failed:
            asked = getattr(outcome.result(), "retry_after", None)
            if asked:
                return float(asked) + delay
        return delay


class RetrySchedule:
    """When the next sync round is due, after each round's report: the normal interval after a
    success; after the n-th failure in a row tenacity's full-jitter exponential wait (uniform over
    0 … min(cap, first × 2^(n-1))), never before the hub's Retry-After. One schedule drives both
    `onewindow sync --watch` (SyncAgent.run_forever) and the GUI's timer (SyncService.run_round
    sets the report's `next_round_in`), so a hall of counters back from an outage spreads out."""

    def __init__(self, interval: float, first: float = FIRST_WINDOW, cap: float = CAP) -> None:
        self.interval = interval
        self.failures = 0
        self._wait = wait_hub_or_jitter(min(first, interval), cap)
        self._retrying = tenacity.Retrying()  # only to hold the state tenacity's waits read

    def after(self, report: Round) -> float:
        """Seconds until the next round, given the round just done."""
        if report.ok:
            self.failures = 0
            return self.interval
        self.failures += 1
        state = tenacity.RetryCallState(self._retrying, None, (), {})
        state.attempt_number = self.failures
        state.set_result(report)
        delay = float(self._wait(state))
        log.warning("sync failed (%s); next try in %.1f s", report.error, delay)
        return delay
