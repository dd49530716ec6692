"""A push batch's effect on the hub's merged case states: events, case records, conflicts, likely duplicates."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.domain.case_states import (
    FINAL_STATUSES,
    CaseEventType,
    apply,
    parse_event,
    parse_status,
)
from app.domain.errors import DomainError, IllegalTransition
from app.hub.batch import parse_uuid
from app.hub.changes import Probe
from app.hub.models import HubCaseState, HubCentre, HubConflict, HubRecord
from app.hub.workdays import BUSINESS_ZONE
from app.sync.protocol import MAX_SEQ, conflict_id

STATE_COLUMNS = (
    "case_id",
    "centre_id",
    "case_number",
    "matter_code",
    "department",
    "resident_key",
    "status",
    "last_seq",
    "last_event_id",
    "updated_at",
    "resident_id",
    "applicant_name",
    "received_at",
    "due_date",
    "extended_days",
    "supervised_at",
    "supervision_note",
    "responded_at",
    "decided_at",
)
_FINAL = frozenset(s.name for s in FINAL_STATUSES)
STATE = tuple(getattr(HubCaseState, c) for c in STATE_COLUMNS)


def resident_key(payload: dict[str, Any]) -> str:
    """A stable key for one person across centres (a hash, so the ID number is not an index key)."""
    number = str(payload.get("id_number") or "").strip().upper()
    if not number:
        return ""
    return hashlib.sha256(f"{payload.get('id_kind', '')}|{number}".encode()).hexdigest()[:32]


def conflict_payload(c: HubConflict) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "kind": c.kind,
        "case_id": str(c.case_id) if c.case_id else None,
        "subject_id": str(c.subject_id) if c.subject_id else None,
        "other_id": str(c.other_id) if c.other_id else None,
        "message": c.message,
        "detected_at": c.detected_at.isoformat(),
        "status": "open",
        "resolution": "",
    }


@dataclass(slots=True)
class CaseState:
    """A hub_case_state row as a plain object (cheaper than ORM instances in a 500-op batch)."""

    case_id: uuid.UUID
    centre_id: uuid.UUID
    case_number: str = ""
    matter_code: str = ""
    department: str = ""
    resident_key: str = ""
    status: str = ""
    last_seq: int = 0
    last_event_id: uuid.UUID | None = None
    updated_at: datetime | None = None
    resident_id: uuid.UUID | None = None
    applicant_name: str = ""
    received_at: datetime | None = None
    due_date: date | None = None
    extended_days: int = 0
    supervised_at: datetime | None = None
    supervision_note: str = ""
    responded_at: datetime | None = None
    decided_at: datetime | None = None


def snapshot(st: CaseState) -> tuple[Any, ...]:
    return tuple(getattr(st, c) for c in STATE_COLUMNS)


@dataclass
class Batch:
    """What one transaction is about to write."""

    centre_id: uuid.UUID
    now: datetime
    records: dict[tuple[str, uuid.UUID], dict[str, Any]] = field(default_factory=dict)
    states: dict[uuid.UUID, CaseState] = field(default_factory=dict)
    conflicts: list[HubConflict] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    json: dict[tuple[str, uuid.UUID], tuple[str, str]] = field(
        default_factory=dict
    )  # (id text, payload JSON)
    # each touched case's part in the district's routed-case counts before the batch (facts.py)
    before: dict[uuid.UUID, Routed | None] = field(default_factory=dict)
    # the stored states as loaded (snapshot), so that only the changed ones are written back
    loaded: dict[uuid.UUID, tuple[Any, ...]] = field(default_factory=dict)

    def changed_states(self) -> list[dict[str, Any]]:
        """The batch's case states that are new or differ from what was loaded, as rows."""
        return [
            dict(zip(STATE_COLUMNS, now, strict=True))
            for cid, st in self.states.items()
            if (now := snapshot(st)) != self.loaded.get(cid)
        ]

    def conflict(
        self,
        kind: str,
        message: str,
        *,
        case_id: uuid.UUID | None,
        subject: uuid.UUID,
        other: uuid.UUID | None = None,
        centre_id: uuid.UUID | None = None,
        salt: uuid.UUID | None = None,
    ) -> None:
        """A conflict listed to `centre_id` (default: the pushing centre). Its id is derived from
        the ids given and `salt` (never shown): the centre derives the same id for an illegal event
        from (case, its event, the other event)."""
        self.conflicts.append(
            HubConflict(
                id=conflict_id(kind, case_id, subject, other, centre_id, salt),
                centre_id=centre_id or self.centre_id,
                kind=kind,
                case_id=case_id,
                subject_id=subject,
                other_id=other,
                message=message[:500],
                detected_at=self.now,
            )
        )


