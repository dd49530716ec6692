"""Applying pulled hub rows at the centre: generic upserts, catalogue, accounts, department decisions."""

from __future__ import annotations

import functools
import logging
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import LargeBinary, Table, and_, delete, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from app.calendar_days import PROVISIONAL
from app.db.models import (
    Base,
    CalendarDay,
    Case,
    CaseEvent,
    CataloguePublicationRow,
    Matter,
    PrintedDocument,
    ServiceGroup,
    SyncConflict,
)
from app.db.types import new_id
from app.domain.case_states import CaseEventType, CaseStatus, apply, parse_event, parse_status
from app.domain.errors import IllegalTransition
from app.domain.print_blobs import CHUNK_KIND, BlobError, ChunkSets, blob_bytes
from app.services.uow import UnitOfWork
from app.sync.apply_accounts import apply_account_ref, apply_user
from app.sync.kinds import CASE, CONFLICT, DEPARTMENT_OP, EVENT, Restore, kind_named
from app.sync.protocol import Change, conflict_id
from app.sync.pulled_chunks import StoredChunks

log = logging.getLogger(__name__)

_DECIDED = (CaseStatus.APPROVED, CaseStatus.APPROVED_DEFERRED, CaseStatus.DENIED)


def jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def row_payload(row: Any) -> dict[str, Any]:
    """A row's columns as JSON (ids as strings, dates ISO), as the outbox carries them."""
    return {c.key: jsonable(getattr(row, c.key)) for c in row.__table__.columns}


def _kind(col: Any) -> type:
    ctype = getattr(col.type, "impl", col.type)  # TypeDecorators (UTCDateTime) by their impl
    try:
        return ctype.python_type
    except NotImplementedError:  # JSON and other types without one: the value is copied as it is
        return object


@functools.cache
def _columns(table: Table) -> tuple[tuple[str, type, bool], ...]:
    """(key, Python type, null means "use the default") of each column, worked out once per table."""
    return tuple(
        (
            c.key,
            _kind(c),
            not c.nullable and (c.default is not None or c.server_default is not None),
        )
        for c in table.columns
    )


def payload_values(table: Table, payload: dict[str, Any]) -> dict[str, Any]:
    """Column values of `table` from a row payload (JSON types back to UUIDs, dates, datetimes).
    Columns the payload lacks are left out, and so is a null for a NOT NULL column that has a
    default (rows `onewindow demo-data` bulk-inserted before it queued their stored values went
    out with their unset columns as null, and the hub keeps them): an insert then takes the
    default of its own time, and an update keeps the stored value. Binary columns never travel
    (printed PDFs stay at the centre)."""
    out: dict[str, Any] = {}
    for key, kind, defaulted in _columns(table):
        if key not in payload:
            continue
        value = payload[key]
        if value is None:
            if not defaulted:
                out[key] = None
        elif kind in (dict, list, object):
            out[key] = value
        elif kind is uuid.UUID:
            out[key] = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        elif kind is datetime:
            dt = datetime.fromisoformat(str(value))
            out[key] = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
        elif kind is date:
            out[key] = date.fromisoformat(str(value)[:10])
        elif kind is not bytes:
            out[key] = kind(value)
    return out


def missing_binary(table: Table) -> dict[str, bytes]:
    """Empty bytes for the NOT NULL binary columns a payload never carries (a printed document's
    PDF stays where it was printed), so such a row can be inserted from its payload."""
    return {
        c.key: b""
        for c in table.columns
        if not c.nullable and isinstance(getattr(c.type, "impl", c.type), LargeBinary)
    }


@functools.cache
def _model(table_name: str) -> Any:
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table_name:
            return mapper.class_
    return None


def table_for(entity: str) -> Table | None:
    """The centre table of a kind of the registry (None: not a synced kind)."""
    kind = kind_named(entity)
    model = _model(kind.table) if kind is not None else None
    return model.__table__ if model is not None else None


def upsert_row(s: Session, entity: str, entity_id: uuid.UUID, payload: dict[str, Any]) -> bool:
    """Insert or update one row of a synced kind's table; False when the kind is unknown."""
    kind = kind_named(entity)
    model = _model(kind.table) if kind is not None else None
    if model is None:
        return False
    values = payload_values(model.__table__, {**payload, "id": str(entity_id)})
    row = s.get(model, entity_id)
    if row is None:
        s.add(model(**{**missing_binary(model.__table__), **values}))
    else:
        for k, v in values.items():
            setattr(row, k, v)
    return True


