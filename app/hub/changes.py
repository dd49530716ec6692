"""The change log: positions handed out in commit order by a single-row counter, read by cursor and scope."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import (
    Table,
    Text,
    Uuid,
    bindparam,
    case,
    cast,
    func,
    insert,
    null,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from app.hub.models import HubChange, HubCounter, HubRecord
from app.sync.kinds import EVENT
from app.sync.protocol import Change

# Cursor scheme (why the pull never skips a row).
# A plain sequence or identity column hands out numbers when a row is INSERTed, but transactions
# COMMIT in any order: a reader at cursor 10 can see 12 committed while 11 is still in flight,
# move its cursor to 12 and never see 11. Here every applying transaction takes its block of
# positions with `UPDATE hub_counter SET value = value + n RETURNING value` as its LAST step
# before COMMIT. That row lock is held until the transaction ends, so the next writer gets its
# block only after this one has committed (or rolled back, releasing the numbers unused): blocks
# become visible strictly in position order and no position below a visible one can appear later.
# The price is that the tail of each writer (the counter update, inserting its change rows, the
# commit) is serialised; everything else in a batch is done before taking the counter, so the
# tail is short. A pull reads the counter value V and the rows in ONE snapshot (REPEATABLE READ on
# PostgreSQL; SQLite transactions are serialisable anyway): every position <= V is then committed
# and visible, so when fewer rows than asked come back the cursor may jump straight to V.
# Considered and not taken: PostgreSQL xid8 / pg_snapshot_xmin visibility, which does not
# serialise writers but is PostgreSQL-only (the hub's try-out mode runs on SQLite) and subtler
# to get right; 200 centres pushing at once measured fine with the counter (benchmarks/bench_sync.py).

COUNTER = "change_log"
# plain text: the ORM's UPDATE … RETURNING costs ~1 ms of Python, inside the one section every
# centre's batches pass through in turn
_TAKE_POSITIONS = text(
    "UPDATE hub_counter SET value = value + :n WHERE name = :name RETURNING value"
)


def append_changes(session: Session, rows: list[dict[str, Any]]) -> int:
    """Give `rows` the next positions and insert them; call last in the transaction. Returns the top."""
    if not rows:
        return 0
    top = int(session.execute(_TAKE_POSITIONS, {"n": len(rows), "name": COUNTER}).scalar_one())
    first = top - len(rows) + 1
    for i, row in enumerate(rows):
        row["pos"] = first + i
    if session.get_bind().dialect.name == "postgresql":
        heads: dict[tuple[Any, ...], str] = {}  # a batch's centre, device, status and time repeat

        def head(r: dict[str, Any]) -> str:
            key = (r["centre_id"], r["origin_device_id"], r["status"], r["recorded_at"])
            found = heads.get(key)
            if found is None:
                found = heads[key] = "\t".join(
                    _N
                    if v is None
                    else copy_str(v.isoformat() if isinstance(v, datetime) else str(v))
                    for v in key
                )
            return found

        copy_text(
            session,
            "hub_change",
            CHANGE_COPY_COLUMNS,
            "".join(
                f"{first + i}\t{head(r)}\t{r.get('copy_text') or change_copy_text(r)}\n"
                for i, r in enumerate(rows)
            ),
        )
    else:
        session.execute(
            insert(HubChange),
            [
                {
                    **{k: v for k, v in r.items() if k not in _NOT_COLUMNS},
                    "event_case_id": event_case(r["entity"], r["payload"]),
                }
                for r in rows
            ],
        )
    return top


# Columns in COPY order: first what is known only in the transaction, then what `change_copy_text`
# formats, which the hub's ingest does per op before it takes any lock (see ingest.prepare).
CHANGE_COPY_COLUMNS = (
    "pos",
    "centre_id",
    "origin_device_id",
    "status",
    "recorded_at",
    "entity",
    "entity_id",
    "op",
    "payload",
    "op_id",
    "device_seq",
    "event_case_id",
)
_NOT_COLUMNS = frozenset({"payload_json", "copy_text"})


def parse_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def event_case(entity: str, payload: Any) -> uuid.UUID | None:
    """The case a change row of `entity` is an event of (hub_change.event_case_id), else None."""
    if entity != EVENT.name or not isinstance(payload, dict):
        return None
    return parse_uuid(payload.get(EVENT.case_field))


def change_copy_text(row: dict[str, Any]) -> str:
    """COPY text of a change row's entity, entity_id, op, payload, op_id, device_seq and event case."""
    seq = row.get("device_seq")
    return (
        f"{copy_str(row['entity'])}\t{copy_opt(row['entity_id'])}\t{copy_str(row['op'])}\t"
        f"{copy_str(row.get('payload_json') or dumps(row['payload']))}\t{copy_opt(row.get('op_id'))}\t"
        f"{_N if seq is None else int(seq)}\t{copy_opt(event_case(row['entity'], row['payload']))}"
    )


