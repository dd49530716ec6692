"""What a database made before a kind was synced sends once, at the first start of the version that syncs it.

Prints' bytes (and, below, audit records and account references) are queued for the hub in the
transaction that makes them. A database that made some before this version queues those once,
from `initialise()` (every start runs it), marked by a counter row of its own scope so that it
never happens twice — two desktops starting at once on one PostgreSQL database included: the
marker is checked again under the outbox counter's lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import func, select, update

from app.db.models import AuditRecord, OutboxOp, PrintedDocument, SequenceCounter, User
from app.db.payload import row_payload
from app.db.protected import MissingKey
from app.domain.print_blobs import PRINT_KINDS, without_bytes
from app.services.context import ServiceContext
from app.services.prints import queue_blob
from app.services.uow import AUDIT_SCOPE, AUDIT_SENT, OUTBOX_SCOPE, UnitOfWork, account_ref

log = logging.getLogger(__name__)

PRINTS_SENT = "print_blobs_to_hub"
ACCOUNTS_SENT = "accounts_to_hub"
AUDIT_POSITION = "audit_to_hub_from"  # how far the one-time send of older audit records got
AUDIT_CHUNK = 5000
SENT_PRINTS_TRIMMED = "sent_print_bytes_dropped"  # sent print ops of earlier versions, trimmed
# Counters that are this database's own bookkeeping of what it sent (never restored as they were).
MARKERS = (PRINTS_SENT, ACCOUNTS_SENT, AUDIT_SENT, AUDIT_POSITION, SENT_PRINTS_TRIMMED)


def marked(uow: UnitOfWork, scope: str) -> bool:
    found = uow.session.scalar(select(SequenceCounter.id).where(SequenceCounter.scope == scope))
    return found is not None


def queue_once(
    ctx: ServiceContext, scope: str, collect: Callable[[UnitOfWork], int], *, first: str = ""
) -> int:
    """Run `collect` (which queues rows) once per database, marked by the counter `scope`; returns
    how many it queued. `first` names a counter to lock before the outbox's (the audit trail's:
    the order every writing transaction takes them in)."""
    with ctx.uow(read_only=True) as uow:
        if marked(uow, scope):
            return 0
    with ctx.uow() as uow:
        if first:
            uow.reserve(first, 0)
        uow.reserve(OUTBOX_SCOPE, 0)
        if marked(uow, scope):
            return 0
        queued = collect(uow)
        uow.reserve(scope, max(queued, 0))  # the mark: this database has sent them
        if queued:
            log.info("%s: %d queued for the hub", scope, queued)
        return queued


def _prints(uow: UnitOfWork) -> int:
    s = uow.session
    sent: set[tuple[object, str]] = set()
    rows = s.execute(
        select(PrintedDocument.id, PrintedDocument.centre_id, PrintedDocument.sha256)
        .where(func.length(PrintedDocument.content) > 0)
        .order_by(PrintedDocument.printed_at, PrintedDocument.id)
    ).all()
    queued = 0
    for doc_id, centre_id, sha in rows:
        if (centre_id, sha) in sent:
            continue
        sent.add((centre_id, sha))
        pdf = s.scalar(select(PrintedDocument.content).where(PrintedDocument.id == doc_id))
        if pdf and queue_blob(uow, centre_id, doc_id, sha, bytes(pdf), force=True):
            queued += 1
    return queued


def send_print_blobs_once(ctx: ServiceContext) -> int:
    """Queue the bytes of every print made before prints' bytes were synced (each once)."""
    return queue_once(ctx, PRINTS_SENT, _prints)


def _accounts(uow: UnitOfWork) -> int:
    s = uow.session
    sent = select(OutboxOp.entity_id).where(OutboxOp.entity == "account_ref")
    users = list(s.scalars(select(User).where(User.id.not_in(sent)).order_by(User.created_at)))
    for user in users:
        uow.record_change("account_ref", user.id, account_ref(user))
    return len(users)


