"""Any period's figures for the supervisor, aggregated in SQL (percentiles by ordered ranks)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy import Date as Date_
from sqlalchemy.orm import Session, aliased

from app.clock import business_zone
from app.db.models import Case, CaseEvent, Counter, Matter, Rating, Ticket, User
from app.domain.case_states import CaseEventType
from app.domain.errors import ValidationError
from app.services.case_numbers import require_centre, require_supervisor
from app.services.context import ServiceContext
from app.services.dto import SignedInUser

MAX_DAYS = 366
# Stated on screen with the figures.
FORMULAS = (
    "等候时间 = 叫号时间 − 取号时间；办理时间 = 办结时间 − 开始办理时间",
    "中位数、P90 按最近秩法：n 个值从小到大排列，取第 ⌈0.5n⌉ 个、第 ⌈0.9n⌉ 个",
    "满意率 = （非常满意 + 满意 + 基本满意）÷ 评价总数 × 100%",
    "按时办结率 = 期限内作出决定的办件 ÷ 本期作出决定的办件 × 100%（以办结期限为准，含延期）",
    "办件按结果分开统计：不予受理、即办、一次性告知（窗口一次性告知补正）、受理（其余）",
)
DECISIONS = [
    CaseEventType.APPROVE.name,
    CaseEventType.APPROVE_DEFERRED.name,
    CaseEventType.DENY.name,
]
OUTCOMES = ("received", "on_spot", "told", "refused")


@dataclass(frozen=True)
class Times:
    """Minutes: how many values, their median and 90th percentile (nearest rank)."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class TicketRow:
    """Tickets of one group, window, clerk or hour, with their waiting and service times."""

    key: str
    issued: int
    served: int
    skipped: int
    waiting: Times
    service: Times


@dataclass(frozen=True)
class CaseRow:
    """Cases of one matter, department or case type, by outcome (each case counted once)."""

    key: str
    received: int  # 受理
    on_spot: int  # 即办
    told: int  # 一次性告知
    refused: int  # 不予受理

    @property
    def total(self) -> int:
        return self.received + self.on_spot + self.told + self.refused


@dataclass(frozen=True)
class PeriodFigures:
    """A period's figures, first day to last day inclusive, in the centre's business dates."""

    first: date
    last: date
    tickets: TicketRow  # the whole centre
    by_group: tuple[TicketRow, ...]
    by_window: tuple[TicketRow, ...]
    by_clerk: tuple[TicketRow, ...]
    by_hour: tuple[TicketRow, ...]  # key "09": issued in that hour; `served` finished in it
    cases: CaseRow
    by_matter: tuple[CaseRow, ...]
    by_department: tuple[CaseRow, ...]
    by_case_type: tuple[CaseRow, ...]
    decided: int
    decided_on_time: int
    ratings_by_level: dict[int, int]
    formulas: tuple[str, ...] = FORMULAS

    @property
    def on_time_percent(self) -> float | None:
        return round(100 * self.decided_on_time / self.decided, 1) if self.decided else None

    @property
    def ratings(self) -> int:
        return sum(self.ratings_by_level.values())

    @property
    def satisfied_percent(self) -> float | None:
        good = sum(n for level, n in self.ratings_by_level.items() if level >= 3)
        return round(100 * good / self.ratings, 1) if self.ratings else None


