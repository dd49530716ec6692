"""Call-next on PostgreSQL in two round trips (see QueueService.call_next and README "Benchmarks").

Flight 1, pipelined after an explicit BEGIN: one statement reads the window and its last K calls,
picks the next ticket by the fairness rule (app/domain/queue.py) as a single ORDER BY, locks it
with `FOR UPDATE SKIP LOCKED`, marks it called, inserts the call record and takes the next audit
number (the audit counter row stays locked until COMMIT, as in UnitOfWork); a second statement,
with a fresh snapshot, reads the previous audit record's hash. Flight 2: the sealed audit record,
the two outbox rows (their counter advanced in the same statement), COMMIT, and the wait for the
WAL flush (see _take: the audit counter is not held through the fsync).

The rule as one ordering, for a window whose last K calls were all priority (`streak`) or not:
returned tickets first; then, without a streak, priority before ordinary; with a streak, ordinary
tickets waiting longer than M minutes first; then oldest issued, ties by id. `choose_next` on any
set of waiting tickets returns the first of that set in this order (tests/services check both on
the same data), so skipping the rows other windows hold locked applies the rule to the rest.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from psycopg import Connection
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg.types.json import Json
from sqlalchemy import Engine

from app.db.models import AuditRecord, CallRecord, Ticket
from app.db.payload import jsonable
from app.db.types import new_id, utcnow
from app.domain.audit_chain import ChainEntry, seal
from app.domain.queue import FairnessRule, PriorityClass
from app.services.audit_keys import audit_key
from app.services.uow import AUDIT_SCOPE, AUDIT_SENT, OUTBOX_SCOPE, _acting_window


def _ticket_columns(table: str) -> str:
    """The ticket's columns by name, never `*`: a column another desk's newer version adds must
    not change the result of this desk's prepared statement ("cached plan must not change result
    type")."""
    return ", ".join(f"{table}.{c.name}" for c in Ticket.__table__.columns)


_OPEN_TO_WINDOW = """
    t.centre_id = ok.centre_id AND t.business_date = %(today)s AND t.status = 'waiting'
    AND (t.target_counter_id = ok.id
         OR (t.target_counter_id IS NULL
             AND (ok.all_groups OR coalesce(t.queue_group, t.service_group)
                                   IN (SELECT json_array_elements_text(ok.service_groups)))))
"""

_TAKE_SQL = f"""
WITH c AS (
    SELECT id, centre_id, number, all_groups, service_groups FROM counter WHERE id = %(counter)s
), ok AS (
    SELECT * FROM c WHERE %(user_centre)s::uuid IS NULL OR c.centre_id = %(user_centre)s::uuid
), streak AS (
    SELECT count(*) FILTER (WHERE h.priority) >= %(k)s AS all_priority
    FROM (SELECT priority FROM call_record
          WHERE counter_id = %(counter)s AND NOT recall
          ORDER BY at DESC, id DESC LIMIT %(k)s) AS h
), pick AS (
    SELECT t.id FROM ticket AS t, ok
    WHERE {_OPEN_TO_WINDOW}
    ORDER BY t.front DESC,
             (NOT t.front AND CASE WHEN (SELECT all_priority FROM streak)
                                   THEN t.priority = 'normal' AND t.issued_at < %(overdue)s
                                   ELSE t.priority <> 'normal' END) DESC,
             t.issued_at, t.id
    LIMIT 1
    FOR UPDATE OF t {{lock}}
), upd AS (
    UPDATE ticket AS t
    SET status = 'called', called_at = %(now)s, counter_id = ok.id, clerk_id = %(clerk)s,
        front = false, target_counter_id = NULL, recall_count = 0
    FROM pick, ok
    WHERE t.id = pick.id AND t.status = 'waiting'
    RETURNING {_ticket_columns("t")}
), called AS (
    INSERT INTO call_record (id, centre_id, ticket_id, counter_id, clerk_id, number,
                             window_number, recall, priority, at)
    SELECT %(call_id)s, upd.centre_id, upd.id, ok.id, %(clerk)s, upd.number, ok.number, false,
           upd.priority <> 'normal', %(now)s
    FROM upd, ok
    RETURNING id
), audit_number AS (
    UPDATE sequence_counter SET value = value + 1
    WHERE scope = %(audit_scope)s AND EXISTS (SELECT 1 FROM upd)
    RETURNING value
)
SELECT (SELECT centre_id FROM c) AS _counter_centre,
       (SELECT number FROM ok) AS _window,
       (SELECT value FROM audit_number) AS _audit_seq,
       (SELECT count(*) FROM called) AS _calls,
       EXISTS (SELECT 1 FROM sequence_counter WHERE scope = %(outbox_scope)s) AS _outbox_ready,
       CASE WHEN EXISTS (SELECT 1 FROM upd) THEN true
            ELSE EXISTS (SELECT 1 FROM ticket AS t, ok WHERE {_OPEN_TO_WINDOW}) END AS _any_waiting,
       {_ticket_columns("upd")}
FROM (SELECT 1) AS one LEFT JOIN upd ON true
"""

