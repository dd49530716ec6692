"""The district's figures at the hub, per centre and for the district as a whole: satisfaction,
overdue cases and 差评整改 follow-ups, and 响应率/解决率 of routed cases per department. Every figure
is a GROUP BY in the database over indexed columns (hub_rating, hub_follow_up, hub_case_state);
only the grouped counts reach Python, where centre and department totals are summed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.domain.case_states import CaseStatus, clock_running
from app.hub import workdays
from app.hub.departments import RUNNING
from app.hub.models import HubCaseState, HubCentre, HubFollowUp, HubRatingDay, HubRoutedDay

LEVELS = (5, 4, 3, 2, 1)
LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
SATISFIED = (5, 4, 3)  # the counter's formula (app/services/period_figures.py), so both agree
BAD = (2, 1)
CLOCK_RUNNING = tuple(s.name for s in CaseStatus if clock_running(s))
# Stated on the page and in the exports, word for word.
FORMULAS = (
    "满意率 = （非常满意 + 满意 + 基本满意）÷ 评价总数 × 100%（期间内作出的评价；与受理中心统计口径相同）",
    "超期办件 = 截至今天仍在办理期限内计时（已受理未决定、已转办、部门审查中）且承诺期限（含延期）早于今天的办件",
    "超期未整改 = 截至今天仍未结案、整改期限早于今天的差评整改",
    "转办件数 = 期间内受理并转办到该部门的办件，不含部门响应前申请人已撤回的",
    "响应率 = 已响应件数 ÷ 转办件数 × 100%；已响应：部门已作出部门受理或决定（截至今天）",
    "解决率 = 已决定件数 ÷ 转办件数 × 100%；已决定：部门已作出批准、容缺批准或不予批准（截至今天）",
    "部门超期未决 = 截至今天待部门受理或审查中、承诺期限（含延期）早于今天的办件",
)


@dataclass(frozen=True)
class Period:
    """Business dates from `start` to `end`, both included (Asia/Shanghai)."""

    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The UTC instants the period starts and ends (exclusive)."""
        zone = workdays.BUSINESS_ZONE
        a = datetime.combine(self.start, time(0), tzinfo=zone).astimezone(UTC)
        b = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        return a, b


def rate(part: int, whole: int) -> float | None:
    """A share (0 … 1), or None when there is nothing to divide."""
    return part / whole if whole else None


