"""Sync with the district hub as the UI and the CLI see it: status, rounds, conflicts, enrolment, restore.

The sync agent and its HTTP stack are imported when first used (a round, enrolment, a restore),
never when the counter window opens."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from app.domain.errors import DomainError, ValidationError
from app.services.case_numbers import require_supervisor
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from app.sync.conflicts import ConflictItem, list_conflicts, resolve_conflict
from app.sync.retry import RetrySchedule
from app.sync.rounds import SyncReport, SyncStatus, read_status

if TYPE_CHECKING:
    from app.sync.agent import SyncAgent
    from app.sync.protocol import EnrolResponse
    from app.sync.restore import RestoreReport

__all__ = ["ConflictItem", "HubUnreachable", "SyncReport", "SyncService", "SyncStatus"]


class HubUnreachable(DomainError):
    """Enrolment or a restore could not be done with the hub; the message says why."""


ROUND_INTERVAL = 60.0  # seconds between the GUI's rounds while the hub answers


class SyncService:
    """One per composition root: the agent it wraps remembers whether the hub answered last time
    and the clock skew, so the root keeps a single instance (see Services.sync). `verify` is the
    CA bundle that checks the hub's certificate (True: the system's)."""

    def __init__(self, ctx: ServiceContext, *, verify: bool | str = True) -> None:
        self.ctx = ctx
        self.verify = verify
        self._agent: SyncAgent | None = None
        self._lock = threading.Lock()
        # the same back-off as `onewindow sync --watch`: the GUI asks the report when to run next
        self._schedule = RetrySchedule(ROUND_INTERVAL)

    @property
    def agent(self) -> SyncAgent:
        with self._lock:
            if self._agent is None:
                from app.sync.agent import SyncAgent

                self._agent = SyncAgent(self.ctx, verify=self.verify)
            return self._agent

    def status(self) -> SyncStatus:
        """Enrolled or not, online, ops waiting, last success and error, skew, open conflicts.
        Before the first round it is read from the database alone (the agent and its HTTP stack
        are loaded by the first round, not by the window's status bar)."""
        with self._lock:
            agent = self._agent
        if agent is None:
            return read_status(self.ctx, online=None, skew=None)
        return agent.status()

    def run_round(self) -> SyncReport:
        """Push what waits, pull what is new; never raises for network or hub errors (see report).
        The report's `next_round_in` says when the next scheduled round is due: the normal interval
        after a success, full-jitter exponential back-off after failures (capped, never before the
        hub's Retry-After), as the command line's `sync --watch` waits."""
        report = self.agent.run_once()
        with self._lock:
            return replace(report, next_round_in=self._schedule.after(report))

    def watch(
        self, interval: float, stop: threading.Event, on_round: Callable[[SyncReport], object]
    ) -> None:
        """A round every `interval` seconds until `stop` is set; failed rounds are retried with
        jittered back-off (SyncAgent.run_forever). `on_round` sees every report."""
        self.agent.run_forever(interval, stop, on_round=on_round)

    def enrol(self, hub_url: str, code: str, device_name: str = "") -> EnrolResponse:
        """Enrol this centre database with the hub as a device (the token goes to the keyring)."""
        from app.sync.client import SyncError
        from app.sync.credentials import CredentialError
        from app.sync.enrol import enrol

        try:
            return enrol(self.ctx, hub_url, code, device_name=device_name, verify=self.verify)
        except (SyncError, CredentialError) as exc:
            raise HubUnreachable("ENROL_FAILED", f"注册失败：{_message(exc)}") from exc

    def restore(
        self,
        hub_url: str | None,
        code: str | None,
        device_name: str = "",
        on_progress: Callable[[int, int], object] | None = None,
    ) -> RestoreReport:
        """Rebuild this new, empty database from the hub (app/sync/restore.py); `on_progress` gets
        (changes received, hub cursor). Refusals and hub failures are HubUnreachable, with
        nothing written."""
        from app.sync.client import SyncError
        from app.sync.credentials import CredentialError
        from app.sync.restore import RestoreError, RestoreProgress, restore

        def progress(p: RestoreProgress) -> None:
            if on_progress is not None:
                on_progress(p.changes, p.cursor)

        try:
            return restore(
                self.ctx,
                hub_url,
                code,
                device_name=device_name,
                verify=self.verify,
                on_progress=progress,
            )
        except RestoreError as exc:
            raise HubUnreachable("RESTORE_REFUSED", exc.message) from exc
        except (SyncError, CredentialError) as exc:
            raise HubUnreachable(
                "RESTORE_FAILED", f"恢复失败，本数据库未写入任何业务数据：{_message(exc)}"
            ) from exc

    def conflicts(self, user: SignedInUser, *, open_only: bool = True) -> list[ConflictItem]:
        """The conflicts a supervisor resolves, oldest first."""
        require_supervisor(user)
        return list_conflicts(self.ctx, open_only=open_only)

    def resolve(self, conflict_id: uuid.UUID, user: SignedInUser, resolution: str) -> None:
        """Close a conflict with what the supervisor decided; the resolution goes to the hub."""
        require_supervisor(user)
        if not resolution.strip():
            raise ValidationError("RESOLUTION_REQUIRED", "请填写处理结果", field="resolution")
        resolve_conflict(self.ctx, conflict_id, user.id, resolution)


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", "") or exc)