def centre_conflict_row(payload: dict[str, Any]) -> bool:
    """A conflict as a centre's own row (found or resolved there: every column, `resolved_at`
    included), not as the hub words one it found (no such column): the centre's row is kept as it
    was, the hub's is only added when the centre has none."""
    return "resolved_at" in payload


def apply_conflict(s: Session, payload: dict[str, Any]) -> None:
    row = s.get(SyncConflict, uuid.UUID(payload["id"]))
    if row is not None:
        return  # already listed (found here too, or resolved here): keep the local state
    values = payload_values(SyncConflict.__table__, payload)  # type: ignore[arg-type]
    values["status"] = "open"
    s.add(SyncConflict(**values))


def apply_calendar_day(s: Session, payload: dict[str, Any]) -> None:
    """A holiday or make-up workday from the district, matched by its date (the local row may predate it)."""
    values = payload_values(CalendarDay.__table__, payload)  # type: ignore[arg-type]
    if values.get("source") != PROVISIONAL:
        # An official table for a year replaces the shipped guesses for that year as a whole.
        year = values["day"].year
        s.execute(
            delete(CalendarDay).where(
                CalendarDay.source == PROVISIONAL,
                CalendarDay.day >= date(year, 1, 1),
                CalendarDay.day <= date(year, 12, 31),
            )
        )
    row = s.scalars(select(CalendarDay).where(CalendarDay.day == values["day"])).first()
    if row is None:
        s.add(CalendarDay(**values))
    else:
        for k, v in values.items():
            if k != "id":
                setattr(row, k, v)


def apply_catalogue(s: Session, payload: dict[str, Any]) -> None:
    """A whole catalogue publication; made current unless this version is already here."""
    from app.services.catalogue import CatalogueService, matter_from_dict

    version = payload["version"]
    if s.scalars(
        select(CataloguePublicationRow).where(CataloguePublicationRow.version == version)
    ).first():
        return
    s.execute(update(CataloguePublicationRow).values(current=False))
    s.execute(update(Matter).values(current=False))
    s.add(
        CataloguePublicationRow(
            id=new_id(),
            version=version,
            published_on=date.fromisoformat(payload["published_on"]),
            publisher=payload["publisher"],
            content_hash="hub",
            imported_at=datetime.now(UTC),
            current=True,
        )
    )
    groups = {g.code: g for g in s.scalars(select(ServiceGroup))}
    for g in payload["service_groups"]:
        row = groups.get(g["code"]) or ServiceGroup(id=new_id(), code=g["code"])
        row.prefix, row.name, row.departments = g["prefix"], g["name"], list(g["departments"])
        s.add(row)
    for m in payload["matters"]:
        s.add(CatalogueService._matter_row(matter_from_dict(m), version))


def print_bytes(
    entity: str, payload: dict[str, Any], chunks: ChunkSets
) -> tuple[str, bytes] | None:
    """(SHA-256, bytes) of a pulled print blob, or of the print a pulled slice completes (its
    slices gathered in `chunks`); None (logged) when there is nothing to use yet or it cannot be
    used (slices that do not add up, bytes that do not match their hash)."""
    try:
        return chunks.add(payload) if entity == CHUNK_KIND else blob_bytes(payload)
    except BlobError as exc:
        log.warning("print blob not used: %s", exc)
        return None