# A case's part in the district's routed-case counts: (received business day, department, centre)
# and whether the department has responded and decided. None: not counted (not routed, no
# received time, or withdrawn by the applicant before the department responded).
Routed = tuple[tuple[date, str, uuid.UUID], int, int]


def routed_part(st: Any) -> Routed | None:
    """`st` (a CaseState or a HubCaseState row) as the routed-case counts see it."""
    if st is None or st.received_at is None or not st.department:
        return None
    if st.status == "WITHDRAWN" and st.responded_at is None:
        return None
    day = st.received_at.astimezone(BUSINESS_ZONE).date()
    return (
        (day, st.department, st.centre_id),
        int(st.responded_at is not None),
        int(st.decided_at is not None),
    )


def remember(batch: Batch, case_id: uuid.UUID) -> None:
    """The case's counts part as the hub held it, before this batch first changes it."""
    if case_id not in batch.before:
        batch.before[case_id] = routed_part(batch.states.get(case_id))


def new_state(batch: Batch, case_id: uuid.UUID) -> CaseState:
    return CaseState(case_id=case_id, centre_id=batch.centre_id, updated_at=batch.now)


def _event_seq(value: Any) -> int | None:
    """An event's sequence number within its case, or None when it is not a plain whole number."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        seq = int(value)
    except ValueError:
        return None
    return seq if 0 <= seq <= MAX_SEQ else None


def apply_event(
    batch: Batch, event_id: uuid.UUID, payload: dict[str, Any], case_id: uuid.UUID | None
) -> str | None:
    """Move the case's merged status; an illegal event becomes a conflict (kept, not applied).
    `case_id` is the payload's, parsed beforehand (batch.prepare); the caller has checked that the
    case is the pushing centre's. Returns None when applied, else the op's status."""
    seq = _event_seq(payload.get("seq") or 0)
    if case_id is None or seq is None:
        what = "办件编号（case_id）" if case_id is None else "有效的事件序号（seq）"
        batch.conflict("invalid_op", f"办件事件缺少{what}", case_id=None, subject=event_id)
        return "refused"
    remember(batch, case_id)
    st = batch.states.get(case_id)
    try:
        event = parse_event(str(payload.get("event_type")))
        status = parse_status(st.status) if st is not None and st.status else None
        new = apply(status, event)
    except IllegalTransition as exc:
        batch.conflict(
            "illegal_event",
            f"合并后的办理记录不允许此操作：{exc.message}",
            case_id=case_id,
            subject=event_id,
            other=st.last_event_id if st is not None else None,
        )
        return "conflict"
    except (DomainError, ValueError):  # an event type this version does not know
        batch.conflict(
            "invalid_op",
            f"无法识别的办件事件类型：{str(payload.get('event_type'))[:40]}",
            case_id=case_id,
            subject=event_id,
        )
        return "conflict"
    if st is None:
        st = new_state(batch, case_id)
        batch.states[case_id] = st
    st.status = new.name
    st.last_seq = min(max(st.last_seq or 0, seq), 2**31 - 1)
    st.last_event_id = event_id
    st.updated_at = batch.now
    note_event(st, event, payload)
    return None


_DECISIONS = (CaseEventType.APPROVE, CaseEventType.APPROVE_DEFERRED, CaseEventType.DENY)
SUPERVISION_PREFIX = "督办："  # how the centre words a 督办 event's note


def instant(value: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def to_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def note_event(st: Any, event: CaseEventType, payload: dict[str, Any]) -> None:
    """What an applied event tells the case state's columns: the latest 督办 and its note, a 延期's
    new due date, the department's first response and its decision (`st` a CaseState or a
    HubCaseState row)."""
    at = instant(payload.get("at"))
    if event is CaseEventType.SUPERVISE:
        note = str(payload.get("note") or "")
        st.supervised_at = at or st.supervised_at or datetime.now(UTC)
        st.supervision_note = note.removeprefix(SUPERVISION_PREFIX)[:500]
    elif event is CaseEventType.EXTEND:
        detail = payload.get("detail")
        new_due = to_day(detail.get("new_due")) if isinstance(detail, dict) else None
        st.due_date = new_due or st.due_date
    if event is CaseEventType.DEPARTMENT_ACCEPT or event in _DECISIONS:
        st.responded_at = st.responded_at or at
    if event in _DECISIONS:
        st.decided_at = st.decided_at or at


def apply_case(
    batch: Batch,
    residents: dict[uuid.UUID, dict[str, Any]],
    case_id: uuid.UUID,
    payload: dict[str, Any],
) -> None:
    remember(batch, case_id)
    st = batch.states.get(case_id)
    if st is None:
        st = new_state(batch, case_id)
        batch.states[case_id] = st
    st.case_number = str(payload.get("case_number") or st.case_number or "")[:30]
    st.matter_code = str(payload.get("matter_code") or st.matter_code or "")[:20]
    st.department = str(payload.get("routed_department") or st.department or "")[:100]
    st.received_at = instant(payload.get("received_at")) if payload.get("received_at") else None
    st.due_date = to_day(payload.get("due_date"))
    days = payload.get("extended_days")
    st.extended_days = days if isinstance(days, int) and 0 <= days < 2**31 else 0
    resident_id = parse_uuid(payload.get("resident_id"))
    st.resident_id = resident_id
    if resident_id is not None:
        data = batch.records.get(("resident", resident_id)) or residents.get(resident_id)
        if isinstance(data, dict):
            st.resident_key = resident_key(data)
            st.applicant_name = str(data.get("name") or "")[:100]


_RESIDENTS = Probe(
    (HubRecord.entity_id, HubRecord.data),
    HubRecord.entity_id,
    HubRecord.entity == "resident",
    HubRecord.centre_id == bindparam("centre"),
)
_OTHERS_OPEN = Probe(
    STATE, HubCaseState.resident_key, HubCaseState.centre_id != bindparam("centre")
)


def residents(
    session: Session, batch: Batch, payloads: list[dict[str, Any]]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Stored residents of this centre that the batch's cases point at (one query)."""
    ids = list(
        {r for p in payloads if (r := parse_uuid(p.get("resident_id"))) is not None}
        - {i for (e, i) in batch.records if e == "resident"}
    )
    return dict(_RESIDENTS(session, ids, centre=batch.centre_id))


