"""A damaged, truncated or read-only database is noticed at start and explained in Chinese; no sync."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from app.cli import main
from app.db.health import DatabaseProblem, check_database, explain
from app.services.context import ServiceContext
from app.services.setup import initialise


def _make_db(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "centre.db"
    url = f"sqlite:///{path.as_posix()}"
    ctx = ServiceContext.for_url(url)
    initialise(ctx)
    ctx.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path, url


def _assert_explained(capsys: pytest.CaptureFixture[str], rc: int) -> str:
    out = capsys.readouterr()
    text = out.out + out.err
    assert rc == 3, text
    assert "onewindow restore" in text or "只读" in text, text
    for raw in ("Traceback", "sqlite3.", "SELECT", "PRAGMA", "OperationalError"):
        assert raw not in text, text
    return text


def test_new_database_file_is_owner_only(tmp_path: Path) -> None:
    path, _url = _make_db(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for extra in tmp_path.glob("centre.db-*"):  # WAL and shared memory take the file's mode
        assert stat.S_IMODE(extra.stat().st_mode) == 0o600


def test_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path, url = _make_db(tmp_path)
    os.chmod(path, 0o644)
    ServiceContext.for_url(url).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_corrupted_pages_are_found_and_not_synced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, url = _make_db(tmp_path)
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 3, min(len(data), page * 12), 7):
        data[offset] = (data[offset] * 31 + 17) % 256  # scribble over index and table pages
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseProblem) as caught:
        check_database(ServiceContext.for_url(url).engine)
    assert caught.value.kind == "corrupt"
    _assert_explained(capsys, main(["--db", url, "init-db"]))
    text = _assert_explained(capsys, main(["--db", url, "sync", "--once"]))
    assert "不会向区级平台同步" in text


def test_truncated_file_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, url = _make_db(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(DatabaseProblem) as caught:
        check_database(ServiceContext.for_url(url).engine)
    assert caught.value.kind == "corrupt"
    _assert_explained(capsys, main(["--db", url, "init-db"]))


def test_garbage_file_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "centre.db"
    path.write_bytes(os.urandom(8192))
    url = f"sqlite:///{path.as_posix()}"
    _assert_explained(capsys, main(["--db", url, "init-db"]))


def _make_read_only(path: Path) -> Callable[[], object]:
    """Root writes a 0400 file anyway: for root the file is made immutable instead."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)
    os.chmod(path, 0o400)
    return lambda: os.chmod(path, 0o600)


def test_read_only_file_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, url = _make_db(tmp_path)
    undo = _make_read_only(path)
    try:
        with pytest.raises(DatabaseProblem) as caught:
            check_database(ServiceContext.for_url(url).engine)
        assert caught.value.kind == "read_only"
        text = _assert_explained(capsys, main(["--db", url, "init-db"]))
        assert "只读" in text
    finally:
        undo()


@pytest.mark.parametrize(
    ("detail", "kind"),
    [
        ("database or disk is full", "full"),
        ("attempt to write a readonly database", "read_only"),
        ("database disk image is malformed", "corrupt"),
        ("unable to open database file", "unreadable"),
    ],
)
def test_sqlite_errors_are_told_in_chinese(detail: str, kind: str) -> None:
    exc = OperationalError(
        "INSERT INTO resident (id_number) VALUES (?)", {}, sqlite3.OperationalError(detail)
    )
    problem = explain(exc)
    assert problem is not None and problem.kind == kind
    assert "INSERT" not in problem.message and detail not in problem.message