def fill_prints(s: Session, sha256: str, pdf: bytes) -> int:
    """Put a print's bytes back into every record of that print that lacks them; returns how many."""
    result = s.execute(
        update(PrintedDocument)
        .where(PrintedDocument.sha256 == sha256, func.length(PrintedDocument.content) == 0)
        .values(content=pdf)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def copy_prints(s: Session) -> int:
    """Records still without their bytes take them from a record of the same print that has them
    (a reprint restored after the print's bytes were put back), copied as stored; how many."""
    src = aliased(PrintedDocument)
    same = and_(src.sha256 == PrintedDocument.sha256, func.length(src.content) > 0)
    result = s.execute(
        update(PrintedDocument)
        .where(func.length(PrintedDocument.content) == 0, exists().where(same))
        .values(content=select(src.content).where(same).limit(1).scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def apply_settings(s: Session, payload: dict[str, Any]) -> None:
    """The district's settings for a centre: applied when they name this database's centre."""
    from app.services.centre_settings import apply_district_settings

    apply_district_settings(s, payload, datetime.now(UTC))


def apply_department_event(uow: UnitOfWork, change: Change) -> None:
    """A department's acceptance or decision on one of our cases. A decision moves the case to 待领取
    (and that step goes back to the hub through the outbox); an illegal one is kept and listed."""
    s = uow.session
    p = change.payload
    case = s.get(Case, uuid.UUID(p["case_id"]))
    if case is None:
        log.warning("department event %s for unknown case %s", change.entity_id, p["case_id"])
        return
    if s.get(CaseEvent, change.entity_id) is not None:
        return
    last = s.execute(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    seq = (last.seq if last else 0) + 1
    event = parse_event(p["event_type"])
    values = payload_values(
        CaseEvent.__table__,  # type: ignore[arg-type]
        {
            **p,
            "id": str(change.entity_id),
            "seq": seq,
            "actor_id": None,
            "centre_id": None,
            "counter_id": None,
        },
    )
    s.add(CaseEvent(**values))
    try:
        new = apply(parse_status(case.status), event)
    except (IllegalTransition, ValueError) as exc:
        cid = conflict_id("illegal_event", case.id, change.entity_id, last.id if last else None)
        if s.get(SyncConflict, cid) is None:
            found = SyncConflict(
                id=cid,
                kind="illegal_event",
                case_id=case.id,
                subject_id=change.entity_id,
                other_id=last.id if last else None,
                message=f"部门的“{event.label}”与本中心的办理记录冲突：{getattr(exc, 'message', exc)}"[
                    :500
                ],
                status="open",
                resolution="",
            )
            s.add(found)
            s.flush()
            # to the hub as the centre has it, so a restore brings it back worded as here
            uow.record_change(CONFLICT.name, cid, row_payload(found))
        return
    now = datetime.now(UTC)
    case.status, case.updated_at = new.name, now
    if new in _DECIDED:
        case.decision_note = str(p.get("note") or "")[:500]
        s.flush()
        ready = apply(new, CaseEventType.NOTIFY_READY)
        notify = CaseEvent(
            id=new_id(),
            case_id=case.id,
            seq=seq + 1,
            event_type=CaseEventType.NOTIFY_READY.name,
            status_after=ready.name,
            at=now,
            actor_id=None,
            actor_name="系统",
            origin="centre",
            centre_id=case.centre_id,
            note="部门已作出决定，待领取",
            detail={},
        )
        s.add(notify)
        case.status = ready.name
        s.flush()
        uow.record_change(EVENT.name, notify.id, row_payload(notify))
    s.flush()
    uow.record_change(CASE.name, case.id, row_payload(case))


def apply_changes(uow: UnitOfWork, changes: list[Change], chunks: ChunkSets | None = None) -> int:
    """Apply pulled changes in position order inside the caller's transaction; returns how many were
    used. A large print's slices are kept in the database until the print is whole (`StoredChunks`,
    in this transaction), unless the caller gathers them itself (`chunks`: a restore, in memory)."""
    s = uow.session
    used = 0
    chunks = StoredChunks(s) if chunks is None else chunks
    for ch in changes:
        kind = kind_named(ch.entity)
        rule = kind.restore if kind is not None else None
        if rule is Restore.CATALOGUE:
            apply_catalogue(s, ch.payload)
        elif rule is Restore.CONFLICT and not centre_conflict_row(ch.payload):
            apply_conflict(s, ch.payload)
        elif rule is Restore.ACCOUNT:
            apply_user(s, ch.payload)
        elif rule is Restore.ACCOUNT_REF:
            apply_account_ref(s, ch.payload)
        elif rule is Restore.CALENDAR:
            apply_calendar_day(s, ch.payload)
        elif rule is Restore.SETTINGS:
            apply_settings(s, ch.payload)
        elif rule is Restore.BLOB:
            if (blob := print_bytes(ch.entity, ch.payload, chunks)) is not None:
                s.flush()
                fill_prints(s, *blob)
        elif rule is Restore.AUDIT:
            # Another device's records belong to the trail of the database that sealed them (a
            # restore takes them back whole, restore_audit.py); written into this database's own
            # chain they would clash with its numbers and stop every pull after them.
            continue
        elif kind is EVENT and ch.op == DEPARTMENT_OP:
            # made at the hub by department staff (a centre's ops are all upserts)
            apply_department_event(uow, ch)
        elif not upsert_row(s, ch.entity, ch.entity_id, ch.payload):
            log.info("pulled %s %s: not a synced kind", ch.entity, ch.entity_id)
            continue
        s.flush()
        used += 1
    return used


def open_conflicts(s: Session) -> int:
    return int(
        s.scalar(
            select(func.count()).select_from(SyncConflict).where(SyncConflict.status == "open")
        )
        or 0
    )
