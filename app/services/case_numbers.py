"""Shared counter helpers: case and document numbers, row payloads for the outbox, case events."""

from __future__ import annotations

import contextlib
import re
import secrets
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.clock import business_date
from app.db.base import Base
from app.db.models import (
    Case,
    CaseEvent,
    Centre,
    Counter,
    Matter,
    PrintedDocument,
    Resident,
    SequenceCounter,
    Ticket,
    User,
)
from app.db.payload import row_payload
from app.db.types import new_id
from app.domain.case_states import CaseEventType, CaseStatus, apply
from app.domain.errors import DomainError, IllegalTransition
from app.services.dto import CaseSummary, SignedInUser
from app.services.uow import UnitOfWork

SUPERVISOR_ROLES = frozenset({"supervisor"})  # administrators do no counter work


class NotFound(DomainError):
    """A record the caller named does not exist (or is not in the caller's centre)."""


def ticket_scope(centre_code: str, group_code: str, day: date) -> str:
    """The counter that numbers a group's tickets of one day."""
    return f"ticket:{centre_code}:{group_code}:{day:%Y%m%d}"


def case_scope(centre_code: str, day: date) -> str:
    return f"case:{centre_code}:{day:%Y%m%d}"


def rejection_scope(centre_code: str, year: int) -> str:
    return f"rejection:{centre_code}:{year}"


def case_number(uow: UnitOfWork, centre_code: str, day: date) -> str:
    """District-unique: <centre code><yyyymmdd><4-digit daily sequence>, e.g. 990101202611230007."""
    seq = uow.next_value(case_scope(centre_code, day))
    return f"{centre_code}{day:%Y%m%d}{seq:04d}"


def verification_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def supplement_scope(centre_code: str, year: int) -> str:
    return f"supplement:{centre_code}:{year}"


def rejection_number(uow: UnitOfWork, centre_code: str, year: int, prefix: str = "") -> str:
    """Per centre and year, after the centre's prefix: 秣便不受字〔2026〕第12号."""
    seq = uow.next_value(rejection_scope(centre_code, year))
    return f"{prefix}〔{year}〕第{seq}号"


def supplement_number(uow: UnitOfWork, centre_code: str, year: int, prefix: str = "") -> str:
    """The 一次性告知书's own numbering, per centre and year: 秣便补字〔2026〕第3号."""
    seq = uow.next_value(supplement_scope(centre_code, year))
    return f"{prefix}〔{year}〕第{seq}号"


# A document number after any prefix the centre puts before it (秣便不受字〔2026〕第12号).
_DOCUMENT_NUMBER = re.compile(r"〔(\d{4})〕第(\d+)号$")


def rebuild_number_counters(s: Session) -> int:
    """Raise every numbering counter (tickets per group and day, case numbers per day, refusal
    notices per year) to at least the highest number already stored, so the next number drawn
    follows it. Needed when rows come back without their counters (a centre restored from the
    hub); counters already higher are left alone. Returns how many counters were raised."""
    codes: dict[uuid.UUID, str] = {i: c for i, c in s.execute(select(Centre.id, Centre.code))}
    found: dict[str, int] = {}

    def seen(scope: str, value: int) -> None:
        if value > found.get(scope, 0):
            found[scope] = value

    tickets = s.execute(
        select(
            Ticket.centre_id, Ticket.business_date, Ticket.service_group, func.max(Ticket.seq)
        ).group_by(Ticket.centre_id, Ticket.business_date, Ticket.service_group)
    )
    for centre_id, day, group, top in tickets:
        if centre_id in codes and top:
            seen(ticket_scope(codes[centre_id], group, day), int(top))
    for centre_id, number in s.execute(select(Case.centre_id, Case.case_number)):
        code = codes.get(centre_id)
        rest = number[len(code) :] if code and number.startswith(code) else ""
        if len(rest) >= 12 and rest.isdigit():
            with contextlib.suppress(ValueError):
                seen(
                    case_scope(code or "", date(int(rest[:4]), int(rest[4:6]), int(rest[6:8]))),
                    int(rest[8:]),
                )
    refusals = s.execute(
        select(Case.centre_id, CaseEvent.detail)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.event_type == CaseEventType.REJECT_AT_INTAKE.name)
    )
    printed = s.execute(
        select(PrintedDocument.centre_id, PrintedDocument.document_number).where(
            PrintedDocument.kind == "rejection"
        )
    )
    numbers = [(c, str((d or {}).get("document_number") or "")) for c, d in refusals]
    numbers += [(c, n) for c, n in printed]
    for centre_id, text in numbers:
        m = _DOCUMENT_NUMBER.search(text.strip())
        if m and centre_id in codes:
            seen(rejection_scope(codes[centre_id], int(m.group(1))), int(m.group(2)))
    notices = s.execute(
        select(Case.centre_id, CaseEvent.detail)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.event_type == CaseEventType.REQUEST_SUPPLEMENT.name)
    )
    for centre_id, detail in notices:
        m = _DOCUMENT_NUMBER.search(str((detail or {}).get("document_number") or ""))
        if m and centre_id in codes:
            seen(supplement_scope(codes[centre_id], int(m.group(1))), int(m.group(2)))
    raised = 0
    current: dict[str, int] = {}
    if found:
        stored = select(SequenceCounter.scope, SequenceCounter.value).where(
            SequenceCounter.scope.in_(list(found))
        )
        current = {scope: value for scope, value in s.execute(stored)}
    for scope, value in sorted(found.items()):
        if scope not in current:
            s.add(SequenceCounter(id=new_id(), scope=scope, value=value))
            raised += 1
        elif current[scope] < value:
            s.execute(
                update(SequenceCounter).where(SequenceCounter.scope == scope).values(value=value)
            )
            raised += 1
    s.flush()
    return raised


