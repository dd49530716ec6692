"""Sync with the district hub as the UI sees it: status, one round, the conflict list and its resolution."""

from __future__ import annotations

import threading
import uuid

from app.domain.errors import ValidationError
from app.services.case_numbers import require_supervisor
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from app.sync.agent import SyncAgent, SyncReport, SyncStatus
from app.sync.conflicts import ConflictItem, list_conflicts, resolve_conflict

__all__ = ["ConflictItem", "SyncReport", "SyncService", "SyncStatus"]


class SyncService:
    """One per composition root: the agent it wraps remembers whether the hub answered last time
    and the clock skew, so the root keeps a single instance (see Services.sync)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._agent: SyncAgent | None = None
        self._lock = threading.Lock()

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
        """Push what waits, pull what is new; never raises for network or hub errors (see report)."""
        return self.agent.run_once()

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
