"""The cases behind one cell of a period's figures (a matter, department or case type): one
statement over the period's received-time index, capped, with the total counted alongside."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import business_date, business_zone
from app.db.models import Case, Matter, Resident
from app.domain.case_states import CaseStatus
from app.domain.errors import ValidationError
from app.domain.masking import mask_name

CAP = 500
DIMENSIONS = {
    "matter": Matter.name,
    "department": Matter.department,
    "case_type": Matter.case_type,
}


@dataclass(frozen=True)
class PeriodCase:
    """One case of a cell: what the list shows; the applicant's name masked."""

    id: uuid.UUID
    case_number: str
    received_on: date  # in the centre's business zone
    matter_name: str
    status_label: str
    applicant_masked: str


@dataclass(frozen=True)
class PeriodCases:
    """The cases of one cell, by received time; at most `cap` of `total`."""

    dimension: str
    key: str
    first: date
    last: date
    cases: tuple[PeriodCase, ...]
    total: int
    cap: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.cases)


def check_dimension(dimension: str) -> None:
    if dimension not in DIMENSIONS:
        raise ValidationError("DIMENSION", f"未知的统计维度：{dimension}", "dimension")


def period_cases(
    s: Session,
    centre_id: uuid.UUID,
    first: date,
    last: date,
    dimension: str,
    key: str,
    cap: int = CAP,
) -> PeriodCases:
    """One SELECT: the cell's cases received in the period, the first `cap` by received time,
    each row carrying the cell's total (a window count, taken before the LIMIT)."""
    check_dimension(dimension)
    zone = business_zone()
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    stmt: Any = (
        select(
            Case.id,
            Case.case_number,
            Case.received_at,
            Matter.name,
            Case.status,
            Resident.name,
            func.count().over().label("total"),
        )
        .select_from(Case)
        .join(Matter, Matter.id == Case.matter_id)
        .join(Resident, Resident.id == Case.resident_id)
        .where(
            Case.centre_id == centre_id,
            Case.received_at >= start,
            Case.received_at < end,
            DIMENSIONS[dimension] == key,
        )
        .order_by(Case.received_at, Case.case_number)
        .limit(cap)
    )
    rows = list(s.execute(stmt))
    cases = tuple(
        PeriodCase(
            id=case_id,
            case_number=number,
            received_on=business_date(received, zone),
            matter_name=matter,
            status_label=_label(status),
            applicant_masked=mask_name(name),
        )
        for case_id, number, received, matter, status, name, _total in rows
    )
    total = int(rows[0].total) if rows else 0
    return PeriodCases(dimension, key, first, last, cases, total, cap)


def _label(status: str) -> str:
    try:
        return CaseStatus[status].label
    except KeyError:
        return status
