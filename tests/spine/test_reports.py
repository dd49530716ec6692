"""Today's figures for the supervisor add up from the day's tickets, cases and ratings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.clock import fixed_clock
from app.db.models import Centre, Counter
from app.services.centre import CentreService
from app.services.context import ServiceContext
from app.services.queue import QueueService
from app.services.ratings import RatingService
from app.services.reports import ReportService
from app.services.setup import DEMO_PASSWORD, initialise


def test_day_figures(db_url: str) -> None:
    morning = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # 09:30 in China, a Monday
    clock = {"now": morning}
    ctx = ServiceContext.for_url(db_url, clock=lambda: clock["now"])
    try:
        initialise(ctx)
        clerk = CentreService(ctx).sign_in("clerk1", DEMO_PASSWORD)
        with ctx.uow(read_only=True) as uow:
            centre_id = uow.session.scalars(select(Centre.id)).one()
            counter_id = uow.session.scalars(select(Counter.id).where(Counter.number == 1)).one()
        queue = QueueService(ctx)
        tickets = [queue.issue_ticket(centre_id, "shebao_yibao") for _ in range(4)]
        clock["now"] = morning + timedelta(minutes=10)
        first = queue.call_next(counter_id, clerk)
        assert first is not None and first.id == tickets[0].id
        queue.finish(first.id, clerk)
        RatingService(ctx).rate(clerk, level=5, ticket_id=first.id)
        clock["now"] = morning + timedelta(minutes=20)
        second = queue.call_next(counter_id, clerk)
        assert second is not None
        queue.finish(second.id, clerk)
        RatingService(ctx).rate(clerk, level=1, comment="等太久", ticket_id=second.id)
        f = ReportService(ctx).day_figures(centre_id)
        assert (f.tickets_issued, f.waiting, f.served, f.no_show) == (4, 2, 2, 0)
        assert f.median_wait_minutes == 15.0  # 10 and 20 minutes
        assert f.longest_wait_now_minutes == 20.0
        assert f.ratings == 2 and f.satisfied_percent == 50.0
        assert f.cases_received == 0 and f.open_cases_overdue == 0
        yesterday = ReportService(ctx).day_figures(centre_id, morning.date() - timedelta(days=1))
        assert yesterday.tickets_issued == 0 and yesterday.median_wait_minutes is None
    finally:
        ctx.close()


def test_fixed_clock_is_what_the_services_see() -> None:
    moment = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
    assert fixed_clock(moment)() == moment