def send_account_refs_once(ctx: ServiceContext) -> int:
    """Queue a reference (who, never the password) of every account made before accounts' references
    were synced; accounts made since were queued when they were made."""
    return queue_once(ctx, ACCOUNTS_SENT, _accounts)


def _counter(uow: UnitOfWork, scope: str) -> int:
    value = uow.session.scalar(select(SequenceCounter.value).where(SequenceCounter.scope == scope))
    return int(value or 0)


def send_audit_once(ctx: ServiceContext, chunk: int = AUDIT_CHUNK) -> int:
    """Queue the audit records written before the trail was synced, in their order, `chunk` per
    transaction (a year of a busy centre is ~300 k), then mark the trail as synced: from then on
    every record is queued as it is written. Each transaction holds the audit counter, then the
    outbox's (the order every writing transaction takes them in), so no record written meanwhile
    is missed or sent twice. Records from before the chain existed (no number) go first."""
    total = 0
    while True:
        with ctx.uow(read_only=True) as uow:
            if marked(uow, AUDIT_SENT):
                return total
        with ctx.uow() as uow:
            uow.reserve(AUDIT_SCOPE, 0)
            uow.reserve(OUTBOX_SCOPE, 0)
            if marked(uow, AUDIT_SENT):
                return total
            s = uow.session
            after = _counter(uow, AUDIT_POSITION)
            rows: list[AuditRecord] = []
            if after == 0:
                rows += s.scalars(
                    select(AuditRecord).where(AuditRecord.seq.is_(None)).order_by(AuditRecord.at)
                )
            chained = list(
                s.scalars(
                    select(AuditRecord)
                    .where(AuditRecord.seq > after)
                    .order_by(AuditRecord.seq)
                    .limit(chunk)
                )
            )
            for r in [*rows, *chained]:
                uow.record_change("audit_record", r.id, row_payload(r))
            total += len(rows) + len(chained)
            if len(chained) < chunk:
                uow.reserve(AUDIT_SENT, 0)  # the mark, under the audit counter's lock
                if total:
                    log.info("%d audit records queued for the hub", total)
                return total
            uow.reserve(AUDIT_POSITION, int(chained[-1].seq or 0) - after)


def drop_sent_print_bytes_once(ctx: ServiceContext, chunk: int = 20) -> int:
    """Earlier versions kept the bytes of every print op the hub had acknowledged in the outbox (the
    sync agent now drops them as it marks an op sent): drop them once, `chunk` ops per transaction,
    keeping each op's other fields. Returns how many ops were trimmed. A level-3 desk without the
    key leaves it to a desk that has it (nothing is marked)."""
    with ctx.uow(read_only=True) as uow:
        if marked(uow, SENT_PRINTS_TRIMMED):
            return 0
    after, trimmed = 0, 0
    try:
        while True:
            with ctx.uow() as uow:
                s = uow.session
                rows = s.execute(
                    select(OutboxOp.seq, OutboxOp.payload)
                    .where(
                        OutboxOp.seq > after,
                        OutboxOp.entity.in_(PRINT_KINDS),
                        OutboxOp.sent_at.is_not(None),  # only ops the hub acknowledged
                    )
                    .order_by(OutboxOp.seq)
                    .limit(chunk)
                ).all()
                for seq, payload in rows:
                    if isinstance(payload, dict) and "data" in payload:
                        s.execute(
                            update(OutboxOp)
                            .where(OutboxOp.seq == seq, OutboxOp.sent_at.is_not(None))
                            .values(payload=without_bytes(payload))
                            .execution_options(synchronize_session=False)
                        )
                        trimmed += 1
                if len(rows) < chunk:
                    uow.reserve(SENT_PRINTS_TRIMMED, trimmed)  # the mark: done for this database
                    break
                after = rows[-1].seq
    except MissingKey:
        log.warning("sent prints' bytes left in the outbox: this desk has no level-3 key")
        return trimmed
    if trimmed:
        log.info("%d sent print ops: bytes dropped from the outbox", trimmed)
    return trimmed