# First skipping the tickets other windows are taking; when that leaves none but some wait (they
# are all being taken right now), once more waiting for the first in rule order: when its holder
# commits it no longer matches and PostgreSQL goes on to the next row; when the holder rolls
# back, it is ours.
TAKE_SQL = _TAKE_SQL.replace("{lock}", "SKIP LOCKED")
TAKE_WAITING_SQL = _TAKE_SQL.replace("{lock}", "")

# A new statement, so a new snapshot: it sees the record of the transaction whose COMMIT released
# the audit counter to us (READ COMMITTED), which the statement above could not.
PREVIOUS_HASH_SQL = """
SELECT sc.value, (SELECT a.hash FROM audit_record AS a WHERE a.seq = sc.value - 1)
FROM sequence_counter AS sc WHERE sc.scope = %(audit_scope)s
"""

AUDIT_SQL = """
INSERT INTO audit_record (id, seq, at, user_id, centre_id, action, subject_type, subject_id,
                          "window", result, detail, prev_hash, hash, mac)
VALUES (%(id)s, %(seq)s, %(at)s, %(user_id)s, %(centre_id)s, %(action)s, %(subject_type)s,
        %(subject_id)s, %(window)s, %(result)s, %(detail)s, %(prev_hash)s, %(hash)s, %(mac)s)
"""

OUTBOX_SQL = """
WITH a AS (  -- the audit record goes to the hub too once the trail is synced (uow.AUDIT_SENT)
    SELECT count(*) AS n FROM sequence_counter WHERE scope = %(audit_sent)s
), o AS (
    UPDATE sequence_counter SET value = value + 2 + (SELECT n FROM a)
    WHERE scope = %(outbox_scope)s RETURNING value
)
INSERT INTO outbox (id, seq, op_id, entity, entity_id, op, payload, created_at)
SELECT %(id1)s, o.value - 1 - (SELECT n FROM a), %(op1)s, 'ticket', %(ticket_id)s, 'upsert',
       %(ticket)s, %(at)s FROM o
UNION ALL
SELECT %(id2)s, o.value - (SELECT n FROM a), %(op2)s, 'call_record', %(call_id)s, 'upsert',
       %(call)s, %(at)s FROM o
UNION ALL
SELECT %(id3)s, o.value, %(op3)s, 'audit_record', %(audit_id)s, 'upsert', %(audit)s, %(at)s
FROM o WHERE (SELECT n FROM a) > 0
"""

_TICKET_COLUMNS = tuple(c.key for c in Ticket.__table__.columns)
_CALL_COLUMNS = tuple(c.key for c in CallRecord.__table__.columns)
_AUDIT_COLUMNS = tuple(c.key for c in AuditRecord.__table__.columns)


@dataclass(frozen=True)
class PgCall:
    """What the fast path did: `ticket` called at window `window`, or why it stepped aside."""

    outcome: str  # called / nobody / busy (internal) / fallback / no_counter / wrong_centre
    ticket: Ticket | None = None
    window: int | None = None
    counter_centre: uuid.UUID | None = None


def _utc(value: Any) -> Any:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def call_next_pg(
    engine: Engine,
    counter_id: uuid.UUID,
    clerk_id: uuid.UUID,
    user_centre: uuid.UUID | None,
    today: date,
    now: datetime,
    rule: FairnessRule,
) -> PgCall:
    """Take the next ticket for the window in two round trips (four when every open ticket is
    being taken by other windows at that moment). `fallback`: nothing was changed and the general
    path must run (a counter row this path updates does not exist yet)."""
    params = {
        "counter": counter_id,
        "user_centre": user_centre,
        "k": rule.max_consecutive_priority,
        "today": today,
        "now": now,
        "overdue": now - rule.max_ordinary_wait,
        "clerk": clerk_id,
        "call_id": new_id(),
        "audit_scope": AUDIT_SCOPE,
        "outbox_scope": OUTBOX_SCOPE,
    }
    raw = engine.raw_connection()
    try:
        pg: Connection[Any] = raw.driver_connection  # type: ignore[assignment]
        pg.autocommit = True  # BEGIN is sent in the pipeline, not as a round trip of its own
        try:
            done = _take(pg, engine, TAKE_SQL, params, counter_id, clerk_id, now)
            if done.outcome == "busy":
                done = _take(pg, engine, TAKE_WAITING_SQL, params, counter_id, clerk_id, now)
            return done
        except BaseException:
            if pg.info.transaction_status != TransactionStatus.IDLE and not pg.closed:
                pg.execute("ROLLBACK")
            raise
        finally:
            if not pg.closed and pg.info.transaction_status == TransactionStatus.IDLE:
                pg.autocommit = False
    finally:
        raw.close()


