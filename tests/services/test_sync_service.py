"""SyncService: what the UI asks of sync (status, a round, conflicts), through the composition root."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db.models import OutboxOp, SyncConflict
from app.db.types import new_id
from app.domain.errors import ValidationError
from app.services.bootstrap import Services
from app.services.permissions import PermissionDenied
from tests.services.conftest import Centre990101


def _conflict(world: Centre990101) -> SyncConflict:
    with world.ctx.uow() as uow:
        c = SyncConflict(
            id=new_id(),
            kind="duplicate",
            message="同一居民同日两件相同事项",
            detected_at=world.clock(),
        )
        uow.session.add(c)
        return c


def _outbox(world: Centre990101) -> int:
    """Business rows waiting for the hub (audit records of refusals go too, counted apart)."""
    with world.ctx.uow(read_only=True) as uow:
        return int(
            uow.session.scalar(
                select(func.count()).select_from(OutboxOp).where(OutboxOp.entity != "audit_record")
            )
            or 0
        )


def test_a_supervisor_lists_and_resolves_a_conflict(world: Centre990101) -> None:
    services = Services(world.ctx)
    conflict = _conflict(world)
    supervisor, clerk = world.users["supervisor"], world.users["clerk1"]
    with pytest.raises(PermissionDenied):  # the permission table: supervisors only
        services.sync.conflicts(clerk)
    [item] = services.sync.conflicts(supervisor)
    assert item.id == conflict.id and item.kind_label == "疑似重复办件"
    before = _outbox(world)
    with pytest.raises(ValidationError) as empty:
        services.sync.resolve(conflict.id, supervisor, "  ")
    assert empty.value.message == "请填写处理结果"
    with pytest.raises(PermissionDenied):
        services.sync.resolve(conflict.id, clerk, "已合并")
    assert _outbox(world) == before and services.sync.conflicts(supervisor)
    services.sync.resolve(conflict.id, supervisor, "已核实为两次不同申请")
    assert services.sync.conflicts(supervisor) == []
    assert _outbox(world) == before + 1  # the resolution goes to the hub
    [closed] = services.sync.conflicts(supervisor, open_only=False)
    assert closed.resolution == "已核实为两次不同申请"


def test_status_and_a_round_before_enrolment(world: Centre990101) -> None:
    services = Services(world.ctx)
    assert services.sync is services.sync  # one agent per root: it remembers online and skew
    status = services.sync.status()
    assert not status.enrolled and status.open_conflicts == 0
    report = services.sync.run_round()
    assert not report.ok and report.error
