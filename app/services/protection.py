"""等保 level 3 for a database: which level it is at, its cipher on the engine, and the one-transaction
migration of a level-2 database (every personal field encrypted, blind indexes filled)."""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import Engine, Table, bindparam, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.db.models import (
    Agent,
    Case,
    OutboxOp,
    PrintedDocument,
    Protection,
    PulledChunk,
    Resident,
)
from app.db.protected import MissingKey, install
from app.db.types import new_id, utcnow
from app.domain.field_crypto import DataKey, FieldCipher
from app.services.data_keys import (
    DataKeyError,
    forget_data_key,
    load_data_key,
    store_data_key,
)
from app.services.dto import Level3Report

log = logging.getLogger(__name__)

LEVEL, KEY_ID, KEY_CHECK = "level", "data_key_id", "data_key_check"


def database_state(engine: Engine) -> dict[str, str]:
    """The protection rows; empty for a level-2 database (or one not migrated yet)."""
    try:
        with engine.connect() as conn:
            return {
                r.name: r.value for r in conn.execute(select(Protection.name, Protection.value))
            }
    except SQLAlchemyError:
        return {}


def install_protection(engine: Engine) -> int:
    """Give the engine its cipher when the database is at level 3 (or the reason it has none:
    this desk lacks the key, or holds another one). Returns the database's level."""
    state = database_state(engine)
    if state.get(LEVEL) != "3":
        install(engine, None)
        return 2
    try:
        key = load_data_key(state.get(KEY_ID, ""))
    except DataKeyError as exc:
        install(engine, MissingKey(str(exc)))
        return 3
    if key is None:
        install(engine, MissingKey())
        return 3
    cipher = FieldCipher(key)
    if not cipher.same_key(state.get(KEY_CHECK, "")):
        install(engine, MissingKey("本机的密钥与数据库记录的不一致"))
        return 3
    install(engine, cipher)
    return 3


# (table, protected columns) rewritten by the migration; blind indexes are added for people.
_TABLES: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (Resident, ("id_number", "phone", "address")),
    (Agent, ("id_number", "phone")),
    (Case, ("form_data",)),
    (OutboxOp, ("payload",)),
    (PrintedDocument, ("content",)),
    (PulledChunk, ("data",)),
)
_BIDX = {"id_number_bidx": ("id", "id_number"), "phone_bidx": ("phone", "phone")}
_CHUNK = 2_000


def _rewrite(conn: Any, model: Any, columns: tuple[str, ...], cipher: FieldCipher) -> int:
    """Read the clear values and write them back through the protected types (encrypted now that
    the engine has its cipher), with the blind indexes of people; in the caller's transaction."""
    table: Table = model.__table__
    bidx = [name for name in _BIDX if name in table.c]
    params = {f"v_{c}": bindparam(f"v_{c}", type_=table.c[c].type) for c in (*columns, *bidx)}
    stmt = (
        update(table)
        .where(table.c.id == bindparam("v_id"))
        .values({c: params[f"v_{c}"] for c in (*columns, *bidx)})
    )
    rows = conn.execute(select(table.c.id, *(table.c[c] for c in columns))).all()
    batch: list[dict[str, Any]] = []
    for row in rows:
        values: dict[str, Any] = {"v_id": row.id}
        values.update({f"v_{c}": getattr(row, c) for c in columns})
        for name in bidx:
            kind, source = _BIDX[name]
            values[f"v_{name}"] = cipher.blind_index(kind, getattr(row, source) or "")
        batch.append(values)
        if len(batch) >= _CHUNK:
            conn.execute(stmt, batch)
            batch = []
    if batch:
        conn.execute(stmt, batch)
    return len(rows)


def enable_level3(engine: Engine) -> Level3Report:
    """Move a level-2 database to level 3 in one transaction: a new key in this desk's keyring,
    every personal field of every row encrypted, the blind indexes filled, the level recorded. On
    any error nothing is changed (and the new key is dropped). A database already at level 3 is
    left as it is."""
    started = time.perf_counter()
    state = database_state(engine)
    if state.get(LEVEL) == "3":
        install_protection(engine)
        return Level3Report(True, {}, 0.0, state.get(KEY_ID, ""))
    key = DataKey.generate()
    store_data_key(key)  # before the commit: a committed level 3 always has its key here
    cipher = FieldCipher(key)
    counts: dict[str, int] = {}
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE came with the connection
            install(engine, cipher)
            for model, columns in _TABLES:
                counts[model.__tablename__] = _rewrite(conn, model, columns, cipher)
            now = utcnow()
            conn.execute(
                insert(Protection),
                [
                    {"id": new_id(), "name": name, "value": value, "changed_at": now}
                    for name, value in ((LEVEL, "3"), (KEY_ID, key.key_id), (KEY_CHECK, key.check))
                ],
            )
    except BaseException:
        install(engine, None)
        forget_data_key(key.key_id)
        raise
    log.info("level 3 enabled: %s", counts)
    _purge_old_versions(engine)
    return Level3Report(False, counts, time.perf_counter() - started, key.key_id)


def _purge_old_versions(engine: Engine) -> None:
    """The clear values the migration replaced may linger in freed pages (SQLite) or dead row
    versions (PostgreSQL) until space is reused: rewrite the files now. Best effort: on PostgreSQL
    VACUUM FULL needs the tables' owner (README: run it as the owner if the app's role cannot)."""
    names = [model.__tablename__ for model, _columns in _TABLES]
    raw = engine.raw_connection()  # outside SQLAlchemy's BEGIN: VACUUM runs in no transaction
    try:
        driver: Any = raw.driver_connection
        if engine.dialect.name == "sqlite":
            driver.execute("VACUUM")
            driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            driver.autocommit = True
            try:
                driver.execute(f"VACUUM FULL {', '.join(names)}")
            finally:
                driver.autocommit = False  # the pooled connection goes back as it came
    except Exception as exc:  # the driver's own errors: best effort, said in the log
        log.warning("old row versions not purged after level 3 (run VACUUM FULL as owner): %s", exc)
    finally:
        raw.close()
