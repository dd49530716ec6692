"""The department's case list: filters, sorting and paging done by the database, counts per status."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select, true
from sqlalchemy.orm import Session, aliased

from app.domain.case_states import CaseStatus
from app.hub import workdays
from app.hub.departments import RUNNING, department_label, matter_names
from app.hub.dept_query import VIEW_STATUSES, VIEWS, ListQuery
from app.hub.models import HubCaseState, HubCentre, HubRecord

S = CaseStatus
MAX_NAME_MATCHES = 500


@dataclass
class ListResult:
    """One page of the department's case list, its total, and the view's overdue count when counted."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    size: int
    filtered: bool
    overdue: int | None = None  # the view's overdue cases, when counted on the way

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
    """The case record's JSON fields as SQL expressions (one `case_file` record per case). On
    PostgreSQL the due date is read once per row in a lateral subquery: the `json` type is parsed
    again by every `->>`, and filters, the sort and the overdue count each name the due date. (The
    other fields are shown only: PostgreSQL reads them for the page's rows alone.) Only worth it
    when a filter names the due date: otherwise the sort reads it once anyway."""

    def __init__(self, s: Session, due_filtered: bool = False) -> None:
        self.rec = aliased(HubRecord)
        self.received = self.rec.data["received_at"].as_string()
        self.resident = self.rec.data["resident_id"].as_string()
        self.due = self.rec.data["due_date"].as_string()
        self.once: Any = None
        if due_filtered and s.get_bind().dialect.name == "postgresql":
            self.once = (
                select(self.due.label("due"))
                .correlate(self.rec)
                .offset(0)  # keeps the planner from inlining it back into every use
                .lateral("case_due")
            )
            self.due = self.once.c.due

    def join(self, q: Select[Any]) -> Select[Any]:
        q = q.outerjoin(
            self.rec,
            and_(self.rec.entity_id == HubCaseState.case_id, self.rec.entity == "case_file"),
        )
        return q if self.once is None else q.outerjoin(self.once, true())


def _start_of(day: date) -> str:
    """The UTC instant a business day starts, as payload timestamps are written (ISO, +00:00)."""
    return datetime.combine(day, time(0), tzinfo=workdays.BUSINESS_ZONE).astimezone(UTC).isoformat()


