"""When the sync agent tries again after a failed round: exponential back-off with full jitter, a cap,
and the hub's Retry-After honoured (tenacity), so centres back from an outage do not return in step."""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import tenacity

log = logging.getLogger(__name__)

FIRST_WINDOW = 5.0  # seconds: the first retry comes within this
CAP = 300.0  # the window never widens past five minutes


class Round(Protocol):
    """What the retry schedule needs of a sync round's report."""

    ok: bool
    error: str
    retry_after: float | None


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


def retrying(
    stop: Callable[[], bool],
    sleep: Callable[[float], object],
    first: float = FIRST_WINDOW,
    cap: float = CAP,
) -> tenacity.Retrying:
    """Calls a round until it succeeds (or `stop()`), waiting with `sleep` between failures; the
    last round's report is returned either way."""

    def warn(state: tenacity.RetryCallState) -> None:
        report = state.outcome.result() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        log.warning("sync failed (%s); next try in %.1f s", getattr(report, "error", ""), wait)

    def pause(seconds: float) -> None:
        sleep(seconds)

    return tenacity.Retrying(
        retry=tenacity.retry_if_result(lambda report: not report.ok),
        wait=wait_hub_or_jitter(first, cap),
        stop=lambda _state: stop(),
        sleep=pause,
        before_sleep=warn,
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
