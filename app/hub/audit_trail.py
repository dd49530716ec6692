"""The centres' audit trails at the hub: each centre's chain verified on arrival, kept at least 180 days.

A centre sends every audit record it writes (kind `audit_record`, in the transaction that writes
it, so in the chain's order). What the hub checks, for each centre, continuing from the last record
it holds (`hub_audit_chain`): the record's hash recomputed from its fields, its link to the record
before (`prev_hash` = the hash the hub holds), its number (no gap, no repeat), and its MAC with the
key the centre registered (app/hub/audit_keys.py). So a record changed, deleted, inserted or
reordered before it was sent breaks the chain at the hub, and so does one rewritten with its hash
and every later link recomputed (its MAC no longer matches); once a record is at the hub, any
rewrite, truncation or loss at the centre is answered by the hub's copy.
A break is a conflict (`audit_chain`) listed to the district's administrators (and to the centre);
the record is kept as it came, never silently accepted as sound.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.domain.audit_chain import CHANGED, ChainBreak, ChainEntry, verify_chain
from app.hub.audit_keys import check_held, keys_of, mac_breaks
from app.hub.batch import Prepared
from app.hub.merge import Batch
from app.hub.models import HubAuditChain, HubChange
from app.hub.secret import SecretUnavailable
from app.sync.kinds import KINDS

AUDIT = KINDS["audit_record"]
log = logging.getLogger(__name__)
RETENTION_DAYS = 180  # Cybersecurity Law art. 21: network logs kept no less than six months
CHAIN_BROKEN = "audit_chain"
_BATCH = 5000


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def entry(payload: dict[str, Any]) -> ChainEntry:
    """An audit record as sent (raises ValueError, KeyError or TypeError when malformed)."""
    at = datetime.fromisoformat(str(payload["at"]))
    seq = payload.get("seq")
    if seq is not None and (isinstance(seq, bool) or not isinstance(seq, int)):
        raise ValueError("seq")
    detail = payload.get("detail") or {}
    if not isinstance(detail, dict):
        raise ValueError("detail")
    return ChainEntry(
        seq=seq,
        at=at if at.tzinfo else at.replace(tzinfo=UTC),
        user_id=_uuid(payload.get("user_id")),
        centre_id=_uuid(payload.get("centre_id")),
        action=str(payload["action"]),
        subject_type=str(payload.get("subject_type") or ""),
        subject_id=_uuid(payload.get("subject_id")),
        window=str(payload.get("window") or ""),
        result=str(payload.get("result") or ""),
        detail=detail,
        prev_hash=str(payload.get("prev_hash") or ""),
        hash=str(payload.get("hash") or ""),
        mac=str(payload.get("mac") or ""),
    )


def _locked_chain(session: Session, centre_id: uuid.UUID, now: datetime) -> HubAuditChain:
    """The centre's chain row, locked until the transaction ends; made first when there is none.
    Two devices of one centre may both find none: INSERT … ON CONFLICT DO NOTHING makes the second
    wait for the first's commit and then lock the row the first made, instead of failing on the
    key (which rolled its whole batch back and redid it op by op)."""
    state = session.get(HubAuditChain, centre_id, with_for_update=True, populate_existing=True)
    if state is not None:
        return state
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(HubAuditChain)
        .values(centre_id=centre_id, last_seq=0, last_hash="", records=0, breaks=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["centre_id"])
    )
    return session.get_one(HubAuditChain, centre_id, with_for_update=True, populate_existing=True)


def check_arrivals(session: Session, batch: Batch, ops: list[Prepared]) -> set[str]:
    """Verify a batch's audit records (in their order) against what the hub holds of the pushing
    centre's chain, and move the chain on. Returns the op ids of records that break it (each listed
    as a conflict); the caller keeps them with that status."""
    broken: set[str] = set()
    chained: list[tuple[Prepared, ChainEntry]] = []
    for p in ops:
        try:
            e = entry(p.op.payload)
        except (KeyError, TypeError, ValueError):
            broken.add(p.op_id)
            batch.conflict(
                CHAIN_BROKEN, "审计记录格式不符，无法校验", case_id=None, subject=p.op.entity_id
            )
            continue
        if e.seq is not None:  # records from before the chain existed carry no number
            chained.append((p, e))
    if not chained:
        return broken
    state = _locked_chain(session, batch.centre_id, batch.now)
    report = verify_chain(
        [e for _, e in chained],
        None,
        after_seq=state.last_seq,
        after_hash=state.last_hash,
        limit=len(chained) + 1,
    )
    changed = {b.seq for b in report.breaks if b.kind == CHANGED}  # their MACs are moot
    found = [(b, 1) for b in report.breaks] + mac_checked(
        session, state, chained, changed, batch.now
    )
    for b, n in found:
        if n > 1:  # a run of records the centre's key did not seal: each is kept as a conflict
            broken.update(
                p.op_id for p, e in chained if 0 < (b.seq or 0) <= (e.seq or 0) < (b.seq or 0) + n
            )
        at = next(
            (p for p, e in chained if e.seq is not None and b.seq is not None and e.seq >= b.seq),
            chained[-1][0],
        )
        broken.add(at.op_id)
        batch.conflict(
            CHAIN_BROKEN,
            f"审计记录链校验未通过，{b.text}",
            case_id=None,
            subject=at.op.entity_id,
            salt=uuid.uuid5(uuid.NAMESPACE_URL, f"{b.kind}:{b.seq}"),
        )
    state.last_seq, state.last_hash = report.last_seq, report.last_hash
    state.records += len(chained)
    state.breaks += len(found)
    state.updated_at = batch.now
    return broken


def mac_checked(
    session: Session,
    state: HubAuditChain,
    chained: list[tuple[Prepared, ChainEntry]],
    changed: set[int | None],
    now: datetime,
) -> list[tuple[ChainBreak, int]]:
    """The MACs, with the key the centre registered (app/hub/audit_keys.py): records whose hash is
    their own (not `changed`) but whose MAC the key did not make (rewritten with recomputed
    hashes, or inserted). Without the master secret the records are taken all the same (a
    centre's queue never waits on the hub's secret) and marked: their MACs are checked at the
    first push after the secret is back (`mac_pending_from`)."""
    sound = [
        (e.seq, e.action, e.hash, e.mac)
        for _, e in chained
        if e.seq is not None and e.seq not in changed
    ]
    first = min((e.seq for _, e in chained if e.seq is not None), default=None)
    try:
        keys = keys_of(session, state.centre_id)
    except SecretUnavailable as exc:
        log.warning("audit MACs of centre %s left to check later: %s", state.centre_id, exc.message)
        if first is not None:
            state.mac_pending_from = min(state.mac_pending_from or first, first)
        return []
    if state.mac_pending_from is not None:  # the secret is back: what came meanwhile
        check_held(session, state.centre_id, state.mac_pending_from, now, before=first)
        state.mac_pending_from = None
    if not keys:
        return []
    return mac_breaks(keys, sound)


def purge(session: Session, now: datetime, keep_days: int = RETENTION_DAYS) -> int:
    """Remove audit records older than `keep_days` (never fewer than 180): only those whose own time
    and arrival are both older. Returns how many were removed."""
    if keep_days < RETENTION_DAYS:
        raise ValueError(f"审计记录至少保留 {RETENTION_DAYS} 天（网络安全法：不少于六个月）")
    cutoff = now - timedelta(days=keep_days)
    removed = 0
    after = 0
    while True:
        rows = session.execute(
            select(HubChange.pos, HubChange.payload["at"].as_string())
            .where(
                HubChange.entity == AUDIT.name,
                HubChange.recorded_at < cutoff,
                HubChange.pos > after,
            )
            .order_by(HubChange.pos)
            .limit(_BATCH)
        ).all()
        if not rows:
            return removed
        after = rows[-1][0]
        old = [pos for pos, at in rows if _older(at, cutoff)]
        if old:
            session.execute(delete(HubChange).where(HubChange.pos.in_(old)))
            removed += len(old)


def _older(at: str | None, cutoff: datetime) -> bool:
    """Whether a record's own time is before `cutoff`; a record without a readable time is kept."""
    try:
        when = datetime.fromisoformat(str(at))
    except ValueError:
        return False
    return (when if when.tzinfo else when.replace(tzinfo=UTC)) < cutoff