def _filters(
    s: Session, department: str, q: ListQuery, cols: _Columns, today: date, soon: date
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [HubCaseState.department == department]
    statuses = VIEW_STATUSES[q.view]
    if statuses is not None:
        where.append(HubCaseState.status.in_(statuses))
    if q.view == "overdue":
        where.append(cols.due < today.isoformat())
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
        where.append(cols.due >= q.due_from.isoformat())
    if q.due_to:
        where.append(cols.due <= q.due_to.isoformat())
    if q.deadline:
        where.append(HubCaseState.status.in_(RUNNING))
        if q.deadline == "overdue":
            where.append(cols.due < today.isoformat())
        elif q.deadline == "soon":
            where.append(and_(cols.due >= today.isoformat(), cols.due <= soon.isoformat()))
        else:
            where.append(cols.due > soon.isoformat())
    if q.text:
        where.append(_text_match(s, q.text, cols))
    return where


def _text_match(s: Session, text: str, cols: _Columns) -> ColumnElement[bool]:
    """Part of a case number, or part of the applicant's name."""
    res = aliased(HubRecord)
    ids = s.scalars(
        select(res.entity_id)
        .where(
            res.entity == "resident", res.data["name"].as_string().contains(text, autoescape=True)
        )
        .limit(MAX_NAME_MATCHES)
    ).all()
    by_number = func.upper(HubCaseState.case_number).contains(text.upper(), autoescape=True)
    return or_(by_number, cols.resident.in_([str(i) for i in ids])) if ids else by_number


def _order(q: ListQuery, cols: _Columns) -> list[Any]:
    due = cols.due.asc().nulls_last()
    if q.sort == "due":
        return [due, cols.received]
    if q.sort == "due_desc":
        return [cols.due.desc().nulls_last(), cols.received]
    if q.sort == "received_desc":
        return [cols.received.desc(), HubCaseState.case_number]
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


def counts(s: Session, department: str) -> tuple[dict[str, int], dict[str, int]]:
    """How many cases each view holds (but 已超期: `overdue_count`), and each status."""
    by_status = dict(
        s.execute(
            select(HubCaseState.status, func.count())
            .where(HubCaseState.department == department)
            .group_by(HubCaseState.status)
        ).all()
    )
    out = {
        key: sum(n for st, n in by_status.items() if statuses is None or st in statuses)
        for key, _, statuses in VIEWS
        if key != "overdue"
    }
    return out, by_status


def overdue_count(s: Session, department: str, today: date) -> int:
    cols = _Columns(s)
    return (
        s.scalar(
            cols.join(select(func.count()).select_from(HubCaseState)).where(
                HubCaseState.department == department,
                HubCaseState.status.in_(RUNNING),
                cols.due < today.isoformat(),
            )
        )
        or 0
    )


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
    `view_counts` when given, else counted). The unfiltered 待办 view also counts its overdue
    cases on the way (`ListResult.overdue`), sparing the 已超期 tab a second pass."""
    calendar = workdays.hub_calendar(s)
    today = workdays.business_today(now)
    cols = _Columns(s, bool(q.view == "overdue" or q.due_from or q.due_to or q.deadline))
    where = _filters(s, department, q, cols, today, workdays.soon_bound(calendar, today))
    if view_counts is not None and not q.filtered and q.view in view_counts:
        total = view_counts[q.view]
    else:
        total = (
            s.scalar(cols.join(select(func.count()).select_from(HubCaseState)).where(*where)) or 0
        )
    page = min(q.page, max(1, math.ceil(total / q.size)))
    with_overdue = q.view == "todo" and not q.filtered
    overdue = func.count().filter(cols.due < today.isoformat()).over()
    found = s.execute(
        cols.join(
            select(
                HubCaseState.case_id,
                HubCaseState.case_number,
                HubCaseState.matter_code,
                HubCaseState.status,
                HubCentre.name,
                cols.due,
                cols.received,
                cols.resident,
                overdue if with_overdue else literal(None),
            ).join(HubCentre, HubCentre.id == HubCaseState.centre_id)
        )
        .where(*where)
        .order_by(*_order(q, cols))
        .limit(q.size)
        .offset((page - 1) * q.size)
    ).all()
    rows = [r[:8] for r in found]
    if names is None:
        names = matter_names(s, {r[2] for r in rows})
    people = applicant_names(s, [r[7] for r in rows])
    out = []
    for case_id, number, code, status, centre, due_text, received, resident in rows:
        due = workdays.parse_date(due_text)
        out.append(
            {
                "case_id": str(case_id),
                "case_number": number,
                "matter_code": code,
                "matter_name": names.get(code, ""),
                "centre": centre,
                "status": status,
                "status_label": department_label(status),
                "received": workdays.local_date(received) if received else None,
                "due_date": due,
                "deadline": workdays.deadline(calendar, today, due, status in RUNNING)
                if due
                else None,
                "applicant_name": people.get(str(resident), ""),
            }
        )
    result = ListResult(out, total, page, q.size, q.filtered)
    if with_overdue:
        result.overdue = int(found[0][8]) if found else 0
    return result


def applicant_names(s: Session, resident_ids: list[Any]) -> dict[str, str]:
    """Names of the page's applicants, in one query."""
    ids = []
    for raw in resident_ids:
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            continue
    if not ids:
        return {}
    rows = s.execute(
        select(HubRecord.entity_id, HubRecord.data["name"].as_string()).where(
            HubRecord.entity == "resident", HubRecord.entity_id.in_(ids)
        )
    ).all()
    return {str(i): str(name or "") for i, name in rows}
