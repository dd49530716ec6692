"""What the UI and CLI show when the database is damaged, unreadable, read-only or full."""

from __future__ import annotations

from app.db.health import RESTORE_HINT, DatabaseProblem, check_database, explain

__all__ = ["RESTORE_HINT", "DatabaseProblem", "check_database", "database_message"]


def database_message(exc: BaseException) -> str | None:
    """The Chinese message for a database error (what happened, what to do), or None for others."""
    problem = explain(exc)
    return problem.message if problem is not None else None
