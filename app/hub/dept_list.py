"""The department's case list: filters, sorting and paging done by the database, counts per status."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.domain.case_states import CaseStatus
from app.hub import workdays
from app.hub.departments import RUNNING, department_label, matter_names
from app.hub.dept_query import VIEW_STATUSES, VIEWS, ListQuery
from app.hub.models import HubCaseState, HubCentre

S = CaseStatus


@dataclass
class ListResult:
    """One page of the department's case list and its total."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    size: int
    filtered: bool

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1


class _Columns:
    """What the list filters, sorts and shows of a case: real columns of hub_case_state, filled at
    ingest and indexed with the department first (migration h0005), never JSON read per request."""

    def __init__(self) -> None:
        self.received = HubCaseState.received_at
        self.due = HubCaseState.due_date
        self.name = HubCaseState.applicant_name


def _start_of(day: date) -> datetime:
    """The UTC instant a business day starts."""
    return datetime.combine(day, time(0), tzinfo=workdays.BUSINESS_ZONE).astimezone(UTC)


def _filters(
    department: str, q: ListQuery, cols: _Columns, today: date, soon: date
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [HubCaseState.department == department]
    statuses = VIEW_STATUSES[q.view]
    if statuses is not None:
        where.append(HubCaseState.status.in_(statuses))
    if q.view == "overdue":
        where.append(cols.due < today)
    if q.status:
        where.append(HubCaseState.status == q.status)
    if q.centre:
        try:
            where.append(HubCaseState.centre_id == uuid.UUID(q.centre))
        except ValueError:
            where.append(HubCaseState.centre_id.is_(None))  # an odd value matches nothing
    if q.matter:
        where.append(HubCaseState.matter_code == q.matter)
    if q.received_from:
        where.append(cols.received >= _start_of(q.received_from))
    if q.received_to:
        where.append(
            cols.received < _start_of(q.received_to.fromordinal(q.received_to.toordinal() + 1))
        )
    if q.due_from:
        where.append(cols.due >= q.due_from)
    if q.due_to:
        where.append(cols.due <= q.due_to)
    if q.supervised == "yes":
        where.append(HubCaseState.supervised_at.is_not(None))
    elif q.supervised == "no":
        where.append(HubCaseState.supervised_at.is_(None))
    if q.deadline:
        where.append(HubCaseState.status.in_(RUNNING))
        if q.deadline == "overdue":
            where.append(cols.due < today)
        elif q.deadline == "soon":
            where.append(and_(cols.due >= today, cols.due <= soon))
        else:
            where.append(cols.due > soon)
    if q.text:
        where.append(_text_match(q.text, cols))
    return where


def _text_match(text: str, cols: _Columns) -> ColumnElement[bool]:
    """Part of a case number, or part of the applicant's name."""
    by_number = func.upper(HubCaseState.case_number).contains(text.upper(), autoescape=True)
    return or_(by_number, cols.name.contains(text, autoescape=True))


def _order(q: ListQuery, cols: _Columns) -> list[Any]:
    due = cols.due.asc().nulls_last()
    if q.sort == "due":
        return [due, cols.received]
    if q.sort == "due_desc":
        return [cols.due.desc().nulls_last(), cols.received]
    if q.sort == "received_desc":  # a backward walk of (department, received_at, case_number)
        return [cols.received.desc(), HubCaseState.case_number.desc()]
    if q.sort == "received":
        return [cols.received, HubCaseState.case_number]
    if q.sort == "number":
        return [HubCaseState.case_number]
    if q.sort == "updated_desc":
        return [HubCaseState.updated_at.desc()]
    waiting = case((HubCaseState.status == S.ROUTED.name, 0), else_=1)
    return [waiting, due, HubCaseState.case_number]


def status_choices(by_status: Mapping[str, int], chosen: str) -> list[tuple[str, str]]:
    """The statuses this department's cases are in, with how many each (and the chosen one)."""
    return [
        (st.name, f"{department_label(st.name)}（{by_status.get(st.name, 0)}）")
        for st in CaseStatus
        if by_status.get(st.name) or st.name == chosen
    ]


def exact_case(s: Session, department: str, text: str) -> uuid.UUID | None:
    """The case whose number is exactly `text` (what a barcode scanner types), if routed here."""
    number = text.strip()
    if not number:
        return None
    return s.scalar(
        select(HubCaseState.case_id)
        .where(
            HubCaseState.department == department,
            func.upper(HubCaseState.case_number) == number.upper(),
        )
        .limit(1)
    )


@dataclass
class Counts:
    """The tabs' counts (every view, 已超期 included), each status's, and the open 督办 cases."""

    views: dict[str, int]
    by_status: dict[str, int]
    supervised_open: int


def counts(s: Session, department: str, today: date) -> Counts:
    """All the list's counts in one pass over the department's cases (per status, with the
    overdue and 督办 ones of each status counted on the way)."""
    late = HubCaseState.due_date < today
    rows = s.execute(
        select(
            HubCaseState.status,
            func.count(),
            func.count().filter(late),
            func.count().filter(HubCaseState.supervised_at.is_not(None)),
        )
        .where(HubCaseState.department == department)
        .group_by(HubCaseState.status)
    ).all()
    by_status = {st: n for st, n, _, _ in rows}
    views = {
        key: sum(n for st, n in by_status.items() if statuses is None or st in statuses)
        for key, _, statuses in VIEWS
    }
    views["overdue"] = sum(n for st, _, n, _ in rows if st in RUNNING)
    supervised = sum(n for st, _, _, n in rows if st in RUNNING)
    return Counts(views, by_status, supervised)


def choices(
    s: Session, department: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, str]]:
    """The centres and matters that have cases for this department, for the filter lists, and the
    matters' names (every code of the department: the page's rows need no second look-up)."""
    centres = s.execute(
        select(HubCentre.id, HubCentre.name, HubCentre.code)
        .where(
            HubCentre.id.in_(
                select(HubCaseState.centre_id).where(HubCaseState.department == department)
            )
        )
        .order_by(HubCentre.name)
    ).all()
    codes = s.scalars(
        select(HubCaseState.matter_code)
        .where(HubCaseState.department == department)
        .group_by(HubCaseState.matter_code)
        .order_by(HubCaseState.matter_code)
    ).all()
    names = matter_names(s, codes)
    return (
        [(str(i), name or code) for i, name, code in centres],
        [(c, f"{names[c]}（{c}）" if c in names else c) for c in codes],
        names,
    )


