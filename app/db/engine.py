"""Engine and session setup for SQLite (WAL, foreign keys) and PostgreSQL, and schema upgrades on start."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3 for them."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn: Any) -> None:
    """Writers take the write lock at BEGIN (IMMEDIATE), so two writers never deadlock on a lock
    upgrade; read-only work asks for execution_options(sqlite_begin="DEFERRED")."""
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite files get WAL and foreign keys, and their folder is created."""
    url = normalise_url(url)
    u = make_url(url)
    # a statement's parameters are personal data (ID numbers, names, phones): never in an error's
    # text, which reaches logs
    kwargs.setdefault("hide_parameters", True)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
            from app.db.health import create_private_file

            create_private_file(Path(u.database).expanduser())  # personal data: owner only
        kwargs.setdefault("connect_args", {"timeout": 10, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # No JIT: every statement here is short. On a table the planner believes large (or has no
    # statistics for yet, as a hub filling up from empty) estimated costs pass jit_above_cost and
    # PostgreSQL spends ~80 ms compiling a query that runs in 1 ms: a 170 k-op catch-up went from
    # a few ms a batch to 60 ms in id lookups alone.
    kwargs.setdefault("connect_args", {"options": "-c jit=off"})
    return create_engine(url, **kwargs)


def alembic_config(engine: Engine, migrations: Path = MIGRATIONS) -> Config:
    """Alembic's config for running a migrations folder (the centre's by default) on `engine`."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    cfg.attributes["engine"] = engine
    return cfg


_REVISION = re.compile(r"""^revision(?:: str)? = ["']([^"']+)["']""", re.M)
_DOWN = re.compile(r"""^down_revision(?:: [^=]+)? = ["']([^"']+)["']""", re.M)


@cache
def head_revision(migrations: Path = MIGRATIONS) -> str:
    """The newest revision of a migrations folder, read from the files' `revision` and
    `down_revision` lines (without importing Alembic; tests/db checks it is Alembic's head)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (migrations / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if found := _REVISION.search(source):
            revisions.add(found.group(1))
        parents.update(_DOWN.findall(source))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations in {migrations} have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (one query), None when it has none yet."""
    try:
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:  # no alembic_version table: an empty database
        return None


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision. The app calls this on every start, so a database
    already there costs one query; Alembic is imported and run only when the revision differs."""
    if current_revision(engine) == head_revision():
        return
    from alembic import command

    log.info("upgrading the database schema to %s", head_revision())
    command.upgrade(alembic_config(engine), "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def connect(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
