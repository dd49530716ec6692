"""差评整改 as a closed loop: deadline in working days, call back, rectification, close; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.db.models import FollowUp, OutboxOp
from app.domain.errors import IllegalTransition, ValidationError
from app.services.follow_ups import FollowUpService
from app.services.queue import QueueService
from app.services.ratings import RatingService
from tests.services.conftest import Centre990101


def _bad_rating(world: Centre990101, comment: str = "等候时间太长"):  # type: ignore[no-untyped-def]
    clerk = world.users["clerk1"]
    queue = QueueService(world.ctx)
    ticket = queue.issue_ticket(world.centre_id, "shebao_yibao")
    return RatingService(world.ctx).rate(clerk, level=2, comment=comment, ticket_id=ticket.id)


def test_follow_up_closes_only_after_call_back_and_rectification(world: Centre990101) -> None:
    clerk, boss = world.users["clerk1"], world.users["supervisor"]
    service = FollowUpService(world.ctx)
    assert service.working_days(boss) == 10
    service.set_working_days(boss, 5)
    rating = _bad_rating(world)  # Monday 23 Nov 2026
    assert rating.follow_up_id is not None
    [open_] = service.list_open(boss)
    # Five working days after Mon 23 Nov 2026 (no holiday that week): Mon 30 Nov.
    assert open_.due_date == date(2026, 11, 30) and not open_.overdue
    assert open_.assignee_name and open_.assigned_to == boss.id
    assert open_.label == "不满意" and open_.comment == "等候时间太长"

    with pytest.raises(IllegalTransition, match="尚未记录回访记录和整改情况"):
        service.close(open_.id, boss)
    with pytest.raises(ValidationError, match="群众的回访意见"):
        service.record_call_back(open_.id, boss, resident_said="  ", satisfied=True)
    with pytest.raises(IllegalTransition, match="值班长"):  # a clerk not assigned
        service.record_call_back(open_.id, clerk, resident_said="理解", satisfied=True)
    with pytest.raises(ValidationError, match="不能晚于现在"):
        service.record_call_back(
            open_.id,
            boss,
            resident_said="理解",
            satisfied=True,
            called_at=world.clock.now + timedelta(hours=1),
        )

    world.clock.advance(hours=3)
    called = service.record_call_back(
        open_.id, boss, resident_said="说明了原因，表示理解", satisfied=True
    )
    assert called.call_back_at == world.clock.now and called.resident_satisfied is True
    assert called.call_back_by_name == open_.assignee_name
    with pytest.raises(IllegalTransition, match="尚未记录整改情况"):
        service.close(open_.id, boss)

    service.assign(open_.id, boss, clerk.id)  # the clerk may now record the rectification
    fixed = service.record_rectification(open_.id, clerk, "高峰时段增开两个综合窗口")
    assert fixed.rectified and fixed.assignee_name != open_.assignee_name
    with pytest.raises(IllegalTransition, match="值班长"):
        service.close(open_.id, clerk)  # closing is the supervisor's
    closed = service.close(open_.id, boss, "整改到位")
    assert closed.status == "closed" and service.list_open(boss) == []
    with pytest.raises(IllegalTransition, match="已经办结"):
        service.record_rectification(open_.id, boss, "再改")

    with world.ctx.uow(read_only=True) as uow:
        row = uow.session.get_one(FollowUp, open_.id)
        assert row.call_back_note == "说明了原因，表示理解" and row.rectified_by == clerk.id
        sent = list(
            uow.session.scalars(
                select(OutboxOp.payload)
                .where(OutboxOp.entity == "follow_up")
                .order_by(OutboxOp.seq)
            )
        )
    # Every step reached the outbox, the last one with the whole loop.
    assert len(sent) == 5 and sent[-1]["status"] == "closed"  # open, call, assign, fix, close
    assert sent[-1]["call_back_note"] == "说明了原因，表示理解"
    assert sent[-1]["rectification"] == "高峰时段增开两个综合窗口"
    assert sent[-1]["due_date"] == "2026-11-30"


def test_overdue_follow_ups_are_flagged_in_working_days(world: Centre990101) -> None:
    boss = world.users["supervisor"]
    service = FollowUpService(world.ctx)
    service.set_working_days(boss, 3)
    late = _bad_rating(world, "态度不好")
    world.clock.advance(days=2)  # Wed 25 Nov
    fresh = _bad_rating(world, "材料清单不清楚")
    world.clock.advance(days=3)  # Sat 28 Nov: the first is due Thu 26 Nov, the second Mon 30 Nov
    flagged = {f.id: f.overdue for f in service.list_open(boss)}
    assert flagged == {late.follow_up_id: True, fresh.follow_up_id: False}
    assert service.list_open(boss)[0].id == late.follow_up_id  # overdue first
    world.clock.advance(days=3)  # Tue 1 Dec
    assert all(f.overdue for f in service.list_open(boss))


def test_setting_and_assignment_are_checked(world: Centre990101) -> None:
    clerk, boss = world.users["clerk1"], world.users["supervisor"]
    service = FollowUpService(world.ctx)
    for days in (0, 31):
        with pytest.raises(ValidationError, match="1 至 30 个工作日"):
            service.set_working_days(boss, days)
    with pytest.raises(IllegalTransition):
        service.set_working_days(clerk, 5)
    rating = _bad_rating(world)
    assert rating.follow_up_id is not None
    with pytest.raises(IllegalTransition):
        service.list_open(clerk)
    other_centre = [u for u in world.users.values() if u.centre_id != boss.centre_id]
    for outsider in other_centre[:1]:
        with pytest.raises(ValidationError, match="本中心"):
            service.assign(rating.follow_up_id, boss, outsider.id)
