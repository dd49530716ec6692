"""Any period's figures for the supervisor: the DTOs, the service and their assembly from the
database's aggregates (app/services/period_sql.py: three statements)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from app.domain.errors import ValidationError
from app.services.case_numbers import require_centre, require_supervisor
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from app.services.period_cases import PeriodCases, check_dimension, period_cases
from app.services.period_sql import PeriodSql, Picked, RawFigures, TicketCell

MAX_DAYS = 366
# Stated on screen with the figures.
FORMULAS = (
    "等候时间 = 叫号时间 − 取号时间；办理时间 = 办结时间 − 开始办理时间",
    "中位数、P90 按最近秩法：n 个值从小到大排列，取第 ⌈0.5n⌉ 个、第 ⌈0.9n⌉ 个",
    "满意率 = （非常满意 + 满意 + 基本满意）÷ 评价总数 × 100%",
    "按时办结率 = 期限内作出决定的办件 ÷ 本期作出决定的办件 × 100%（以办结期限为准，含延期）",
    "办件按结果分开统计：不予受理、即办、一次性告知（窗口一次性告知补正）、受理（其余）",
)
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
        centre_id = _check(user, first, last)
        with self.ctx.uow(read_only=True) as uow:
            raw = PeriodSql(uow.session, centre_id, first, last).run()
        return _build(raw, first, last)

    def cases(
        self, user: SignedInUser, first: date, last: date, dimension: str, key: str
    ) -> PeriodCases:
        """The cases behind one row of the matter, department or case-type table (capped)."""
        centre_id = _check(user, first, last)
        check_dimension(dimension)
        with self.ctx.uow(read_only=True) as uow:
            return period_cases(uow.session, centre_id, first, last, dimension, key)


def _check(user: SignedInUser, first: date, last: date) -> uuid.UUID:
    """The supervisor's own centre, once the period is checked."""
    require_supervisor(user)
    if user.centre_id is None:
        raise ValidationError("CENTRE_REQUIRED", "请以服务中心的账号查看统计", "centre")
    if last < first:
        raise ValidationError("PERIOD", "结束日期不能早于开始日期", "last")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError("PERIOD", f"统计期间不能超过 {MAX_DAYS} 天", "last")
    require_centre(user, user.centre_id)
    return user.centre_id


def _build(raw: RawFigures, first: date, last: date) -> PeriodFigures:
    """The DTO from the database's aggregates: ticket rows per dimension, and the case rows of
    each department and case type as sums of the per-matter counts."""
    empty = Times(0, None, None)

    def times(picked: Picked | None) -> Times:
        return empty if picked is None else Times(picked.n, picked.median, picked.p90)

    def ticket_rows(dim: str) -> dict[str, TicketRow]:
        keys = {k for d, k in (*raw.counts, *raw.waiting, *raw.service) if d == dim}
        if dim == "hour":
            keys |= set(raw.served_by_hour)
        rows = {}
        for k in keys:
            cell = raw.counts.get((dim, k), TicketCell(0, 0, 0))
            served = raw.served_by_hour.get(k, 0) if dim == "hour" else cell.done
            rows[k] = TicketRow(
                key=k,
                issued=cell.issued,
                served=served,
                skipped=cell.no_show,
                waiting=times(raw.waiting.get((dim, k))),
                service=times(raw.service.get((dim, k))),
            )
        return rows

    def case_rows(pick: int) -> list[CaseRow]:
        table: dict[str, dict[str, int]] = {}
        for key, n in raw.cases.items():
            name = key[pick] if pick >= 0 else "all"
            row = table.setdefault(name, dict.fromkeys(OUTCOMES, 0))
            row[key[3]] += n
        rows = [CaseRow(k, **v) for k, v in table.items()]
        return sorted(rows, key=lambda r: (-r.total, r.key))

    overall = ticket_rows("all").get("all")
    by_hour = ticket_rows("hour")
    cases = case_rows(-1)
    return PeriodFigures(
        first=first,
        last=last,
        tickets=overall or TicketRow("all", 0, 0, 0, empty, empty),
        by_group=_sorted(ticket_rows("group")),
        by_window=_sorted(ticket_rows("window")),
        by_clerk=_sorted(ticket_rows("clerk")),
        by_hour=tuple(by_hour[k] for k in sorted(by_hour, key=lambda k: k or "99")),
        cases=cases[0] if cases else CaseRow("all", 0, 0, 0, 0),
        by_matter=tuple(case_rows(0)),
        by_department=tuple(case_rows(1)),
        by_case_type=tuple(case_rows(2)),
        decided=raw.decided,
        decided_on_time=raw.decided_on_time,
        ratings_by_level=dict(raw.ratings_by_level),
    )


def _sorted(rows: dict[str, TicketRow]) -> tuple[TicketRow, ...]:
    return tuple(sorted(rows.values(), key=lambda r: (r.key == "", r.key.zfill(4))))
