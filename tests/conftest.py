"""Shared test setup: offscreen Qt, an in-memory keyring, and SQLite/PostgreSQL database fixtures."""

from __future__ import annotations

import logging
import os
import tempfile
import uuid as _uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# Before any test imports PySide6:
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")
# Logs and default databases of CLI tests go to a scratch folder, never the user's own.
os.environ.setdefault("ONEWINDOW_DATA_DIR", tempfile.mkdtemp(prefix="onewindow-test-"))


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps secrets in a dict: tests never touch the OS credential store."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture(autouse=True)
def restore_root_logging() -> Iterator[None]:
    """A test that sets up logging (the app's handlers) gets the root logger back as it was, so a
    handler bound to an earlier test's captured stderr never writes to a closed stream later."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


# --- databases -------------------------------------------------------------------------------


PG_URL = os.environ.get("ONEWINDOW_TEST_PG_URL")


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end.
    Skips only where ONEWINDOW_TEST_PG_URL is unset (CI always sets it)."""
    if not PG_URL:
        pytest.skip("ONEWINDOW_TEST_PG_URL is not set")
    base = make_url(PG_URL).set(drivername="postgresql+psycopg")
    name = f"ow_test_{_uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """The session's PostgreSQL database, emptied before each test."""
    engine = create_engine(pg_server_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield pg_server_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'centre.db').as_posix()}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs a test once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'centre.db').as_posix()}"
    return str(request.getfixturevalue("pg_url"))