def sync_row(uow: UnitOfWork, entity: str, row: Base, **kw: Any) -> None:
    uow.session.flush()
    uow.record_change(entity, row.id, row_payload(row, **kw))  # type: ignore[attr-defined]


def get_or_404(s: Session, model: type[Any], key: uuid.UUID | None, what: str) -> Any:
    row = s.get(model, key) if key is not None else None
    if row is None:
        raise NotFound("NOT_FOUND", f"找不到该{what}")
    return row


def require_centre(user: SignedInUser, centre_id: uuid.UUID) -> None:
    if user.centre_id is not None and user.centre_id != centre_id:
        raise IllegalTransition("WRONG_CENTRE", "该记录不属于本服务中心")


def require_supervisor(user: SignedInUser) -> None:
    if user.role not in SUPERVISOR_ROLES:
        raise IllegalTransition("SUPERVISOR_ONLY", "只有值班长或管理员可以执行此操作")


def case_status(case: Case) -> CaseStatus:
    return CaseStatus[case.status]


def append_event(
    uow: UnitOfWork,
    case: Case,
    event: CaseEventType,
    user: SignedInUser,
    at: datetime,
    *,
    origin: str = "centre",
    counter_id: uuid.UUID | None = None,
    note: str = "",
    detail: dict[str, Any] | None = None,
) -> CaseEvent:
    """Apply `event` through the state machine (IllegalTransition if not allowed), store it, update
    the cached status and queue the event for the hub. The caller syncs the case row itself."""
    s = uow.session
    current = CaseStatus[case.status] if case.status else None
    status = apply(current, event)
    last = s.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id)) or 0
    row = CaseEvent(
        id=new_id(),
        case_id=case.id,
        seq=last + 1,
        event_type=event.name,
        status_after=status.name,
        at=at,
        actor_id=user.id,
        actor_name=user.display_name,
        origin=origin,
        centre_id=case.centre_id,
        counter_id=counter_id,
        note=note[:500],
        detail=detail or {},
    )
    s.add(row)
    case.status = status.name
    case.updated_at = at
    sync_row(uow, "case_event", row)
    return row


def summary_of(case: Case, matter_name: str, resident: Resident, deadline: str) -> CaseSummary:
    from app.domain.masking import mask_id_number, mask_name

    status = CaseStatus[case.status]
    return CaseSummary(
        id=case.id,
        case_number=case.case_number,
        matter_code=case.matter_code,
        matter_name=matter_name,
        applicant_name_masked=mask_name(resident.name),
        applicant_id_masked=mask_id_number(resident.id_number),
        status=status.name,
        status_label=status.label,
        received_at=case.received_at,
        due_date=case.due_date,
        deadline=deadline,
    )


def counter_of(s: Session, counter_id: uuid.UUID, user: SignedInUser) -> Counter:
    counter: Counter = get_or_404(s, Counter, counter_id, "窗口")
    require_centre(user, counter.centre_id)
    return counter


def load_context(s: Session, case: Case) -> tuple[Centre, Matter, Resident, User]:
    return (
        s.get_one(Centre, case.centre_id),
        s.get_one(Matter, case.matter_id),
        s.get_one(Resident, case.resident_id),
        s.get_one(User, case.clerk_id),
    )


def today_of(at: datetime) -> date:
    return business_date(at)
