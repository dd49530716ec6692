"""What the UI and CLI show when the database is damaged, unreadable, read-only or full, or its
keys are not on this desk."""

from __future__ import annotations

from app.db.health import RESTORE_HINT, DatabaseProblem, check_database, explain

__all__ = ["RESTORE_HINT", "DatabaseProblem", "check_database", "database_message"]


def database_message(exc: BaseException) -> str | None:
    """The Chinese message for a database error (what happened, what to do), or None for others."""
    problem = explain(exc)
    if problem is not None:
        return problem.message
    from app.db.protected import MissingKey
    from app.services.audit_keys import AuditKeyError
    from app.services.data_keys import DataKeyError

    if isinstance(exc, MissingKey | DataKeyError | AuditKeyError):
        return str(exc)  # level 3 without this desk's key, or a desk with another audit key
    return None
