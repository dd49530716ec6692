"""Applying a centre's push batch: one transaction, (device, op id) remembered, conflicts kept and listed."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.domain.case_states import (
    FINAL_STATUSES,
    apply,
    parse_event,
    parse_status,
)
from app.domain.errors import IllegalTransition
from app.hub.batch import (
    CASE_ENTITIES,
    EVENT_ENTITIES,
    UNSTORABLE_MESSAGE,
    Prepared,
    PushResult,
    parse_uuid,
    prepare,
)
from app.hub.changes import append_changes, probe, upsert, upsert_records
from app.hub.models import HubCaseState, HubChange, HubConflict, HubDevice, HubRecord
from app.sync.protocol import Op

CONFLICT_NS = uuid.UUID("5b0c1f0e-6a8e-4f7e-9a51-6f6e65776e64")
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
)
_FINAL = frozenset(s.name for s in FINAL_STATUSES)
_STATE = tuple(getattr(HubCaseState, c) for c in STATE_COLUMNS)


def conflict_id(kind: str, *ids: uuid.UUID | str | None) -> uuid.UUID:
    """The same id wherever the conflict is found (hub or centre), so it is listed once."""
    parts = sorted(str(i) for i in ids if i is not None)
    return uuid.uuid5(CONFLICT_NS, kind + ":" + ":".join(parts))


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


class OutOfOrder(Exception):
    """A batch arrived before the batch it follows; the centre resends it (HTTP 409)."""


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


@dataclass
class Batch:
    """What one transaction is about to write."""

    centre_id: uuid.UUID
    now: datetime
    records: dict[tuple[str, uuid.UUID], dict[str, Any]] = field(default_factory=dict)
    deletes: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    states: dict[uuid.UUID, CaseState] = field(default_factory=dict)
    conflicts: list[HubConflict] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    json: dict[tuple[str, uuid.UUID], tuple[str, str]] = field(
        default_factory=dict
    )  # (id text, payload JSON)

    def conflict(
        self,
        kind: str,
        message: str,
        *,
        case_id: uuid.UUID | None,
        subject: uuid.UUID,
        other: uuid.UUID | None = None,
        centre_id: uuid.UUID | None = None,
    ) -> None:
        self.conflicts.append(
            HubConflict(
                # The centre (which knows neither the hub's centre id) derives the same id for an
                # illegal event from (case, its event, the other event); duplicates differ per centre.
                id=conflict_id(kind, case_id, subject, other, centre_id),
                centre_id=centre_id or self.centre_id,
                kind=kind,
                case_id=case_id,
                subject_id=subject,
                other_id=other,
                message=message[:500],
                detected_at=self.now,
            )
        )


def _known(session: Session, centre_id: uuid.UUID, prepared: list[Prepared]) -> dict[str, str]:
    """Ops of the batch the hub already has (op id -> status). Asked before the device lock: the
    batch before this one from the same device holds ops with lower seqs only, so its commit cannot
    change the answer unless this batch is a resend (push asks again then)."""
    return {
        str(op_id): status
        for op_id, status in probe(
            session,
            (HubChange.op_id, HubChange.status),
            HubChange.op_id,
            [p.op_id for p in prepared],
            HubChange.centre_id == centre_id,
        )
    }


def _load_states(session: Session, batch: Batch, case_ids: set[uuid.UUID]) -> None:
    """The batch's case states, locked: a department deciding one of these cases meanwhile waits for
    this batch (or this batch for it), so neither overwrites the other's status with a stale one."""
    missing = sorted(c for c in case_ids if c not in batch.states)  # one lock order for everyone
    for row in probe(session, _STATE, HubCaseState.case_id, missing, lock=True):
        batch.states[row.case_id] = CaseState(**row._mapping)  # written back in bulk by finish()


def _foreign(
    session: Session, centre_id: uuid.UUID, prepared: list[Prepared]
) -> set[tuple[str, uuid.UUID]]:
    """Records in the batch that already belong to another centre or to the district (never
    overwritten). Asked before the device lock: ownership does not depend on this device's earlier
    batches, and upsert_records refuses to overwrite a record owned elsewhere that appears meanwhile."""
    rows = probe(
        session,
        (HubRecord.entity, HubRecord.entity_id),
        HubRecord.entity_id,
        list({p.entity_id for p in prepared}),
        HubRecord.centre_id.is_distinct_from(centre_id),
    )
    found = {(r[0], r[1]) for r in rows}
    return found


def new_state(batch: Batch, case_id: uuid.UUID) -> CaseState:
    return CaseState(case_id=case_id, centre_id=batch.centre_id, updated_at=batch.now)


