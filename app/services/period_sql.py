"""The SQL behind any period's figures: three statements, every aggregate computed by the database.

1. Tickets: the period's tickets are read once into a materialised CTE (group, window, clerk,
   hours, status, waiting and service minutes rounded to 0.1); from it, in the same statement,
   the counts per group / window / clerk / hour and the waiting and service histograms per key,
   whose running sums give the nearest-rank median and p90 (the smallest value whose running
   count reaches ⌈0.5n⌉, ⌈0.9n⌉ — rounding first picks the same value, rounding is monotone).
2. Cases: counts per matter and outcome (matter carries department and case type, so the
   department and case-type rows are sums of these counts).
3. Decisions and ratings: cases whose first decision falls in the period (and how many on time),
   and ratings by level by conditional aggregation, as scalar subqueries of one SELECT.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Numeric,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy import Date as Date_
from sqlalchemy.orm import Session, aliased

from app.clock import business_zone
from app.db.models import Case, CaseEvent, Counter, Matter, Rating, ServiceGroup, Ticket, User
from app.domain.case_states import CaseEventType

DECISIONS = [
    CaseEventType.APPROVE.name,
    CaseEventType.APPROVE_DEFERRED.name,
    CaseEventType.DENY.name,
]
TICKET_DIMS = ("all", "group", "window", "clerk", "hour")
# The statements are built once per dialect and zone (building them costs more than a day's SQL)
# and run with these parameters.
CENTRE: BindParameter[Any] = bindparam("centre_id")
FIRST: BindParameter[Any] = bindparam("first")
LAST: BindParameter[Any] = bindparam("last")
START: BindParameter[Any] = bindparam("start")
END: BindParameter[Any] = bindparam("end")
_CELL_COLUMNS = {"group": "grp", "window": "win", "clerk": "clerk"}
_STATEMENTS: dict[tuple[str, bool, int, str], Any] = {}
LEVELS = (5, 4, 3, 2, 1)


@dataclass(frozen=True)
class TicketCell:
    """Counts of one key of one dimension: issued, done, no-show."""

    issued: int
    done: int
    no_show: int


@dataclass(frozen=True)
class Picked:
    """Nearest-rank median and p90 (minutes) of one key of one dimension, over n values."""

    n: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class RawFigures:
    """What the three statements return, keyed by (dimension, key) as text."""

    counts: dict[tuple[str, str], TicketCell]
    served_by_hour: dict[str, int]
    waiting: dict[tuple[str, str], Picked]
    service: dict[tuple[str, str], Picked]
    # (matter name, department, case type, outcome) -> cases
    cases: dict[tuple[str, str, str, str], int]
    decided: int
    decided_on_time: int
    ratings_by_level: dict[int, int]


class PeriodSql:
    """One period of one centre, in the centre's business dates (first..last inclusive)."""

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
        """b − a in minutes, rounded to 0.1."""
        if self.sqlite:
            return func.round((func.julianday(b) - func.julianday(a)) * 1440.0, 1)
        return func.round(cast(func.extract("epoch", b - a) / 60.0, Numeric), 1)

    def hour(self, at: Any) -> ColumnElement[Any]:
        if self.sqlite:
            # SQLite keeps UTC times as text 'YYYY-MM-DD HH:MM:SS.ffffff': the local hour by
            # integer arithmetic on the text is several times cheaper than strftime() per row.
            h = cast(func.substr(at, 12, 2), Integer)
            m = cast(func.substr(at, 15, 2), Integer)
            return (h * 60 + m + (self.offset_minutes + 1440)) // 60 % 24
        return cast(func.extract("hour", func.timezone(self.zone_name, at)), Integer)

    def local_date(self, at: Any) -> ColumnElement[Any]:
        if self.sqlite:
            return func.date(at, f"{self.offset_minutes:+d} minutes")
        return cast(func.timezone(self.zone_name, at), Date_)

    # -- 1. tickets -----------------------------------------------------------------------------

    _window, _clerk = aliased(Counter, name="named_window"), aliased(User, name="named_clerk")
    _group = aliased(ServiceGroup, name="named_group")

    def _named(self, dim: str, key: Any) -> Any:
        """The key as shown: a group's name, a window's number, a clerk's name, else the key."""
        if dim == "group":
            return cast(func.coalesce(self._group.name, key), String)
        if dim == "window":
            return cast(self._window.number, String)
        if dim == "clerk":
            return cast(self._clerk.display_name, String)
        return key

    def _name_join(self, dim: str, grouped: Any, column: str = "k") -> Any:
        """`grouped` (rows already aggregated) joined to the group, window or clerk it names."""
        if dim == "group":
            return grouped.outerjoin(self._group, self._group.code == grouped.c[column])
        if dim == "window":
            return grouped.outerjoin(self._window, self._window.id == grouped.c[column])
        if dim == "clerk":
            return grouped.outerjoin(self._clerk, self._clerk.id == grouped.c[column])
        return grouped

    def _statement(self, name: str) -> Any:
        key = (name, self.sqlite, self.offset_minutes, self.zone_name)
        stmt = _STATEMENTS.get(key)
        if stmt is None:
            stmt = _STATEMENTS[key] = getattr(self, f"_{name}_statement")()
        return stmt

    def _execute(self, name: str) -> list[Any]:
        params = {
            "centre_id": self.centre_id,
            "first": self.first,
            "last": self.last,
            "start": self.start,
            "end": self.end,
        }
        return list(self.s.execute(self._statement(name), params))

    def tickets(
        self,
    ) -> tuple[dict[Any, TicketCell], dict[str, int], dict[Any, Picked], dict[Any, Picked]]:
        counts: dict[Any, TicketCell] = {}
        served: dict[str, int] = {}
        waiting: dict[Any, Picked] = {}
        service: dict[Any, Picked] = {}
        for d, m, k, a, b, c in self._execute("tickets"):
            at = (d, "" if k is None else str(k))
            if m == "c":
                counts[at] = TicketCell(int(a or 0), int(b or 0), int(c or 0))
            elif m == "s":
                served[at[1]] = int(a or 0)
            else:
                (waiting if m == "w" else service)[at] = Picked(int(a or 0), _num(b), _num(c))
        return counts, served, waiting, service

    def _tickets_statement(self) -> Any:
        t = (
            select(
                cast(func.coalesce(Ticket.queue_group, Ticket.service_group), String).label("grp"),
                Ticket.counter_id.label("win"),  # ids: named after aggregation, not per row
                Ticket.clerk_id.label("clerk"),
                self.hour(Ticket.issued_at).label("hi"),
                self.hour(Ticket.finished_at).label("hf"),
                Ticket.status.label("st"),
                self.minutes(Ticket.issued_at, Ticket.called_at).label("w"),
                self.minutes(Ticket.serving_at, Ticket.finished_at).label("v"),
            )
            .where(
                Ticket.centre_id == CENTRE,
                Ticket.business_date >= FIRST,
                Ticket.business_date <= LAST,
            )
            .cte("t")
            .prefix_with("MATERIALIZED")
        )
        hour_issued = func.substr(cast(100 + t.c.hi, String), 2, 2)  # "09"
        hour_finished = func.substr(cast(100 + t.c.hf, String), 2, 2)
        keys = {
            "all": literal("all", String),
            "group": t.c.grp,
            "window": t.c.win,
            "clerk": t.c.clerk,
            "hour": hour_issued,
        }
        # Histograms: (dimension, measure, key, value, how many); windows and clerks are grouped
        # by id and named on the grouped rows.
        branches = []
        for dim in TICKET_DIMS:
            for measure, value in (("w", t.c.w), ("v", t.c.v)):
                key = hour_finished if (dim, measure) == ("hour", "v") else keys[dim]
                grouped = (
                    select(key.label("k"), value.label("x"), func.count().label("n"))
                    .where(value.is_not(None))
                    .group_by(key, value)
                    .subquery()
                )
                branches.append(
                    select(
                        literal(dim, String).label("d"),
                        literal(measure, String).label("m"),
                        self._named(dim, grouped.c.k).label("k"),
                        grouped.c.x,
                        grouped.c.n,
                    ).select_from(self._name_join(dim, grouped))
                )
        h = union_all(*branches).subquery("h")
        part = (h.c.d, h.c.m, h.c.k)
        p = select(
            h.c.d,
            h.c.m,
            h.c.k,
            h.c.x,
            func.sum(h.c.n).over(partition_by=part, order_by=h.c.x).label("cum"),
            func.sum(h.c.n).over(partition_by=part).label("tot"),
        ).subquery("p")
        picked = select(
            p.c.d,
            p.c.m,
            p.c.k,
            cast(func.max(p.c.tot), Numeric).label("a"),
            cast(func.min(case((2 * p.c.cum >= p.c.tot, p.c.x))), Numeric).label("b"),
            cast(func.min(case((10 * p.c.cum >= 9 * p.c.tot, p.c.x))), Numeric).label("c"),
        ).group_by(p.c.d, p.c.m, p.c.k)
        # Counts: one pass over the tickets into cells (group, window, clerk, hours), whose few
        # rows are then summed per dimension.
        cells = (
            select(
                t.c.grp,
                t.c.win,
                t.c.clerk,
                hour_issued.label("hi"),
                hour_finished.label("hf"),
                func.count().label("n"),
                func.sum(case((t.c.st == "done", 1), else_=0)).label("done"),
                func.sum(case((t.c.st == "no_show", 1), else_=0)).label("no_show"),
            )
            .group_by(t.c.grp, t.c.win, t.c.clerk, hour_issued, hour_finished)
            .cte("cells")
            .prefix_with("MATERIALIZED")
        )
        cell_keys = {
            "all": literal("all", String),
            "group": self._named("group", cells.c.grp),
            "window": self._named("window", cells.c.win),
            "clerk": self._named("clerk", cells.c.clerk),
            "hour": cells.c.hi,
        }
        counted = [
            select(
                literal(dim, String),
                literal("c", String),
                cell_keys[dim],
                cast(func.sum(cells.c.n), Numeric),
                cast(func.sum(cells.c.done), Numeric),
                cast(func.sum(cells.c.no_show), Numeric),
            )
            .select_from(self._name_join(dim, cells, _CELL_COLUMNS.get(dim, "k")))
            .group_by(cell_keys[dim])
            for dim in TICKET_DIMS
        ]
        served_by_hour = (
            select(
                literal("hour", String),
                literal("s", String),
                cells.c.hf,
                cast(func.sum(cells.c.done), Numeric),
                cast(literal(0), Numeric),
                cast(literal(0), Numeric),
            )
            .where(cells.c.hf.is_not(None))
            .group_by(cells.c.hf)
        )
        return union_all(picked, *counted, served_by_hour)

    # -- 2. cases -------------------------------------------------------------------------------

    def cases(self) -> dict[tuple[str, str, str, str], int]:
        rows = self._execute("cases")
        return {(name, dept, kind, out): int(n) for name, dept, kind, out, n in rows}

    def _cases_statement(self) -> Any:
        told_ids = select(CaseEvent.case_id).where(
            CaseEvent.event_type == CaseEventType.REQUEST_SUPPLEMENT.name,
            CaseEvent.origin == "centre",
            CaseEvent.at >= START,  # told at intake, so never before the case was received
        )
        outcome = case(
            (Case.status == "REJECTED_AT_INTAKE", literal("refused")),
            (Case.status == "COMPLETED_ON_SPOT", literal("on_spot")),
            (Case.id.in_(told_ids), literal("told")),
            else_=literal("received"),
        )
        return (
            select(Matter.name, Matter.department, Matter.case_type, outcome, func.count())
            .select_from(Case)
            .join(Matter, Matter.id == Case.matter_id)
            .where(
                Case.centre_id == CENTRE,
                Case.received_at >= START,
                Case.received_at < END,
            )
            .group_by(Matter.name, Matter.department, Matter.case_type, outcome)
        )

    # -- 3. decisions and ratings ---------------------------------------------------------------

    def decisions_and_ratings(self) -> tuple[int, int, dict[int, int]]:
        total, timely, *levels = self._execute("decisions")[0]
        return (
            int(total or 0),
            int(timely or 0),
            {lv: int(n or 0) for lv, n in zip(LEVELS, levels, strict=True)},
        )

    def _decisions_statement(self) -> Any:
        """Cases whose first decision (approve, deny) falls in the period: the period's decision
        events, less those of cases decided before; on time = decided by the due date; and the
        ratings by level."""
        earlier = aliased(CaseEvent)
        first = (
            select(CaseEvent.case_id.label("case_id"), func.min(CaseEvent.at).label("at"))
            .where(
                CaseEvent.event_type.in_(DECISIONS),
                CaseEvent.at >= START,
                CaseEvent.at < END,
                ~select(earlier.id)
                .where(
                    earlier.case_id == CaseEvent.case_id,
                    earlier.event_type.in_(DECISIONS),
                    earlier.at < START,
                )
                .exists(),
            )
            .group_by(CaseEvent.case_id)
            .subquery("first_decision")
        )
        on_time = and_(Case.due_date.is_not(None), self.local_date(first.c.at) <= Case.due_date)
        decided = (
            select(func.count(), func.sum(case((on_time, 1), else_=0)))
            .select_from(first)
            .join(Case, Case.id == first.c.case_id)
            .where(Case.centre_id == CENTRE)
        ).subquery("decided")
        rated = (
            select(*(func.sum(case((Rating.level == lv, 1), else_=0)) for lv in LEVELS))
            .where(
                Rating.centre_id == CENTRE,
                Rating.rated_at >= START,
                Rating.rated_at < END,
            )
            .subquery("rated")
        )
        return select(decided, rated).select_from(decided.join(rated, true()))

    def run(self) -> RawFigures:
        counts, served, waiting, service = self.tickets()
        decided, timely, levels = self.decisions_and_ratings()
        return RawFigures(counts, served, waiting, service, self.cases(), decided, timely, levels)


def _num(v: Any) -> float | None:
    return None if v is None else round(float(v), 1)
