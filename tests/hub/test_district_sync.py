"""A bad rating's 差评整改 follow-up reaches the district with its deadline and state, through the real
counter services and a real sync: opened (open, due in the centre's working days), then closed after
the call back and the rectification (closed, with its closing time); the rating is counted."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.clock import business_date
from app.db.models import Centre, Counter, FollowUp
from app.hub import district
from app.hub.models import HubFollowUp, HubRating
from app.services.centre import CentreService
from app.services.follow_ups import FollowUpService
from app.services.queue import QueueService
from app.services.ratings import RatingService
from app.services.setup import DEMO_PASSWORD
from tests.sync.conftest import centre_factory, hub  # noqa: F401 (fixtures)

pytestmark = pytest.mark.pg


def test_follow_up_arrives_with_deadline_and_state(hub: Any, centre_factory: Any) -> None:  # noqa: F811
    ctx, agent = centre_factory("990101")
    clerk = CentreService(ctx).sign_in("clerk1", DEMO_PASSWORD)
    boss = CentreService(ctx).sign_in("supervisor", DEMO_PASSWORD)
    with ctx.uow(read_only=True) as uow:
        centre_id = uow.session.scalars(select(Centre.id)).one()
        counter_id = uow.session.scalars(select(Counter.id).where(Counter.number == 1)).one()
    queue = QueueService(ctx)
    ticket = queue.issue_ticket(centre_id, "minzheng_jiuzhu")
    assert queue.call_next(counter_id, clerk) is not None
    queue.finish(ticket.id, clerk)
    rating = RatingService(ctx).rate(
        clerk, level=1, comment="等候太久，态度生硬", ticket_id=ticket.id
    )
    with ctx.uow(read_only=True) as uow:
        local = uow.session.scalars(select(FollowUp)).one()
        follow_id, due = local.id, local.due_date
    assert due is not None
    assert agent.run_once().ok
    with hub.sessions() as s:
        row = s.get_one(HubFollowUp, follow_id)
        assert (row.status, row.due_date, row.closed_at) == ("open", due, None)
        assert row.opened_at is not None
        assert s.get_one(HubRating, rating.id).level == 1
        today = business_date(ctx.clock())
        f = district.figures(s, district.Period(today, today), ctx.clock())
        (centre,) = [c for c in f.centres if c.code == "990101"]
        assert (centre.levels[1], centre.follow_ups_open, centre.follow_ups_overdue) == (1, 1, 0)
    follow_ups = FollowUpService(ctx)
    follow_ups.record_call_back(
        follow_id, boss, resident_said="已致歉，群众表示理解", satisfied=True
    )
    follow_ups.record_rectification(follow_id, boss, "窗口增设引导员，高峰时段加开窗口")
    follow_ups.close(follow_id, boss, "已回访并整改")
    assert agent.run_once().ok
    with hub.sessions() as s:
        row = s.get_one(HubFollowUp, follow_id)
        assert row.status == "closed" and row.closed_at is not None and row.due_date == due
