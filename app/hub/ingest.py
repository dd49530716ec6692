"""Applying a centre's push batch: one transaction, (centre, op id) remembered, ownership checked, conflicts kept and listed."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.orm import Session

from app.hub.audit_trail import check_arrivals
from app.hub.batch import UNSTORABLE_MESSAGE, Prepared, PushResult, prepare
from app.hub.changes import Probe, append_changes, upsert, upsert_records
from app.hub.db import db_error_summary
from app.hub.facts import rename_applicants, write_derived
from app.hub.merge import (
    STATE,
    Batch,
    CaseState,
    apply_case,
    apply_event,
    conflict_payload,
    flag_duplicates,
    residents,
    snapshot,
)
from app.hub.models import HubCaseState, HubChange, HubConflict, HubDevice, HubRecord
from app.hub.print_chunks import DUPLICATE, PRINT_KINDS, check_prints
from app.sync.kinds import AUDIT, KINDS, UPSERT, Owner
from app.sync.protocol import Op

# Status of a change-log row: applied; conflict (kept and pulled: an illegal event the centre holds);
# refused (an op the hub would not take: unknown kind, another centre's record, a district record:
# kept only as the receipt that answers a resend, never pulled, never in hub_record or case states).
APPLIED, CONFLICT, REFUSED = "applied", "conflict", "refused"
log = logging.getLogger(__name__)
DATABASE_REFUSED = "区级平台数据库无法保存此数据，未采用（请联系区级平台管理员）"
RESEND_CHANGED = "同一操作编号重发的内容与首次不同，未采用（请联系区级平台管理员）"


_KNOWN = Probe(
    (HubChange.op_id, HubChange.status, HubChange.payload),
    HubChange.op_id,
    HubChange.centre_id == bindparam("centre"),
)
_STATES = Probe(STATE, HubCaseState.case_id, lock=True)
_CONFLICTS = Probe((HubConflict.id,), HubConflict.id)
_FOREIGN = Probe(
    (HubRecord.entity_id,),
    HubRecord.entity_id,
    HubRecord.centre_id.is_distinct_from(bindparam("centre")),
)


class OutOfOrder(Exception):
    """A batch arrived before the batch it follows; the centre resends it (HTTP 409)."""


def _known(
    session: Session, centre_id: uuid.UUID, prepared: list[Prepared]
) -> dict[str, tuple[str, Any]]:
    """Ops of the batch the hub already has (op id -> (status, stored payload)). Asked before the
    device lock: the batch before this one from the same device holds ops with lower seqs only, so
    its commit cannot change the answer unless this batch is a resend (push asks again then)."""
    return {
        str(op_id): (status, payload)
        for op_id, status, payload in _KNOWN(session, [p.op_id for p in prepared], centre=centre_id)
    }


def _load_states(session: Session, batch: Batch, case_ids: set[uuid.UUID]) -> None:
    """The batch's case states, locked: a department deciding one of these cases meanwhile waits for
    this batch (or this batch for it), so neither overwrites the other's status with a stale one."""
    missing = sorted(c for c in case_ids if c not in batch.states)  # one lock order for everyone
    for row in _STATES(session, missing):
        st = batch.states[row.case_id] = CaseState(**row._mapping)
        batch.loaded[row.case_id] = snapshot(st)  # finish() writes back the states that changed


def _foreign(session: Session, centre_id: uuid.UUID, prepared: list[Prepared]) -> set[uuid.UUID]:
    """Ids in the batch the hub already holds for another centre or for the district, under ANY kind
    name (a record is owned by its id). Asked before the device lock: ownership does not depend on
    this device's earlier batches, and upsert_records refuses to overwrite a record owned elsewhere
    that appears meanwhile."""
    rows = _FOREIGN(session, list({p.entity_id for p in prepared}), centre=centre_id)
    return {r[0] for r in rows}


def refusal(batch: Batch, p: Prepared, foreign: set[uuid.UUID]) -> str | None:
    """Why the hub will not take this op (Chinese), or None. Ownership is decided from what the hub
    holds: the op's kind must be one a centre sends, its id must not be another's, and the case its
    row is or belongs to must be the pushing centre's."""
    o = p.op
    kind = KINDS.get(o.entity)
    if kind is None:
        return f"无法识别的数据类型：{o.entity}"
    if kind.owner is not Owner.CENTRE or o.op != UPSERT:
        return "此类数据由区级平台发布，中心不能修改"
    if o.entity_id in foreign:
        return "数据属于其他中心，未采用"
    st = batch.states.get(p.case_id) if p.case_id is not None else None
    if st is not None and st.centre_id != batch.centre_id:
        return "该办件属于其他中心，本中心不能修改或为其添加记录"
    return None


