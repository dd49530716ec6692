"""The one helper for background work: run a service call off the GUI thread, deliver the result on it.

    BackgroundOp(lambda: services.search(q)).success(model.set_rows).failure(show_error).run()

Tests call `BackgroundOp.run_inline(True)` so operations run at once on the calling thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

T = TypeVar("T")
log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries the outcome back to the GUI thread through queued signals."""

    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # delivered to the failure handler on the GUI thread
            self.relay.failed.emit(exc)
        else:
            self.relay.done.emit(result)


class BackgroundOp(Generic[T]):
    _inline: ClassVar[bool] = False
    _pending: ClassVar[set[_Relay]] = set()

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._on_success: Callable[[T], None] = lambda _r: None
        self._on_failure: Callable[[Exception], None] = _log_failure

    @classmethod
    def run_inline(cls, inline: bool) -> None:
        cls._inline = inline

    def success(self, fn: Callable[[T], None]) -> BackgroundOp[T]:
        self._on_success = fn
        return self

    def failure(self, fn: Callable[[Exception], None]) -> BackgroundOp[T]:
        self._on_failure = fn
        return self

    def run(self) -> None:
        if self._inline:
            try:
                result = self._fn()
            except Exception as exc:
                self._on_failure(exc)
            else:
                self._on_success(result)
            return
        relay = _Relay()
        self._pending.add(relay)

        def finished(outcome: Any, handler: Callable[[Any], None]) -> None:
            self._pending.discard(relay)
            handler(outcome)

        relay.done.connect(lambda r: finished(r, self._on_success))
        relay.failed.connect(lambda e: finished(e, self._on_failure))
        QThreadPool.globalInstance().start(_Job(self._fn, relay))

    @classmethod
    def wait_all(cls, msecs: int = 30000) -> bool:
        return QThreadPool.globalInstance().waitForDone(msecs)


def _log_failure(exc: Exception) -> None:
    log.error("background operation failed: %s", type(exc).__name__)