def apply_event(
    batch: Batch, event_id: uuid.UUID, payload: dict[str, Any], case_id: uuid.UUID | None
) -> str | None:
    """Move the case's merged status; an illegal event becomes a conflict (kept, not applied).
    `case_id` is the payload's, parsed beforehand (batch.prepare)."""
    if case_id is None:
        batch.conflict(
            "invalid_op", "办件事件缺少办件编号（case_id）", case_id=None, subject=event_id
        )
        return "conflict"
    st = batch.states.get(case_id)
    if st is None:
        st = new_state(batch, case_id)
        batch.states[case_id] = st
    elif st.centre_id != batch.centre_id and payload.get("origin") != "department":
        batch.conflict(
            "invalid_op",
            "该办件属于其他中心，本中心不能为其添加事件",
            case_id=None,
            subject=event_id,
        )
        return "conflict"
    try:
        event = parse_event(str(payload.get("event_type")))
        status = parse_status(st.status) if st.status else None
        new = apply(status, event)
    except ValueError:
        batch.conflict(
            "invalid_op",
            f"无法识别的办件事件类型：{payload.get('event_type')}",
            case_id=case_id,
            subject=event_id,
        )
        return "conflict"
    except IllegalTransition as exc:
        batch.conflict(
            "illegal_event",
            f"合并后的办理记录不允许此操作：{exc.message}",
            case_id=case_id,
            subject=event_id,
            other=st.last_event_id,
        )
        return "conflict"
    st.status = new.name
    st.last_seq = max(st.last_seq or 0, int(payload.get("seq") or 0))
    st.last_event_id = event_id
    st.updated_at = batch.now
    return None


def _apply_case(
    batch: Batch,
    residents: dict[uuid.UUID, dict[str, Any]],
    case_id: uuid.UUID,
    payload: dict[str, Any],
) -> None:
    st = batch.states.get(case_id)
    if st is None:
        st = new_state(batch, case_id)
        batch.states[case_id] = st
    st.case_number = str(payload.get("case_number") or st.case_number or "")[:30]
    st.matter_code = str(payload.get("matter_code") or st.matter_code or "")[:20]
    st.department = str(payload.get("routed_department") or st.department or "")[:100]
    resident_id = parse_uuid(payload.get("resident_id"))
    if resident_id is not None:
        data = batch.records.get(("resident", resident_id)) or residents.get(resident_id)
        st.resident_key = resident_key(data) if data else st.resident_key


def resolve_conflict(
    session: Session, centre_id: uuid.UUID, cid: uuid.UUID, payload: dict[str, Any], now: datetime
) -> None:
    """A supervisor resolved a conflict at the centre: close it here too."""
    c = session.get(HubConflict, cid)
    if c is not None and c.centre_id == centre_id and c.resolved_at is None:
        c.resolved_at, c.resolution = now, str(payload.get("resolution") or "")[:500]


def _residents(session: Session, batch: Batch, ops: list[Op]) -> dict[uuid.UUID, dict[str, Any]]:
    """Stored residents the batch's cases point at (one query, not one per case)."""
    ids = list(
        {
            r
            for o in ops
            if o.entity in CASE_ENTITIES
            if (r := parse_uuid(o.payload.get("resident_id"))) is not None
        }
        - {i for (e, i) in batch.records if e == "resident"}
    )
    return dict(
        probe(
            session,
            (HubRecord.entity_id, HubRecord.data),
            HubRecord.entity_id,
            ids,
            HubRecord.entity == "resident",
        )
    )


def _flag_duplicates(session: Session, batch: Batch, new_cases: set[uuid.UUID]) -> None:
    """Same resident, same matter, open at two centres: flag it to both."""
    mine = [
        st
        for c in new_cases
        if (st := batch.states[c]).resident_key and st.matter_code and st.status not in _FINAL
    ]
    if not mine:
        return
    keys = {st.resident_key for st in mine}
    others = [
        CaseState(**r._mapping)
        for r in probe(
            session,
            _STATE,
            HubCaseState.resident_key,
            sorted(keys),
            HubCaseState.centre_id != batch.centre_id,
        )
    ]
    index: dict[tuple[str, str], list[CaseState]] = {}
    for o in others:
        if o.status not in _FINAL:
            index.setdefault((o.resident_key, o.matter_code), []).append(o)
    for st in mine:
        for other in index.get((st.resident_key, st.matter_code), []):
            msg = f"疑似重复办件：同一申请人同一事项（{st.matter_code}）在两个中心同时在办（{st.case_number} / {other.case_number}）"
            batch.conflict(
                "duplicate", msg, case_id=st.case_id, subject=st.case_id, other=other.case_id
            )
            batch.conflict(
                "duplicate",
                msg,
                case_id=other.case_id,
                subject=other.case_id,
                other=st.case_id,
                centre_id=other.centre_id,
            )