def search(
    s: Session,
    department: str,
    q: ListQuery,
    now: datetime,
    names: Mapping[str, str] | None = None,
    view_counts: Mapping[str, int] | None = None,
) -> ListResult:
    """One page of the department's cases as asked, with the total and deadline words (matter
    names from `names` when given, else looked up; the total of an unfiltered view from
    `view_counts` when given, else counted)."""
    calendar = workdays.hub_calendar(s)
    today = workdays.business_today(now)
    cols = _Columns()
    where = _filters(department, q, cols, today, workdays.soon_bound(calendar, today))
    if view_counts is not None and not q.filtered and q.view in view_counts:
        total = view_counts[q.view]
    else:
        total = s.scalar(select(func.count()).select_from(HubCaseState).where(*where)) or 0
    page = min(q.page, max(1, math.ceil(total / q.size)))
    rows = s.execute(
        select(
            HubCaseState.case_id,
            HubCaseState.case_number,
            HubCaseState.matter_code,
            HubCaseState.status,
            HubCentre.name,
            cols.due,
            cols.received,
            cols.name,
            HubCaseState.supervised_at,
            HubCaseState.supervision_note,
            HubCaseState.extended_days,
        )
        .join(HubCentre, HubCentre.id == HubCaseState.centre_id)
        .where(*where)
        .order_by(*_order(q, cols))
        .limit(q.size)
        .offset((page - 1) * q.size)
    ).all()
    if names is None:
        names = matter_names(s, {r[2] for r in rows})
    out = []
    for r in rows:
        case_id, number, code, status, centre, due, received, applicant = r[:8]
        running = status in RUNNING
        out.append(
            {
                "case_id": str(case_id),
                "case_number": number,
                "matter_code": code,
                "matter_name": names.get(code, ""),
                "centre": centre,
                "status": status,
                "status_label": department_label(status),
                "received": received.astimezone(workdays.BUSINESS_ZONE).date()
                if received
                else None,
                "due_date": due,
                "deadline": workdays.deadline(calendar, today, due, running) if due else None,
                "applicant_name": applicant,
                "supervised": r.supervised_at is not None,
                "supervision_note": r.supervision_note,
                "extended_days": r.extended_days,
            }
        )
    return ListResult(out, total, page, q.size, q.filtered)
