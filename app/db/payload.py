"""A row's columns as JSON (ids as strings, dates ISO): what the outbox carries and the hub stores."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table


def jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None  # printed PDFs stay at the centre; their metadata travels
    return value


def travels(column: Any) -> bool:
    """Whether a column goes to the hub: blind indexes (level 3) are this centre's own, under its
    own key, and never leave it."""
    return not column.info.get("centre_only")


def row_payload(row: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """An ORM row's columns (clear values: the hub gets them over TLS, see README)."""
    return {
        c.key: jsonable(getattr(row, c.key))
        for c in row.__table__.columns
        if c.key not in skip and travels(c)
    }


def values_payload(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """The columns of a row given as a dict of values (bulk inserts); absent columns are null."""
    return {c.key: jsonable(values.get(c.key)) for c in table.columns if travels(c)}
