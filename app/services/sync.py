"""Sync with the district hub as the UI sees it: status, one round, the conflict list and its resolution."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace

from app.domain.errors import ValidationError
from app.services.case_numbers import require_supervisor
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from app.sync.agent import SyncAgent, SyncReport, SyncStatus
from app.sync.conflicts import ConflictItem, list_conflicts, resolve_conflict
from app.sync.retry import RetrySchedule

__all__ = ["ConflictItem", "SyncReport", "SyncService", "SyncStatus"]

ROUND_INTERVAL = 60.0  # seconds between the GUI's rounds while the hub answers


class SyncService:
    """One per composition root: the agent it wraps remembers whether the hub answered last time
    and the clock skew, so the root keeps a single instance (see Services.sync)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._agent: SyncAgent | None = None
        self._lock = threading.Lock()
        # the same back-off as `onewindow sync --watch`: the GUI asks the report when to run next
        self._schedule = RetrySchedule(ROUND_INTERVAL)

    @property
    def agent(self) -> SyncAgent:
        with self._lock:
            if self._agent is None:
                self._agent = SyncAgent(self.ctx)
            return self._agent

    def status(self) -> SyncStatus:
        """Enrolled or not, online, ops waiting, last success and error, skew, open conflicts."""
        return self.agent.status()

    def run_round(self) -> SyncReport:
        """Push what waits, pull what is new; never raises for network or hub errors (see report).
        The report's `next_round_in` says when the next scheduled round is due: the normal interval
        after a success, full-jitter exponential back-off after failures (capped, never before the
        hub's Retry-After), as the command line's `sync --watch` waits."""
        report = self.agent.run_once()
        with self._lock:
            return replace(report, next_round_in=self._schedule.after(report))

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