class Probe:
    """A lookup of rows of `columns` whose `key` is one of the values given (and `where` holds),
    FOR UPDATE if `lock`; built once, called per batch with the values and the `where` clauses'
    named bind parameters.

    On PostgreSQL the values travel as ONE array parameter and each is looked up on its own
    (`unnest(values) JOIN LATERAL (… WHERE key = value OFFSET 0)`): one index probe per value
    whatever the planner believes of the table. A plain `key IN (…)` / `= ANY(…)` leaves that
    choice to statistics, which a hub filling up from empty does not have yet (autovacuum has
    not analysed it): the plans switched to scanning whole tables, a batch's lookups growing from
    a few ms to 60 ms over a 170 k-op catch-up. OFFSET 0 keeps the planner from flattening the
    lateral subquery back into an ordinary join. With `lock`, rows are locked in the order given.
    The statement is built once (building it per call cost three times its execution's CPU)."""

    def __init__(self, columns: Sequence[Any], key: Any, *where: Any, lock: bool = False) -> None:
        self.key, self.uuids = key, isinstance(key.type, Uuid)
        param: Any
        if self.uuids:  # ids as one text literal: psycopg quotes a list element by element
            param = cast(bindparam("ids", type_=NullType()), postgresql.ARRAY(key.type))
        else:
            param = bindparam("ids", type_=postgresql.ARRAY(key.type))
        given = select(func.unnest(param).label("k")).subquery("given")
        inner = select(*columns).where(key == given.c.k, *where).offset(0)
        found = (inner.with_for_update() if lock else inner).lateral("found")
        self.pg = select(*found.c).select_from(given).join(found, true())
        q = select(*columns).where(key.in_(bindparam("ids", expanding=True)), *where)
        self.other = q.with_for_update() if lock else q

    def __call__(self, session: Session, values: Sequence[Any], **params: Any) -> Sequence[Any]:
        if not values:
            return []
        if session.get_bind().dialect.name == "postgresql":
            ids: Any = "{" + ",".join(str(v) for v in values) + "}" if self.uuids else list(values)
            return session.execute(self.pg, {"ids": ids, **params}).all()
        if self.uuids:
            ids = [v if isinstance(v, uuid.UUID) else uuid.UUID(v) for v in values]
        else:
            ids = list(values)
        return session.execute(self.other, {"ids": ids, **params}).all()


def probe(
    session: Session,
    columns: Sequence[Any],
    key: Any,
    values: Sequence[Any],
    *where: Any,
    lock: bool = False,
) -> Sequence[Any]:
    """One `Probe` built and called (for lookups made once in a while; `where` with values bound)."""
    if not values:
        return []
    return Probe(columns, key, *where, lock=lock)(session, values)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_N = "\\N"  # NULL in COPY text format