def resolve_conflict(
    session: Session, centre_id: uuid.UUID, cid: uuid.UUID, payload: dict[str, Any], now: datetime
) -> None:
    """A supervisor resolved a conflict at the centre: close it here too."""
    c = session.get(HubConflict, cid)
    if c is not None and c.centre_id == centre_id and c.resolved_at is None:
        c.resolved_at, c.resolution = now, str(payload.get("resolution") or "")[:500]


def finish(session: Session, batch: Batch) -> None:
    """Write records, case states and conflicts, then (last) the change log with its positions."""
    upsert_records(
        session, batch.centre_id, batch.now, [(e, *batch.json[(e, i)]) for (e, i) in batch.records]
    )
    rename_applicants(session, batch)  # the batch's states take the names before they are written
    upsert(session, HubCaseState.__table__, batch.changed_states(), ("case_id",))  # type: ignore[arg-type]
    write_derived(session, batch)
    unique = {c.id: c for c in batch.conflicts}
    held = {r[0] for r in _CONFLICTS(session, list(unique))}  # one lookup, not one per conflict
    for c in unique.values():
        if c.id not in held:
            session.add(c)
            batch.changes.append(
                {
                    "centre_id": c.centre_id,
                    "entity": "sync_conflict",
                    "entity_id": c.id,
                    "op": UPSERT,
                    "payload": conflict_payload(c),
                    "origin_device_id": None,
                    "op_id": None,
                    "device_seq": None,
                    "status": APPLIED,
                    "recorded_at": batch.now,
                }
            )
    session.flush()
    append_changes(session, batch.changes)


def _apply(
    session: Session,
    batch: Batch,
    device_id: uuid.UUID,
    fresh: list[Prepared],
    foreign: set[uuid.UUID],
    known: dict[str, tuple[str, Any]],
) -> None:
    """Apply the ops not seen before; their statuses go into `known`."""
    _load_states(session, batch, {p.case_id for p in fresh if p.case_id is not None})
    stored = residents(
        session, batch, [p.op.payload for p in fresh if p.op.entity == "case_file" and p.storable]
    )
    new_cases: set[uuid.UUID] = set()
    # why each op is refused, if it is (new case states made below are the pushing centre's)
    verdicts = [(p, refusal(batch, p, foreign)) for p in fresh]
    # the centre's audit records, in their order, checked against the chain the hub holds
    audit = [p for p, why in verdicts if p.op.entity == AUDIT.name and p.storable and why is None]
    broken = check_arrivals(session, batch, audit) if audit else set()
    # a print's bytes: the centre's own ids, slices that add up (app/hub/print_chunks.py)
    prints = [p for p, why in verdicts if p.op.entity in PRINT_KINDS and p.storable and why is None]
    held = check_prints(session, batch, prints) if prints else {}
    for p, why in verdicts:
        o = p.op
        status = APPLIED
        if why is not None:
            batch.conflict("invalid_op", why, case_id=None, subject=o.entity_id)
            status = REFUSED
        elif not p.storable:
            batch.conflict("invalid_op", UNSTORABLE_MESSAGE, case_id=None, subject=o.entity_id)
            status = REFUSED
        elif KINDS[o.entity].event:
            status = apply_event(batch, o.entity_id, o.payload, p.case_id) or status
        elif p.op_id in broken:
            status = CONFLICT  # kept as it came (evidence) and listed, never taken as sound
        elif p.op_id in held:
            status = held[p.op_id]
        elif o.entity == "sync_conflict" and o.payload.get("status") == "resolved":
            resolve_conflict(session, batch.centre_id, o.entity_id, o.payload, batch.now)
        if status == APPLIED and not KINDS[o.entity].in_log_only:  # the change log is their store
            batch.records[(o.entity, o.entity_id)] = o.payload
            batch.json[(o.entity, o.entity_id)] = (p.entity_id, p.json)
            if KINDS[o.entity].is_case:
                new_cases.add(o.entity_id)
                apply_case(batch, stored, o.entity_id, o.payload)
        known[p.op_id] = (status, None)
        batch.changes.append(
            {
                "centre_id": batch.centre_id,
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
                "recorded_at": batch.now,
            }
        )
    flag_duplicates(session, batch, new_cases)
    finish(session, batch)


def refused_by_database(exc: DBAPIError) -> bool:
    """A row the database will never take (bad value, constraint), as opposed to its being
    unavailable (connection lost, timeout, deadlock: worth retrying)."""
    if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
        return False
    return isinstance(exc, DataError | IntegrityError | ProgrammingError | InternalError)