def flag_duplicates(session: Session, batch: Batch, new_cases: set[uuid.UUID]) -> None:
    """Same resident, same matter, open at two centres: each is told that an open case exists at the
    other centre, by the centre's name only (no ids, case numbers or personal data of the other's)."""
    mine = [
        st
        for c in new_cases
        if (st := batch.states[c]).resident_key and st.matter_code and st.status not in _FINAL
    ]
    if not mine:
        return
    keys = {st.resident_key for st in mine}
    others = [
        CaseState(**r._mapping) for r in _OTHERS_OPEN(session, sorted(keys), centre=batch.centre_id)
    ]
    index: dict[tuple[str, str], list[CaseState]] = {}
    for o in others:
        if o.status not in _FINAL:
            index.setdefault((o.resident_key, o.matter_code), []).append(o)
    found = [(st, o) for st in mine for o in index.get((st.resident_key, st.matter_code), [])]
    if not found:
        return
    centres = {o.centre_id for _, o in found} | {batch.centre_id}
    names = dict(
        session.execute(select(HubCentre.id, HubCentre.name).where(HubCentre.id.in_(centres))).all()
    )

    def message(st: CaseState, centre: uuid.UUID) -> str:
        name = names.get(centre) or "另一便民服务中心"
        return (
            f"疑似重复办件：本中心办件 {st.case_number} 的申请人在“{name}”也有同一事项"
            f"（{st.matter_code}）正在办理，请与该中心核实，避免重复受理"
        )

    for st, other in found:
        # the other case's id only salts the conflict's id (one conflict per pair, listed once)
        batch.conflict(
            "duplicate",
            message(st, other.centre_id),
            case_id=st.case_id,
            subject=st.case_id,
            salt=other.case_id,
        )
        batch.conflict(
            "duplicate",
            message(other, batch.centre_id),
            case_id=other.case_id,
            subject=other.case_id,
            centre_id=other.centre_id,
            salt=st.case_id,
        )