@dataclass
class CentreFigures:
    """One centre's figures (or the district's, summed)."""

    code: str
    name: str
    levels: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    follow_ups_opened: int = 0
    follow_ups_closed: int = 0
    follow_ups_open: int = 0
    follow_ups_overdue: int = 0
    cases_overdue: int = 0
    routed: int = 0

    @property
    def ratings(self) -> int:
        return sum(self.levels.values())

    @property
    def satisfied(self) -> int:
        return sum(self.levels[x] for x in SATISFIED)

    @property
    def bad(self) -> int:
        return sum(self.levels[x] for x in BAD)

    @property
    def satisfaction(self) -> float | None:
        return rate(self.satisfied, self.ratings)

    def add(self, other: CentreFigures) -> None:
        for x in LEVELS:
            self.levels[x] += other.levels[x]
        for name in (
            "follow_ups_opened",
            "follow_ups_closed",
            "follow_ups_open",
            "follow_ups_overdue",
            "cases_overdue",
            "routed",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class DepartmentFigures:
    """Cases routed to one department (at one centre, or district-wide)."""

    department: str
    centre: str = ""  # "" for the district as a whole
    routed: int = 0
    responded: int = 0
    decided: int = 0
    overdue: int = 0  # waiting for the department past the due date, today

    @property
    def response_rate(self) -> float | None:
        return rate(self.responded, self.routed)

    @property
    def resolution_rate(self) -> float | None:
        return rate(self.decided, self.routed)


@dataclass
class DistrictFigures:
    """Everything the district page and its exports show."""

    period: Period
    today: date
    department: str | None  # set: a department's own figures only
    centres: list[CentreFigures]
    total: CentreFigures
    departments: list[DepartmentFigures]
    by_centre: list[DepartmentFigures]  # department × centre

    @property
    def departments_total(self) -> DepartmentFigures:
        """Every department's routed cases together."""
        t = DepartmentFigures("全部部门")
        for d in self.departments:
            t.routed, t.responded = t.routed + d.routed, t.responded + d.responded
            t.decided, t.overdue = t.decided + d.decided, t.overdue + d.overdue
        return t


def _centres(s: Session) -> dict[uuid.UUID, CentreFigures]:
    rows = s.execute(select(HubCentre.id, HubCentre.code, HubCentre.name)).all()
    return {i: CentreFigures(code, name or code) for i, code, name in rows}


def _centre_figures(
    s: Session, centres: dict[uuid.UUID, CentreFigures], period: Period, today: date
) -> None:
    a, b = period.bounds
    for cid, level, n in s.execute(
        select(HubRatingDay.centre_id, HubRatingDay.level, func.sum(HubRatingDay.n))
        .where(HubRatingDay.day.between(period.start, period.end), HubRatingDay.level.between(1, 5))
        .group_by(HubRatingDay.centre_id, HubRatingDay.level)
    ):
        if cid in centres:
            centres[cid].levels[level] = int(n or 0)
    is_open = HubFollowUp.status == "open"
    for cid, opened, closed, still_open, overdue in s.execute(
        select(
            HubFollowUp.centre_id,
            func.count().filter(and_(HubFollowUp.opened_at >= a, HubFollowUp.opened_at < b)),
            func.count().filter(and_(HubFollowUp.closed_at >= a, HubFollowUp.closed_at < b)),
            func.count().filter(is_open),
            func.count().filter(and_(is_open, HubFollowUp.due_date < today)),
        )
        .where(
            or_(
                is_open,
                HubFollowUp.opened_at.between(a, b),
                HubFollowUp.closed_at.between(a, b),
            )
        )
        .group_by(HubFollowUp.centre_id)
    ):
        if cid in centres:
            c = centres[cid]
            c.follow_ups_opened, c.follow_ups_closed = opened, closed
            c.follow_ups_open, c.follow_ups_overdue = still_open, overdue


def _department_figures(
    s: Session,
    centres: dict[uuid.UUID, CentreFigures],
    period: Period,
    today: date,
    department: str | None,
) -> tuple[list[DepartmentFigures], list[DepartmentFigures]]:
    cells: dict[tuple[str, uuid.UUID], DepartmentFigures] = {}

    def cell(dept: str, cid: uuid.UUID) -> DepartmentFigures:
        name = centres[cid].name if cid in centres else str(cid)
        return cells.setdefault((dept, cid), DepartmentFigures(dept, name))

    routed = select(
        HubRoutedDay.department,
        HubRoutedDay.centre_id,
        func.sum(HubRoutedDay.routed),
        func.sum(HubRoutedDay.responded),
        func.sum(HubRoutedDay.decided),
    ).where(HubRoutedDay.day.between(period.start, period.end))
    if department is not None:
        routed = routed.where(HubRoutedDay.department == department)
    for dept, cid, n, responded, decided in s.execute(
        routed.group_by(HubRoutedDay.department, HubRoutedDay.centre_id)
    ):
        if not n:
            continue
        c = cell(dept, cid)
        c.routed, c.responded, c.decided = int(n), int(responded or 0), int(decided or 0)
        if cid in centres:
            centres[cid].routed += int(n)
    # cases past their due date today, by centre and department and status: the centre counts every
    # case whose clock runs, the department those waiting for it
    late = select(
        HubCaseState.centre_id, HubCaseState.department, HubCaseState.status, func.count()
    ).where(HubCaseState.status.in_(CLOCK_RUNNING), HubCaseState.due_date < today)
    if department is not None:
        late = late.where(HubCaseState.department == department)
    for cid, dept, status, n in s.execute(
        late.group_by(HubCaseState.centre_id, HubCaseState.department, HubCaseState.status)
    ):
        if cid in centres and department is None:
            centres[cid].cases_overdue += n
        if dept and status in RUNNING:
            cell(dept, cid).overdue += n
    by_centre = sorted(cells.values(), key=lambda d: (d.department, d.centre))
    totals: dict[str, DepartmentFigures] = {}
    for d in by_centre:
        t = totals.setdefault(d.department, DepartmentFigures(d.department))
        t.routed += d.routed
        t.responded += d.responded
        t.decided += d.decided
        t.overdue += d.overdue
    if department is not None and department not in totals:
        totals[department] = DepartmentFigures(department)
    return sorted(totals.values(), key=lambda d: d.department), by_centre


def figures(
    s: Session, period: Period, now: datetime, department: str | None = None
) -> DistrictFigures:
    """The district's figures for `period` (snapshot figures as of today); with `department`, that
    department's routed-case figures only (no centre's satisfaction or follow-ups)."""
    today = workdays.business_today(now)
    centres = _centres(s)
    departments, by_centre = _department_figures(s, centres, period, today, department)
    if department is None:
        _centre_figures(s, centres, period, today)
    listed = sorted(centres.values(), key=lambda c: c.code)
    total = CentreFigures("", "全区合计")
    for c in listed:
        total.add(c)
    return DistrictFigures(period, today, department, listed, total, departments, by_centre)
