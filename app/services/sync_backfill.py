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

from sqlalchemy import func, select

from app.db.models import PrintedDocument, SequenceCounter
from app.services.context import ServiceContext
from app.services.prints import queue_blob
from app.services.uow import OUTBOX_SCOPE, UnitOfWork

log = logging.getLogger(__name__)

PRINTS_SENT = "print_blobs_to_hub"


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