def _take(
    pg: Connection[Any],
    engine: Engine,
    sql: str,
    params: dict[str, Any],
    counter_id: uuid.UUID,
    clerk_id: uuid.UUID,
    now: datetime,
) -> PgCall:
    # Everything that does not depend on the row is made before flight 1: between the flights
    # this window holds the audit counter every other window waits for.
    key, window_text = audit_key(engine), _acting_window.get()
    audit_id, ids = new_id(), [new_id() for _ in range(6)]
    detail = {"counter_id": str(counter_id)}
    take = pg.cursor(row_factory=dict_row)
    head = pg.cursor()
    with pg.pipeline():
        pg.execute("BEGIN")
        take.execute(sql, params, prepare=True)
        head.execute(PREVIOUS_HASH_SQL, params, prepare=True)
    row = take.fetchone()
    previous = head.fetchone()
    assert row is not None
    outcome = _refusal(row, waited=sql is TAKE_WAITING_SQL)
    if outcome is None and (previous is None or previous[0] != row["_audit_seq"]):
        outcome = "fallback"  # no audit counter yet (or, impossibly, not ours while locked)
    if outcome is not None:
        pg.execute("ROLLBACK")
        return PgCall(outcome, counter_centre=row["_counter_centre"])
    assert previous is not None
    seq, prev_hash = int(previous[0]), previous[1] or ""
    values = {k: _utc(row[k]) for k in _TICKET_COLUMNS}
    call = {
        "id": params["call_id"],
        "centre_id": values["centre_id"],
        "ticket_id": values["id"],
        "counter_id": counter_id,
        "clerk_id": clerk_id,
        "number": values["number"],
        "window_number": row["_window"],
        "recall": False,
        "priority": values["priority"] != PriorityClass.NORMAL.value,
        "at": now,
    }
    entry = ChainEntry(
        seq=seq,
        at=utcnow(),
        user_id=clerk_id,
        centre_id=values["centre_id"],
        action="ticket_called",
        subject_type="ticket",
        subject_id=values["id"],
        window=window_text,
        result="ok",
        detail=detail,
    )
    digest, mac = seal(entry, prev_hash, key)
    audit = {
        "id": audit_id,
        "seq": seq,
        "at": entry.at,
        "user_id": clerk_id,
        "centre_id": entry.centre_id,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "window": window_text,
        "result": entry.result,
        "detail": detail,
        "prev_hash": prev_hash,
        "hash": digest,
        "mac": mac,
    }
    with pg.pipeline():
        pg.execute(AUDIT_SQL, {**audit, "detail": Json(detail)}, prepare=True)
        pg.execute(
            OUTBOX_SQL,
            {
                "outbox_scope": OUTBOX_SCOPE,
                "audit_sent": AUDIT_SENT,
                "id1": ids[0],
                "op1": ids[1],
                "ticket_id": values["id"],
                "ticket": Json({k: jsonable(v) for k, v in values.items()}),
                "id2": ids[2],
                "op2": ids[3],
                "call_id": call["id"],
                "call": Json({k: jsonable(call[k]) for k in _CALL_COLUMNS}),
                "id3": ids[4],
                "op3": ids[5],
                "audit_id": audit["id"],
                "audit": Json({k: jsonable(audit[k]) for k in _AUDIT_COLUMNS}),
                "at": entry.at,
            },
            prepare=True,
        )
        # The audit counter's row lock is the one place all windows queue. Released at COMMIT,
        # it would be held through the WAL flush too (one fsync after another, ~10 ms each on
        # this machine); so COMMIT does not wait for the flush and the next window goes on,
        # while a second transaction that writes a commit record of its own waits for the WAL
        # to be flushed past ours, together with the other windows' (group commit). No answer
        # reaches the window before its call is on disk. If the server crashes first, every
        # transaction that saw this one is lost with it: they come after it in the WAL.
        pg.execute("SET LOCAL synchronous_commit TO OFF")
        pg.execute("COMMIT")
        pg.execute("SELECT txid_current()")  # an implicit transaction, committed durably at Sync
    return PgCall("called", Ticket(**values), int(row["_window"]), values["centre_id"])


def _refusal(row: dict[str, Any], *, waited: bool) -> str | None:
    """Why flight 1 took no ticket (None: it took one and may go on). `busy`: some wait, but every
    one is being taken by another window (SKIP LOCKED passed over them all)."""
    if row["_counter_centre"] is None:
        return "no_counter"
    if row["_window"] is None:
        return "wrong_centre"
    if row["id"] is None:
        return "busy" if row["_any_waiting"] and not waited else "nobody"
    if row["_audit_seq"] is None or not row["_outbox_ready"] or row["_calls"] != 1:
        return "fallback"
    return None