def _one_by_one(
    session: Session,
    batch: Batch,
    device_id: uuid.UUID,
    fresh: list[Prepared],
    foreign: set[uuid.UUID],
    known: dict[str, tuple[str, Any]],
) -> None:
    """Apply the ops one by one, each in its own savepoint (the database refused something of the
    batch applied whole): an op the database refuses is kept as a refused receipt and listed as a
    conflict, and the rest of the queue moves on (never a 5xx that the centre would resend for
    ever). `batch` holds only what was found before any op was applied (a changed resend)."""
    centre_id, now = batch.centre_id, batch.now
    for p in fresh:
        try:
            with session.begin_nested():
                _apply(session, Batch(centre_id=centre_id, now=now), device_id, [p], foreign, known)
            continue
        except DBAPIError as again:
            if not refused_by_database(again):
                raise
            log.warning("op refused by the database (%s)", db_error_summary(again))
        refused = Batch(centre_id=centre_id, now=now)
        refused.conflict("invalid_op", DATABASE_REFUSED, case_id=None, subject=p.op.entity_id)
        o = p.op
        refused.changes.append(
            {
                "centre_id": centre_id,
                "entity": o.entity,
                "entity_id": o.entity_id,
                "op": o.op,
                "payload": {},  # what the database would not take is not kept
                "origin_device_id": device_id,
                "op_id": o.op_id,
                "device_seq": o.seq,
                "status": REFUSED,
                "recorded_at": now,
            }
        )
        with session.begin_nested():
            finish(session, refused)
        known[p.op_id] = (REFUSED, None)
    if batch.conflicts:
        finish(session, batch)


class RefusedByDatabase(Exception):
    """The database refused something of a batch applied whole; the transaction is lost. The caller
    rolls it back and pushes the batch again with `one_by_one` (`push_batch` does)."""


def push(
    session: Session,
    device_id: uuid.UUID,
    ops: list[Op],
    now: datetime,
    after_seq: int | None = None,
    prepared: list[Prepared] | None = None,
    centre_id: uuid.UUID | None = None,
    *,
    one_by_one: bool = False,
    touch: Callable[[HubDevice], None] | None = None,
) -> PushResult:
    """Apply one batch in the caller's transaction; a repeated batch changes nothing, same acks.
    The device row lock serialises a device's batches; `after_seq` keeps them in the device's order.
    `prepared` is `prepare(ops)` done by the caller before its transaction (else done here);
    `centre_id` the device's centre (else read here); `touch` records what the request says of the
    device. The device row is written before the change log's counter is taken (finish() flushes
    it), so the section every centre's batches pass through in turn holds no UPDATE of it. The
    batch is applied whole, without a
    savepoint (two round trips inside the device lock, on every batch); should the database refuse
    it, RefusedByDatabase is raised and the caller pushes it again in a new transaction
    `one_by_one`, each op in its own savepoint."""
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
    last = prepared[-1].op.seq
    device.last_seq = max(device.last_seq or 0, last)
    device.last_seen_at = now
    if touch is not None:
        touch(device)
    batch = Batch(centre_id=device.centre_id, now=now)
    fresh: list[Prepared] = []
    acks: dict[str, str] = {}
    for p in prepared:
        seen = known.get(p.op_id)
        if seen is None:
            known[p.op_id] = ("pending", None)
            fresh.append(p)
        elif seen[0] != "pending" and seen[1] != json.loads(p.json):
            # a resend must carry what was first sent; anything else is listed, never applied
            batch.conflict("invalid_op", RESEND_CHANGED, case_id=None, subject=p.op.entity_id)
            acks[p.op_id] = CONFLICT
    if one_by_one:
        _one_by_one(session, batch, device_id, fresh, foreign, known)
    else:
        try:
            _apply(session, batch, device_id, fresh, foreign, known)
        except DBAPIError as exc:
            if not refused_by_database(exc):
                raise  # the database is down or busy: 503, the centre retries
            log.warning("push batch refused by the database (%s)", db_error_summary(exc))
            raise RefusedByDatabase from exc
    return PushResult(
        [
            (
                p.op_id,
                p.op.seq,
                "applied"
                if acks.get(p.op_id, known[p.op_id][0]) in (APPLIED, DUPLICATE)
                else "conflict",
            )
            for p in prepared
        ],
        last,
        now,
    )


def push_batch(
    tx: Callable[[], AbstractContextManager[Session]],
    apply: Callable[[Session, bool], PushResult],
) -> PushResult:
    """`apply(session, one_by_one)` (a `push` and whatever else the request writes) in a
    transaction of `tx()`: whole first, op by op in a new transaction if the database refuses."""
    try:
        with tx() as session:
            return apply(session, False)
    except RefusedByDatabase:
        log.warning("applying the batch again op by op")
    with tx() as session:
        return apply(session, True)