class PeriodFiguresService:
    """Supervisor-only figures of the supervisor's own centre."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def figures(self, user: SignedInUser, first: date, last: date) -> PeriodFigures:
        require_supervisor(user)
        if user.centre_id is None:
            raise ValidationError("CENTRE_REQUIRED", "请以服务中心的账号查看统计", "centre")
        if last < first:
            raise ValidationError("PERIOD", "结束日期不能早于开始日期", "last")
        if (last - first).days + 1 > MAX_DAYS:
            raise ValidationError("PERIOD", f"统计期间不能超过 {MAX_DAYS} 天", "last")
        require_centre(user, user.centre_id)
        with self.ctx.uow(read_only=True) as uow:
            return _Query(uow.session, user.centre_id, first, last).run()


class _Query:
    def __init__(self, s: Session, centre_id: uuid.UUID, first: date, last: date) -> None:
        self.s, self.centre_id, self.first, self.last = s, centre_id, first, last
        zone = business_zone()
        self.start = datetime.combine(first, time(0), zone)
        self.end = datetime.combine(last + timedelta(days=1), time(0), zone)
        self.zone_name = str(zone)
        offset = self.start.utcoffset() or timedelta(0)
        self.offset_minutes = int(offset.total_seconds() // 60)  # SQLite: the period start's offset
        self.sqlite = s.get_bind().dialect.name == "sqlite"

    # -- dialect helpers ------------------------------------------------------------------------

    def minutes(self, a: Any, b: Any) -> ColumnElement[Any]:
        if self.sqlite:
            return (func.julianday(b) - func.julianday(a)) * 1440.0
        return func.extract("epoch", b - a) / 60.0

    def hour(self, at: Any) -> ColumnElement[Any]:
        if self.sqlite:
            return cast(func.strftime("%H", at, f"{self.offset_minutes:+d} minutes"), Integer)
        return cast(func.extract("hour", func.timezone(self.zone_name, at)), Integer)

    def local_date(self, at: Any) -> ColumnElement[Any]:
        if self.sqlite:
            return func.date(at, f"{self.offset_minutes:+d} minutes")
        return cast(func.timezone(self.zone_name, at), Date_)

    # -- tickets --------------------------------------------------------------------------------

    def ticket_filter(self) -> list[ColumnElement[bool]]:
        return [
            Ticket.centre_id == self.centre_id,
            Ticket.business_date >= self.first,
            Ticket.business_date <= self.last,
        ]

    def times(self, key: Any, value: ColumnElement[Any], *joins: Any) -> dict[Any, Times]:
        """Median and p90 per key by nearest rank: row_number over the ordered values, picked at
        ranks (n+1)/2 and (9n+9)/10 in integer arithmetic (= ceil(0.5n), ceil(0.9n))."""
        inner = select(
            key.label("k"),
            value.label("v"),
            func.row_number().over(partition_by=key, order_by=value).label("rn"),
            func.count().over(partition_by=key).label("n"),
        ).select_from(Ticket)
        for target, on in joins:
            inner = inner.outerjoin(target, on)
        sub = inner.where(*self.ticket_filter(), value.is_not(None)).subquery()
        picked = select(
            sub.c.k,
            func.max(sub.c.n),
            func.max(case((sub.c.rn == (sub.c.n + 1) // 2, sub.c.v))),
            func.max(case((sub.c.rn == (9 * sub.c.n + 9) // 10, sub.c.v))),
        ).group_by(sub.c.k)
        return {
            k: Times(int(n), _round(med), _round(p90)) for k, n, med, p90 in self.s.execute(picked)
        }

    def ticket_rows(self, key: Any, *joins: Any, served_key: Any = None) -> dict[Any, TicketRow]:
        stmt = select(
            key,
            func.count(),
            func.sum(case((Ticket.status == "done", 1), else_=0)),
            func.sum(case((Ticket.status == "no_show", 1), else_=0)),
        ).select_from(Ticket)
        for target, on in joins:
            stmt = stmt.outerjoin(target, on)
        counts = self.s.execute(stmt.where(*self.ticket_filter()).group_by(key)).all()
        wait = self.times(key, self.minutes(Ticket.issued_at, Ticket.called_at), *joins)
        serve_key = key if served_key is None else served_key
        service = self.times(
            serve_key,
            self.minutes(Ticket.serving_at, Ticket.finished_at),
            *joins,
        )
        served: dict[Any, int] = {}
        if served_key is not None:  # by hour: served = finished in that hour
            served = dict(
                self.s.execute(
                    select(served_key, func.count())
                    .where(*self.ticket_filter(), Ticket.status == "done")
                    .group_by(served_key)
                ).all()
            )
        keys = {k for k, *_ in counts} | set(served)
        empty = Times(0, None, None)
        rows: dict[Any, TicketRow] = {}
        by_key = {k: (n, d, ns) for k, n, d, ns in counts}
        for k in keys:
            n, done, no_show = by_key.get(k, (0, 0, 0))
            rows[k] = TicketRow(
                key="" if k is None else str(k),
                issued=int(n or 0),
                served=int(served.get(k, 0) if served_key is not None else done or 0),
                skipped=int(no_show or 0),
                waiting=wait.get(k, empty),
                service=service.get(k, empty),
            )
        return rows

    # -- cases ----------------------------------------------------------------------------------

    def case_rows(self, key: Any) -> list[tuple[Any, CaseRow]]:
        told = exists().where(
            CaseEvent.case_id == Case.id,
            CaseEvent.event_type == CaseEventType.REQUEST_SUPPLEMENT.name,
            CaseEvent.origin == "centre",
        )
        outcome = case(
            (Case.status == "REJECTED_AT_INTAKE", literal("refused")),
            (Case.status == "COMPLETED_ON_SPOT", literal("on_spot")),
            (told, literal("told")),
            else_=literal("received"),
        )
        counts = self.s.execute(
            select(key, outcome, func.count())
            .select_from(Case)
            .join(Matter, Matter.id == Case.matter_id)
            .where(
                Case.centre_id == self.centre_id,
                Case.received_at >= self.start,
                Case.received_at < self.end,
            )
            .group_by(key, outcome)
        ).all()
        table: dict[Any, dict[str, int]] = {}
        for k, kind, n in counts:
            table.setdefault(k, dict.fromkeys(OUTCOMES, 0))[kind] = int(n)
        rows = [(k, CaseRow(str(k), **v)) for k, v in table.items()]
        return sorted(rows, key=lambda kv: (-kv[1].total, kv[1].key))

    def decisions(self) -> tuple[int, int]:
        """Cases decided in the period (their first decision) and those decided by the due date."""
        first = (
            select(CaseEvent.case_id, func.min(CaseEvent.at).label("at"))
            .where(CaseEvent.event_type.in_(DECISIONS))
            .group_by(CaseEvent.case_id)
            .subquery()
        )
        on_time = and_(Case.due_date.is_not(None), self.local_date(first.c.at) <= Case.due_date)
        total, timely = self.s.execute(
            select(func.count(), func.sum(case((on_time, 1), else_=0)))
            .select_from(first)
            .join(Case, Case.id == first.c.case_id)
            .where(
                Case.centre_id == self.centre_id,
                first.c.at >= self.start,
                first.c.at < self.end,
            )
        ).one()
        return int(total or 0), int(timely or 0)

    # -- all --------------------------------------------------------------------------------------

    def run(self) -> PeriodFigures:
        clerk = aliased(User)
        group = func.coalesce(Ticket.queue_group, Ticket.service_group)
        overall = self.ticket_rows(literal("all")).get("all")
        on_clerk = (clerk, clerk.id == Ticket.clerk_id)
        on_window = (Counter, Counter.id == Ticket.counter_id)
        by_hour = self.ticket_rows(
            self.hour(Ticket.issued_at), served_key=self.hour(Ticket.finished_at)
        )
        cases = self.case_rows(literal("all"))
        decided, timely = self.decisions()
        levels = dict(
            self.s.execute(
                select(Rating.level, func.count())
                .where(
                    Rating.centre_id == self.centre_id,
                    Rating.rated_at >= self.start,
                    Rating.rated_at < self.end,
                )
                .group_by(Rating.level)
            ).all()
        )
        empty = TicketRow("all", 0, 0, 0, Times(0, None, None), Times(0, None, None))
        return PeriodFigures(
            first=self.first,
            last=self.last,
            tickets=overall or empty,
            by_group=_sorted(self.ticket_rows(group)),
            by_window=_sorted(self.ticket_rows(Counter.number, on_window)),
            by_clerk=_sorted(self.ticket_rows(clerk.display_name, on_clerk)),
            by_hour=tuple(
                _hour_row(r) for _k, r in sorted(by_hour.items(), key=lambda kv: kv[0] or -1)
            ),
            cases=cases[0][1] if cases else CaseRow("all", 0, 0, 0, 0),
            by_matter=tuple(r for _k, r in self.case_rows(Matter.name)),
            by_department=tuple(r for _k, r in self.case_rows(Matter.department)),
            by_case_type=tuple(r for _k, r in self.case_rows(Matter.case_type)),
            decided=decided,
            decided_on_time=timely,
            ratings_by_level={level: int(levels.get(level, 0)) for level in (5, 4, 3, 2, 1)},
        )


def _round(v: Any) -> float | None:
    return None if v is None else round(float(v), 1)


def _sorted(rows: dict[Any, TicketRow]) -> tuple[TicketRow, ...]:
    return tuple(sorted(rows.values(), key=lambda r: (r.key == "", r.key.zfill(4))))


def _hour_row(r: TicketRow) -> TicketRow:
    return TicketRow(r.key.zfill(2), r.issued, r.served, r.skipped, r.waiting, r.service)