def finish(session: Session, batch: Batch) -> None:
    """Write records, case states and conflicts, then (last) the change log with its positions."""
    upsert_records(
        session, batch.centre_id, batch.now, [(e, *batch.json[(e, i)]) for (e, i) in batch.records]
    )
    for e, i in batch.deletes:
        session.execute(delete(HubRecord).where(HubRecord.entity == e, HubRecord.entity_id == i))
    upsert(
        session,
        HubCaseState.__table__,  # type: ignore[arg-type]
        [{c: getattr(st, c) for c in STATE_COLUMNS} for st in batch.states.values()],
        ("case_id",),
    )
    unique = {c.id: c for c in batch.conflicts}
    for c in unique.values():
        if session.get(HubConflict, c.id) is None:
            session.add(c)
            batch.changes.append(
                {
                    "centre_id": c.centre_id,
                    "entity": "sync_conflict",
                    "entity_id": c.id,
                    "op": "upsert",
                    "payload": conflict_payload(c),
                    "origin_device_id": None,
                    "op_id": None,
                    "device_seq": None,
                    "status": "applied",
                    "recorded_at": batch.now,
                }
            )
    session.flush()
    append_changes(session, batch.changes)


def push(
    session: Session,
    device_id: uuid.UUID,
    ops: list[Op],
    now: datetime,
    after_seq: int | None = None,
    prepared: list[Prepared] | None = None,
    centre_id: uuid.UUID | None = None,
) -> PushResult:
    """Apply one batch in the caller's transaction; a repeated batch changes nothing, same acks.
    The device row lock serialises a device's batches; `after_seq` keeps them in the device's order.
    `prepared` is `prepare(ops)` done by the caller before its transaction (else done here);
    `centre_id` the device's centre (else read here)."""
    if prepared is None:
        prepared = prepare(ops)
    if centre_id is None:
        centre_id = session.execute(
            select(HubDevice.centre_id).where(HubDevice.id == device_id)
        ).scalar_one()
    foreign = _foreign(session, centre_id, prepared)
    known = _known(session, centre_id, prepared)
    device = session.execute(
        select(HubDevice).where(HubDevice.id == device_id).with_for_update()
    ).scalar_one()
    if after_seq is not None and (device.last_seq or 0) < after_seq:
        raise OutOfOrder(f"上一批数据（至第 {after_seq} 条）尚未到达，请稍后重发本批")
    if prepared[0].op.seq <= (device.last_seq or 0):
        # A resend: this device's batch holding some of these ops may have committed while we
        # waited for the lock; ask again now that nothing of this device can commit meanwhile.
        known = _known(session, centre_id, prepared)
    batch = Batch(centre_id=device.centre_id, now=now)
    fresh: list[Prepared] = []
    for p in prepared:
        if p.op_id not in known:
            known[p.op_id] = "pending"
            fresh.append(p)
    _load_states(session, batch, {p.case_id for p in fresh if p.case_id is not None})
    residents = _residents(session, batch, [p.op for p in fresh])
    new_cases: set[uuid.UUID] = set()
    for p in fresh:
        o = p.op
        status = "applied"
        # Scope comes from the token: a row already owned by another centre is never overwritten
        # (the payload's centre_id is the centre's local id and is not trusted for scope).
        if not p.storable:
            batch.conflict("invalid_op", UNSTORABLE_MESSAGE, case_id=None, subject=o.entity_id)
            status = "conflict"
        elif (o.entity, o.entity_id) in foreign:
            batch.conflict(
                "invalid_op", "数据属于其他中心，已记录但未采用", case_id=None, subject=o.entity_id
            )
            status = "conflict"
        elif o.entity in EVENT_ENTITIES:
            status = apply_event(batch, o.entity_id, o.payload, p.case_id) or status
        elif o.entity == "sync_conflict" and o.payload.get("status") == "resolved":
            resolve_conflict(session, device.centre_id, o.entity_id, o.payload, now)
        if status == "applied":
            if o.op == "delete":
                batch.records.pop((o.entity, o.entity_id), None)
                batch.deletes.append((o.entity, o.entity_id))
            elif (
                o.entity not in EVENT_ENTITIES
            ):  # events are immutable: the change log is their store
                batch.records[(o.entity, o.entity_id)] = o.payload
                batch.json[(o.entity, o.entity_id)] = (p.entity_id, p.json)
            if o.entity in CASE_ENTITIES:
                new_cases.add(o.entity_id)
                _apply_case(batch, residents, o.entity_id, o.payload)
        known[p.op_id] = status
        batch.changes.append(
            {
                "centre_id": device.centre_id,
                "entity": o.entity,
                "entity_id": o.entity_id,
                "op": o.op,
                "payload": o.payload if p.storable else json.loads(p.json),
                "payload_json": p.json,
                "copy_text": p.copy_text,
                "origin_device_id": device_id,
                "op_id": o.op_id,
                "device_seq": o.seq,
                "status": status,
                "recorded_at": now,
            }
        )
    _flag_duplicates(session, batch, new_cases)
    finish(session, batch)
    last = prepared[-1].op.seq
    device.last_seq = max(device.last_seq or 0, last)
    device.last_seen_at = now
    return PushResult(
        [
            (p.op_id, p.op.seq, "conflict" if known[p.op_id] == "conflict" else "applied")
            for p in prepared
        ],
        last,
        now,
    )
