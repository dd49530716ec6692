"""Figures for the supervisor: today's queue, cases, ratings and overdue work, from the centre database."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app.clock import business_date, business_zone
from app.db.models import Case, Rating, Ticket
from app.domain.case_states import FINAL_STATUSES
from app.services.context import ServiceContext

# Statuses of a finished case (completed, delivered, withdrawn, rejected...): "open" is not in them.
FINAL_STATUS_NAMES = [s.name for s in FINAL_STATUSES]


@dataclass(frozen=True)
class DayFigures:
    """Today's figures for the supervisor: queue, cases, ratings, overdue work."""

    day: date
    tickets_issued: int
    waiting: int
    served: int
    no_show: int
    median_wait_minutes: float | None  # issued → called, for tickets called today
    longest_wait_now_minutes: float | None  # the longest a waiting resident has waited so far
    cases_received: int
    completed_on_spot: int
    rejected_at_intake: int
    ratings: int
    satisfied_percent: float | None  # 非常满意 + 满意 + 基本满意 among today's ratings
    open_cases_overdue: int


class ReportService:
    """Figures for the supervisor from the centre database."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def day_figures(self, centre_id: uuid.UUID, day: date | None = None) -> DayFigures:
        now = self.ctx.clock()
        day = day or business_date(now)
        start = datetime.combine(day, time(0), business_zone())
        end = start + timedelta(days=1)
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            by_status = dict(
                s.execute(
                    select(Ticket.status, func.count())
                    .where(Ticket.centre_id == centre_id, Ticket.business_date == day)
                    .group_by(Ticket.status)
                ).all()
            )
            called = s.execute(
                select(Ticket.issued_at, Ticket.called_at).where(
                    Ticket.centre_id == centre_id,
                    Ticket.business_date == day,
                    Ticket.called_at.is_not(None),
                )
            ).all()
            oldest_waiting = s.scalar(
                select(func.min(Ticket.issued_at)).where(
                    Ticket.centre_id == centre_id,
                    Ticket.business_date == day,
                    Ticket.status == "waiting",
                )
            )
            cases = dict(
                s.execute(
                    select(Case.status, func.count())
                    .where(
                        Case.centre_id == centre_id,
                        Case.received_at >= start,
                        Case.received_at < end,
                    )
                    .group_by(Case.status)
                ).all()
            )
            levels = list(
                s.scalars(
                    select(Rating.level).where(
                        Rating.centre_id == centre_id,
                        Rating.rated_at >= start,
                        Rating.rated_at < end,
                    )
                )
            )
            overdue = s.scalar(
                select(func.count()).where(
                    Case.centre_id == centre_id,
                    Case.status.not_in(FINAL_STATUS_NAMES),
                    Case.status != "SUPPLEMENT_REQUESTED",
                    Case.due_date < business_date(now),
                )
            )
        waits = [(c - i).total_seconds() / 60 for i, c in called if c and i]
        return DayFigures(
            day=day,
            tickets_issued=sum(by_status.values()),
            waiting=by_status.get("waiting", 0),
            served=by_status.get("done", 0),
            no_show=by_status.get("no_show", 0),
            median_wait_minutes=round(statistics.median(waits), 1) if waits else None,
            longest_wait_now_minutes=round((now - oldest_waiting).total_seconds() / 60, 1)
            if oldest_waiting
            else None,
            cases_received=sum(cases.values()),
            completed_on_spot=cases.get("COMPLETED_ON_SPOT", 0),
            rejected_at_intake=cases.get("REJECTED_AT_INTAKE", 0),
            ratings=len(levels),
            satisfied_percent=round(100 * sum(1 for v in levels if v >= 3) / len(levels), 1)
            if levels
            else None,
            open_cases_overdue=int(overdue or 0),
        )
