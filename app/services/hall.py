"""The live hall for the supervisor: queues, windows and long waits right now, in five SQL queries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from app.clock import business_date, business_zone
from app.db.models import CallRecord, Centre, Counter, Resident, ServiceGroup, Ticket, User
from app.domain.errors import ValidationError
from app.domain.masking import mask_name
from app.domain.queue import PriorityClass
from app.services.case_numbers import get_or_404, require_supervisor
from app.services.context import ServiceContext
from app.services.dto import SignedInUser

MIN_LONG_WAIT, MAX_LONG_WAIT = 5, 180
AT_RISK_LIMIT = 50  # the list shows the longest waits first; the count covers them all
WINDOW_STATES = {"serving": "办理中", "called": "已叫号", "paused": "暂停", "idle": "空闲"}
_GROUP = func.coalesce(Ticket.queue_group, Ticket.service_group)


@dataclass(frozen=True)
class GroupNow:
    """One queue (service group) right now: how many wait, the longest wait, how many at risk."""

    code: str
    prefix: str
    name: str
    waiting: int
    longest_wait_minutes: float | None
    at_risk: int


@dataclass(frozen=True)
class WindowNow:
    """One working window right now. `state`: serving / called / paused (a ticket set aside,
    nobody served) / idle. The resident's name is masked; `clerk` is the clerk of the window's
    current ticket, else of its latest call today."""

    number: int
    name: str
    state: str
    state_label: str
    ticket_number: str
    resident: str
    clerk: str
    since: datetime | None  # called (or set aside) at
    minutes: float | None  # how long in this state


@dataclass(frozen=True)
class AtRiskTicket:
    """A waiting ticket that has waited at least the centre's long-wait minutes."""

    number: str
    group_name: str
    priority_label: str
    issued_at: datetime
    waited_minutes: float


@dataclass(frozen=True)
class LiveHall:
    """The hall as of `at`: one DTO from `HallService.live`."""

    at: datetime
    day: date
    long_wait_minutes: int
    groups: tuple[GroupNow, ...]
    windows: tuple[WindowNow, ...]
    at_risk: tuple[AtRiskTicket, ...]  # longest wait first, at most AT_RISK_LIMIT
    at_risk_count: int

    @property
    def waiting(self) -> int:
        return sum(g.waiting for g in self.groups)

    @property
    def longest_wait_minutes(self) -> float | None:
        waits = [g.longest_wait_minutes for g in self.groups if g.longest_wait_minutes is not None]
        return max(waits) if waits else None


