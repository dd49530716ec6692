"""Background work the Anki way: service calls run off the GUI thread, results come back on it.

    BackgroundOp(lambda: services.cases.find(user, text), parent=self).success(self._show).run()

- Two lanes. `Lane.DB` has one worker, so database operations run one after another in the
  order they were asked for (no two desks' worth of writes racing inside one desktop);
  `Lane.NETWORK` has a few, for calls that wait on the hub.
- A callback is tied to a widget: the `parent` given, else the QObject a bound-method callback
  belongs to or a lambda captured. When that widget has been deleted by the time the result arrives, the callback
  is dropped instead of touching a dead C++ object.
- `.latest(token)`: of several operations issued with one RequestToken, only the newest one's
  outcome is delivered, so an older search can never replace a newer one.
- A failure without a handler of its own reaches the user as a Chinese message and the log
  (`report_exception`); `install_excepthook()` does the same for an exception in any slot.

Tests call `BackgroundOp.run_inline(True)` so operations run at once on the calling thread.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from enum import Enum
from types import TracebackType
from typing import Any, ClassVar, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.services.types import DomainError
from ui.i18n import tr

T = TypeVar("T")
log = logging.getLogger(__name__)


class Lane(Enum):
    """Where a background operation runs: the database lane (one worker) or the network lane."""

    DB = 1  # one worker: database operations in order
    NETWORK = 4  # waits on the hub; a few at once

    def pool(self) -> QThreadPool:
        pool = _POOLS.get(self)
        if pool is None:
            pool = _POOLS[self] = QThreadPool()
            pool.setMaxThreadCount(self.value)
        return pool


_POOLS: dict[Lane, QThreadPool] = {}


class RequestToken:
    """Numbers the operations of one kind (a search box's searches); only the newest counts."""

    def __init__(self) -> None:
        self.issued = 0
        self.settled = 0

    def issue(self) -> int:
        self.issued += 1
        return self.issued

    def is_current(self, ticket: int) -> bool:
        return ticket == self.issued

    def settle(self, ticket: int) -> None:
        self.settled = max(self.settled, ticket)

    @property
    def pending(self) -> bool:
        """True while the newest operation's outcome has not arrived yet."""
        return self.settled < self.issued


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


def _owner(fn: Callable[..., Any]) -> QObject | None:
    """The QObject a callback belongs to: a bound method's object, else the first QObject a
    lambda or closure captured (`lambda r: self._show(r)` belongs to `self`)."""
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, QObject):
        return owner
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(value, QObject):
            return value
    return None


def _alive(obj: QObject | None) -> bool:
    return obj is None or shiboken6.isValid(obj)