def copy_str(value: str) -> str:
    """A value for COPY text format: backslash, tab, newline and carriage return escaped."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


def copy_opt(value: Any) -> str:
    """A value or NULL for COPY text format."""
    return _N if value is None else copy_str(str(value))


def copy_text(session: Session, table: str, columns: Sequence[str], data: str) -> None:
    """PostgreSQL COPY of rows already formatted as COPY text (one write instead of one per row:
    psycopg's per-value dumpers cost more than the COPY itself)."""
    conn: Any = session.connection().connection.driver_connection
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        cp.write(data)


def upsert_records(
    session: Session, centre_id: uuid.UUID | None, now: datetime, rows: list[tuple[str, str, str]]
) -> None:
    """Upsert one centre's hub_record rows, given as (entity, entity id text, data JSON text)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        upsert(
            session,
            HubRecord.__table__,  # type: ignore[arg-type]
            [
                {
                    "entity": e,
                    "entity_id": uuid.UUID(i),
                    "centre_id": centre_id,
                    "data": json.loads(d),
                    "updated_at": now,
                }
                for e, i, d in rows
            ],
            ("entity_id", "entity"),
        )
        return
    # One JSON parameter, unpacked by the server: quoting a json[] array in Python costs more.
    doc = "[" + ",".join(f'{{"e":"{e}","i":"{i}","d":{d}}}' for e, i, d in rows) + "]"
    session.execute(
        text(
            "INSERT INTO hub_record (entity, entity_id, centre_id, data, updated_at) "
            "SELECT e, i, :centre, d, :now FROM json_to_recordset(CAST(:doc AS json)) AS r(e varchar, i uuid, d json) "
            "ON CONFLICT (entity_id, entity) DO UPDATE SET centre_id = excluded.centre_id, "
            "data = excluded.data, updated_at = excluded.updated_at "
            # never another centre's or the district's record, even one created since ingest looked
            "WHERE hub_record.centre_id IS NOT DISTINCT FROM excluded.centre_id"
        ),
        {"doc": doc, "centre": centre_id, "now": now},
    )


def begin_snapshot(session: Session) -> None:
    """Start a read transaction whose statements all see one snapshot."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})


# A pull page's payloads, as stored (PostgreSQL's pg_column_size: compressed when large), at most
# about this: a large print's slices (~700 KB each) are cut into pages instead of one page of
# 2 000 of them. The first row of a page is always served, whatever its size. Payloads from
# BIG_PAYLOAD up are not read with the page's rows, only those within the budget, by position.
MAX_PULL_BYTES = 6_000_000
BIG_PAYLOAD = 8 * 1024  # a print_blob (a receipt: ~40 KB) is one; a case row is not


def _stored_size(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.pg_column_size(HubChange.payload)  # no detoasting
    return func.length(cast(HubChange.payload, Text))


def _own_page(
    session: Session, centre_id: uuid.UUID, device_id: uuid.UUID, window: Any, limit: int
) -> tuple[list[Any], bool]:
    """The centre's own rows of a page, within the row limit and the payload budget; whether the
    budget cut it short."""
    size = _stored_size(session)
    not_mine = or_(HubChange.origin_device_id.is_(None), HubChange.origin_device_id != device_id)
    rows = session.execute(
        select(
            HubChange.pos,
            HubChange.entity,
            HubChange.entity_id,
            HubChange.op,
            case((size < BIG_PAYLOAD, HubChange.payload), else_=null()),
            size,
        )
        # a refused op (ingest.REFUSED) and a print's slice held already (print_chunks.DUPLICATE)
        # are kept only to answer their resend: never served
        .where(
            HubChange.centre_id == centre_id,
            not_mine,
            HubChange.status.not_in(("refused", "duplicate")),
            *window,
        )
        .order_by(HubChange.pos)
        .limit(limit)
    ).all()
    kept: list[list[Any]] = []
    total = 0
    for r in rows:
        if kept and total + int(r[5] or 0) > MAX_PULL_BYTES:
            break
        total += int(r[5] or 0)
        kept.append(list(r[:5]))
    big = {r[0]: r for r in kept if r[4] is None}
    if big:
        for pos, payload in session.execute(
            select(HubChange.pos, HubChange.payload).where(HubChange.pos.in_(list(big)))
        ):
            big[pos][4] = payload
    return kept, len(kept) < len(rows)


def read_changes(
    session: Session, centre_id: uuid.UUID, device_id: uuid.UUID, cursor: int, limit: int
) -> tuple[list[Change], int, bool]:
    """Changes after `cursor` in this centre's scope (its own rows and the global ones), except the
    rows this device sent itself, up to `limit` rows and about MAX_PULL_BYTES of the centre's own
    payloads. Returns (changes, new cursor, more to come)."""
    top = int(
        session.execute(select(HubCounter.value).where(HubCounter.name == COUNTER)).scalar_one()
    )
    if cursor >= top:
        return [], cursor, False
    cols = (HubChange.pos, HubChange.entity, HubChange.entity_id, HubChange.op, HubChange.payload)
    window = (HubChange.pos > cursor, HubChange.pos <= top)
    own, cut = _own_page(session, centre_id, device_id, window, limit)
    shared = session.execute(
        select(*cols)
        .where(HubChange.centre_id.is_(None), *window)
        .order_by(HubChange.pos)
        .limit(limit)
    ).all()
    rows = sorted([*own, *shared], key=lambda r: r[0])[:limit]
    if cut:  # the page ends with the last own row served; shared rows after it come next time
        rows = [r for r in rows if r[0] <= own[-1][0]]
    changes = [Change(pos=r[0], entity=r[1], entity_id=r[2], op=r[3], payload=r[4]) for r in rows]
    if not cut and len(own) < limit and len(shared) < limit and len(rows) < limit:
        return changes, top, False
    return changes, changes[-1].pos, True


def upsert(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE every other given column; rows must be unique by keys.
    On PostgreSQL the rows travel as ONE JSON parameter unpacked by the server (json_to_recordset):
    an executemany binds every value of every row one by one in Python."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    cols = list(rows[0])
    if dialect.name == "postgresql":
        names = ", ".join(cols)
        types = ", ".join(f"{c} {table.c[c].type.compile(dialect)}" for c in cols)
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in keys)
        session.execute(
            text(
                f"INSERT INTO {table.name} ({names}) SELECT {names} FROM json_to_recordset(CAST(:doc AS json)) "
                f"AS r({types}) ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
            ),
            {"doc": to_json(list(rows)).decode()},
        )
        return
    ins = sqlite.insert(table)
    stmt = ins.on_conflict_do_update(
        index_elements=list(keys), set_={c: ins.excluded[c] for c in cols if c not in keys}
    )
    session.execute(stmt, list(rows))