def _minutes(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else round(max(0.0, (now - then).total_seconds()) / 60, 1)


class HallService:
    """Supervisor-only: the live hall of the supervisor's centre and its long-wait setting."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def _centre(self, user: SignedInUser) -> uuid.UUID:
        require_supervisor(user)
        if user.centre_id is None:
            raise ValidationError("CENTRE_REQUIRED", "请以服务中心的账号查看大厅", "centre")
        return user.centre_id

    def long_wait_minutes(self, user: SignedInUser) -> int:
        centre_id = self._centre(user)
        with self.ctx.uow(read_only=True) as uow:
            return int(get_or_404(uow.session, Centre, centre_id, "服务中心").long_wait_minutes)

    def set_long_wait_minutes(self, user: SignedInUser, minutes: int) -> int:
        """The centre's long-wait threshold: a ticket waiting this long is flagged at risk."""
        centre_id = self._centre(user)
        if isinstance(minutes, bool) or not MIN_LONG_WAIT <= minutes <= MAX_LONG_WAIT:
            raise ValidationError(
                "LONG_WAIT",
                f"长时等候提醒应为 {MIN_LONG_WAIT} 至 {MAX_LONG_WAIT} 分钟",
                "minutes",
            )
        with self.ctx.uow() as uow:
            centre = get_or_404(uow.session, Centre, centre_id, "服务中心")
            old, centre.long_wait_minutes = centre.long_wait_minutes, minutes
            uow.audit(
                "long_wait_set",
                user_id=user.id,
                centre_id=centre.id,
                subject_type="centre",
                subject_id=centre.id,
                old=old,
                new=minutes,
            )
            return minutes

    def live(self, user: SignedInUser) -> LiveHall:
        """Waiting per group with the longest wait, each window's state and clerk, and the
        tickets waiting past the threshold: today's rows only, aggregated in SQL."""
        centre_id = self._centre(user)
        now = self.ctx.clock()
        today = business_date(now)
        with self.ctx.uow(read_only=True) as uow:
            s = uow.session
            threshold = int(get_or_404(s, Centre, centre_id, "服务中心").long_wait_minutes)
            cutoff = now - timedelta(minutes=threshold)
            today_waiting = (
                Ticket.centre_id == centre_id,
                Ticket.business_date == today,
                Ticket.status == "waiting",
            )
            groups = self._groups(s, today_waiting, now, cutoff)
            risky = s.execute(
                select(Ticket.number, _GROUP, Ticket.priority, Ticket.issued_at)
                .where(*today_waiting, Ticket.issued_at <= cutoff)
                .order_by(Ticket.issued_at, Ticket.number)
                .limit(AT_RISK_LIMIT)
            ).all()
            windows = self._windows(s, centre_id, today, now)
        names = {g.code: g.name for g in groups}
        return LiveHall(
            at=now,
            day=today,
            long_wait_minutes=threshold,
            groups=groups,
            windows=windows,
            at_risk=tuple(
                AtRiskTicket(
                    number=number,
                    group_name=names.get(group, group),
                    priority_label=PriorityClass(priority).label,
                    issued_at=issued,
                    waited_minutes=_minutes(now, issued) or 0.0,
                )
                for number, group, priority, issued in risky
            ),
            at_risk_count=sum(g.at_risk for g in groups),
        )

    @staticmethod
    def _groups(
        s: Session, today_waiting: tuple, now: datetime, cutoff: datetime
    ) -> tuple[GroupNow, ...]:
        counts = {
            group: (int(n), oldest, int(risky or 0))
            for group, n, oldest, risky in s.execute(
                select(
                    _GROUP,
                    func.count(),
                    func.min(Ticket.issued_at),
                    func.sum(case((Ticket.issued_at <= cutoff, 1), else_=0)),
                )
                .where(*today_waiting)
                .group_by(_GROUP)
            )
        }
        known = s.execute(
            select(ServiceGroup.code, ServiceGroup.prefix, ServiceGroup.name).order_by(
                ServiceGroup.prefix
            )
        ).all()
        rows = [(code, prefix, name) for code, prefix, name in known]
        rows += [(code, "", code) for code in sorted(set(counts) - {r[0] for r in rows})]
        return tuple(
            GroupNow(
                code=code,
                prefix=prefix,
                name=name,
                waiting=counts.get(code, (0, None, 0))[0],
                longest_wait_minutes=_minutes(now, counts.get(code, (0, None, 0))[1]),
                at_risk=counts.get(code, (0, None, 0))[2],
            )
            for code, prefix, name in rows
        )

    @staticmethod
    def _windows(
        s: Session, centre_id: uuid.UUID, today: date, now: datetime
    ) -> tuple[WindowNow, ...]:
        """Active windows with their tickets in hand (called, serving or set aside) today, and the
        clerk of each window's latest call today, in one statement."""
        clerk, last_clerk = aliased(User), aliased(User)
        day_start = datetime.combine(today, time(0), business_zone())
        latest_caller = (
            select(CallRecord.clerk_id)
            .where(CallRecord.counter_id == Counter.id, CallRecord.at >= day_start)
            .order_by(CallRecord.at.desc())
            .limit(1)
            .correlate(Counter)
            .scalar_subquery()
        )
        rows = s.execute(
            select(
                Counter.number,
                Counter.name,
                Ticket.status,
                Ticket.number,
                Ticket.called_at,
                Resident.name,
                clerk.display_name,
                last_clerk.display_name,
            )
            .select_from(Counter)
            .outerjoin(
                Ticket,
                (Ticket.counter_id == Counter.id)
                & (Ticket.business_date == today)
                & Ticket.status.in_(("called", "serving", "held")),
            )
            .outerjoin(Resident, Resident.id == Ticket.resident_id)
            .outerjoin(clerk, clerk.id == Ticket.clerk_id)
            .outerjoin(last_clerk, last_clerk.id == latest_caller)
            .where(Counter.centre_id == centre_id, Counter.active.is_(True))
            .order_by(Counter.number, Ticket.called_at.desc())
        ).all()
        rank = {"serving": 0, "called": 1, "held": 2, None: 3}
        best: dict[int, tuple] = {}
        for row in rows:
            if row[0] not in best or rank[row[2]] < rank[best[row[0]][2]]:
                best[row[0]] = tuple(row)
        windows = []
        for number, name, status, ticket, called_at, resident, ticket_clerk, caller in (
            best[n] for n in sorted(best)
        ):
            state = {"serving": "serving", "called": "called", "held": "paused"}.get(status, "idle")
            in_hand = state != "idle"
            windows.append(
                WindowNow(
                    number=number,
                    name=name,
                    state=state,
                    state_label=WINDOW_STATES[state],
                    ticket_number=ticket if in_hand else "",
                    resident=mask_name(resident) if in_hand and resident else "",
                    clerk=(ticket_clerk if in_hand else None) or caller or "",
                    since=called_at if in_hand else None,
                    minutes=_minutes(now, called_at) if in_hand else None,
                )
            )
        return tuple(windows)