class BackgroundOp(Generic[T]):
    """One service call off the GUI thread; see the module docstring."""

    _inline: ClassVar[bool] = False
    _pending: ClassVar[set[_Relay]] = set()
    _settled: ClassVar[list[Callable[[], None]]] = []  # run once nothing is pending

    def __init__(
        self, fn: Callable[[], T], *, parent: QObject | None = None, lane: Lane = Lane.DB
    ) -> None:
        self._fn = fn
        self._parent = parent
        self._lane = lane
        self._token: RequestToken | None = None
        self._on_success: Callable[[T], None] = lambda _r: None
        self._on_failure: Callable[[Exception], None] = report_exception

    @classmethod
    def run_inline(cls, inline: bool) -> None:
        cls._inline = inline

    def success(self, fn: Callable[[T], None]) -> BackgroundOp[T]:
        self._on_success = fn
        return self

    def failure(self, fn: Callable[[Exception], None]) -> BackgroundOp[T]:
        self._on_failure = fn
        return self

    def latest(self, token: RequestToken) -> BackgroundOp[T]:
        """Deliver this operation's outcome only if no newer one was issued with `token`."""
        self._token = token
        return self

    def run(self) -> None:
        ticket = self._token.issue() if self._token is not None else 0
        if self._inline:
            try:
                result = self._fn()
            except Exception as exc:
                self._deliver(ticket, self._on_failure, exc)
            else:
                self._deliver(ticket, self._on_success, result)
            return
        relay = _Relay()
        self._pending.add(relay)

        def finished(outcome: Any, handler: Callable[[Any], None]) -> None:
            self._pending.discard(relay)
            self._deliver(ticket, handler, outcome)
            if not self._pending:
                waiting, BackgroundOp._settled = BackgroundOp._settled, []
                for fn in waiting:
                    fn()

        relay.done.connect(lambda r: finished(r, self._on_success))
        relay.failed.connect(lambda e: finished(e, self._on_failure))
        self._lane.pool().start(_Job(self._fn, relay))

    def _deliver(self, ticket: int, handler: Callable[[Any], None], outcome: Any) -> None:
        if self._token is not None:
            if not self._token.is_current(ticket):
                log.debug("background result dropped: a newer request was made")
                return
            self._token.settle(ticket)
        if not (_alive(self._parent) and _alive(_owner(handler))):
            log.debug("background result dropped: its widget is gone")
            return
        handler(outcome)

    @classmethod
    def when_settled(cls, fn: Callable[[], None]) -> None:
        """Run `fn` on the GUI thread once no operation is pending: at once when none is, else
        after the last one's outcome was delivered (a signed-out window is deleted only after
        what the clerk started has printed and shown its result)."""
        if cls._pending:
            cls._settled.append(fn)
        else:
            fn()

    @classmethod
    def wait_all(cls, msecs: int = 30000) -> bool:
        return all(pool.waitForDone(msecs) for pool in list(_POOLS.values()))


def retire_window(window: QWidget) -> None:
    """A signed-out session's window: off the screen now, deleted once the operations it started
    have delivered their outcome (a receipt asked for just before 退出登录 still prints) instead
    of having them dropped with the window."""
    window.close()
    BackgroundOp.when_settled(window.deleteLater)


# --- errors the code did not handle -----------------------------------------------------------


def user_message(exc: BaseException) -> str:
    """What the clerk reads: a rule's own Chinese message, a database problem and what to do, or
    a plain statement that something went wrong and was logged."""
    if isinstance(exc, DomainError):
        return exc.message
    from app.services.types import database_message  # the database layer, once it is loaded

    told = database_message(exc)
    if told:
        return told
    return tr(
        "操作没有完成：程序出现了意外错误（%s），已记录到日志。请重试；如仍出错，请联系管理员。"
    ) % (type(exc).__name__)


class ErrorReporter:
    """Shows unhandled errors to the user: one non-modal message box at a time (a burst of the
    same error does not stack up dialogs). Tests replace `show` to read the message."""

    def __init__(self) -> None:
        self.box: QMessageBox | None = None
        self.shown: list[str] = []

    def show(self, text: str) -> None:
        self.shown.append(text)
        if QApplication.instance() is None:
            return
        if self.box is not None and shiboken6.isValid(self.box) and self.box.isVisible():
            self.box.setText(text)
            return
        parent = QApplication.activeWindow()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            tr("一窗通"),
            text,
            QMessageBox.StandardButton.Ok,
            parent if isinstance(parent, QWidget) else None,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.open()
        self.box = box


REPORTER = ErrorReporter()


def report_exception(exc: BaseException) -> None:
    """Log an unhandled error (masked by the log's filter, type and place only in the message)
    and tell the user in Chinese."""
    if not isinstance(exc, DomainError):
        log.error(
            "unhandled %s",
            type(exc).__name__,
            exc_info=(type(exc), exc, exc.__traceback__),
        )
    else:
        log.info("refused: %s", exc.code)
    REPORTER.show(user_message(exc))


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    if exc.__traceback__ is None:
        exc = exc.with_traceback(tb)
    try:
        report_exception(exc)
    except Exception:  # the reporter itself failed: never lose the original error
        traceback.print_exception(kind, exc, tb)


def install_excepthook() -> None:
    """Route every exception that escapes a slot, a timer or an event handler to report_exception
    (PySide6 hands those to sys.excepthook) instead of a traceback on stderr."""
    sys.excepthook = _excepthook
