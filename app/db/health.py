"""Damage noticed at start: a quick integrity check, and database errors told in Chinese with what to do."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

RESTORE_HINT = (
    "请不要继续使用这台电脑办理业务（本机不会向区级平台同步），并联系区信息中心："
    "可用备份替换数据库文件，或在新的空数据库上运行 onewindow restore 从区级平台恢复。"
)


class DatabaseProblem(Exception):
    """The database cannot be used safely; `message` says in Chinese what happened and what to do."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # corrupt / unreadable / read_only / full / unreachable / error
        self.message = message


def _sqlite_path(engine: Engine) -> Path | None:
    url = make_url(str(engine.url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser()


def explain(exc: BaseException) -> DatabaseProblem | None:
    """A Chinese explanation of a database error, or None when `exc` is not a database error."""
    if isinstance(exc, DatabaseProblem):
        return exc
    if not isinstance(exc, (SQLAlchemyError, sqlite3.Error)):
        return None
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    detail = str(original).lower()
    if "malformed" in detail or "not a database" in detail or "corrupt" in detail:
        return DatabaseProblem("corrupt", "数据库文件已损坏。" + RESTORE_HINT)
    if "disk is full" in detail or "no space left" in detail or "disk full" in detail:
        return DatabaseProblem(
            "full",
            "磁盘已满，数据库无法写入，刚才的操作没有保存。请清理磁盘空间（或联系区信息中心）后重新启动一窗通。",
        )
    if "readonly" in detail or "read-only" in detail or "read only" in detail:
        return DatabaseProblem(
            "read_only",
            "数据库文件是只读的，无法保存业务。请联系区信息中心检查数据库文件的权限"
            "（或磁盘是否被设为只读）后重新启动一窗通。",
        )
    if "unable to open" in detail or "permission denied" in detail or "disk i/o" in detail:
        return DatabaseProblem(
            "unreadable",
            "无法读取数据库文件（文件不存在、无权访问或磁盘故障）。" + RESTORE_HINT,
        )
    if "connection" in detail or "could not connect" in detail or "timeout" in detail:
        return DatabaseProblem(
            "unreachable",
            "无法连接中心数据库服务器。请检查网络和数据库服务器是否开机，然后重新启动一窗通。",
        )
    return DatabaseProblem(
        "error",
        "数据库出错，刚才的操作没有保存。请重新启动一窗通；如果反复出现，请联系区信息中心。",
    )


def check_database(engine: Engine) -> None:
    """Raise DatabaseProblem when the database is damaged, unreadable or (SQLite) read-only.
    SQLite gets PRAGMA quick_check (a few hundred ms on a year of data); PostgreSQL a round trip."""
    path = _sqlite_path(engine)
    if path is not None and path.exists():
        if not os.access(path, os.R_OK):
            raise DatabaseProblem("unreadable", "无权读取数据库文件。" + RESTORE_HINT)
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            raise DatabaseProblem(
                "read_only",
                "数据库文件是只读的，无法保存业务。请联系区信息中心检查数据库文件的权限"
                "（或磁盘是否被设为只读）后重新启动一窗通。",
            )
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = [r[0] for r in conn.execute(text("PRAGMA quick_check"))]
                if rows != ["ok"]:
                    raise DatabaseProblem("corrupt", "数据库文件已损坏。" + RESTORE_HINT)
                # A write that is rolled back: SQLite opens a file it cannot write read-only
                # without a word and fails only at the first write (an immutable file, a
                # read-only mount, a file root made read-only).
                version = int(conn.execute(text("PRAGMA user_version")).scalar() or 0)
                conn.execute(text(f"PRAGMA user_version = {version}"))
                conn.rollback()
            else:
                conn.execute(text("SELECT 1"))
    except DatabaseProblem:
        raise
    except (SQLAlchemyError, sqlite3.Error) as exc:
        problem = explain(exc)
        assert problem is not None
        raise problem from exc


def create_private_file(path: Path) -> None:
    """Create an empty database file readable by its owner only (0600), or tighten an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    except OSError:
        pass  # not the owner: the check at start says what to do if it cannot be used
