# ruff: noqa
"""case states carry what the department's list filters, sorts and searches on

Due date (as extended), received time, applicant (resident id and name), 延期 days, the latest 督办
and the department's first response and decision become indexed columns of hub_case_state, filled
at ingest. Existing rows are filled here from the case records, residents and case events.

Revision ID: h0005
Revises: h0004
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
import app.db.types


revision: str = "h0005"
down_revision: str | None = "h0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_hub_case_state_dept_status_due", ["department", "status", "due_date"]),
    ("ix_hub_case_state_dept_due", ["department", "due_date"]),
    ("ix_hub_case_state_dept_received", ["department", "received_at"]),
    ("ix_hub_case_state_dept_supervised", ["department", "supervised_at"]),
    ("ix_hub_case_state_centre_status_due", ["centre_id", "status", "due_date"]),
    ("ix_hub_case_state_resident_id", ["resident_id"]),
)
_DECISIONS = ("APPROVE", "APPROVE_DEFERRED", "DENY")
_CHUNK = 2000


def upgrade() -> None:
    with op.batch_alter_table("hub_case_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resident_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("applicant_name", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("received_at", app.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("extended_days", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("supervised_at", app.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("supervision_note", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("responded_at", app.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("decided_at", app.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    _backfill()
    with op.batch_alter_table("hub_case_state", schema=None) as batch_op:
        for name, columns in _INDEXES:
            batch_op.create_index(name, columns, unique=False)


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _instant(value: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


_STATE = sa.table(
    "hub_case_state",
    sa.column("case_id", sa.Uuid()),
    sa.column("resident_id", sa.Uuid()),
    sa.column("applicant_name", sa.String()),
    sa.column("received_at", app.db.types.UTCDateTime()),
    sa.column("due_date", sa.Date()),
    sa.column("extended_days", sa.Integer()),
    sa.column("supervised_at", app.db.types.UTCDateTime()),
    sa.column("supervision_note", sa.String()),
    sa.column("responded_at", app.db.types.UTCDateTime()),
    sa.column("decided_at", app.db.types.UTCDateTime()),
)
_RECORD = sa.table(
    "hub_record",
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.Uuid()),
    sa.column("data", sa.JSON()),
)
_CHANGE = sa.table(
    "hub_change",
    sa.column("pos", sa.BigInteger()),
    sa.column("entity", sa.String()),
    sa.column("status", sa.String()),
    sa.column("payload", sa.JSON()),
)


def _backfill() -> None:
    """Fills the new columns of existing case states, a chunk of cases at a time (only the rows of
    cases the hub holds a case state for are touched)."""
    conn = op.get_bind()
    values: dict[uuid.UUID, dict[str, Any]] = {}
    ids = set(conn.execute(sa.select(_STATE.c.case_id)).scalars())
    if not ids:
        return
    people: dict[uuid.UUID, uuid.UUID] = {}
    for case_id, data in conn.execute(
        sa.select(_RECORD.c.entity_id, _RECORD.c.data).where(_RECORD.c.entity == "case_file")
    ):
        if case_id not in ids:
            continue
        d = _json(data)
        rid = _uuid(d.get("resident_id"))
        values[case_id] = {
            "resident_id": rid,
            "received_at": _instant(d.get("received_at")) if d.get("received_at") else None,
            "due_date": _day(d.get("due_date")),
            "extended_days": int(d.get("extended_days") or 0)
            if str(d.get("extended_days") or 0).isdigit()
            else 0,
        }
        if rid is not None:
            people[rid] = case_id
    names: dict[uuid.UUID, str] = {}
    for rid, data in conn.execute(
        sa.select(_RECORD.c.entity_id, _RECORD.c.data).where(_RECORD.c.entity == "resident")
    ):
        if rid in people:
            names[rid] = str(_json(data).get("name") or "")[:100]
    for v in values.values():
        v["applicant_name"] = names.get(v["resident_id"], "") if v["resident_id"] else ""
    for (payload,) in conn.execute(
        sa.select(_CHANGE.c.payload)
        .where(_CHANGE.c.entity == "case_event", _CHANGE.c.status == "applied")
        .order_by(_CHANGE.c.pos)
    ):
        p = _json(payload)
        case_id = _uuid(p.get("case_id"))
        if case_id is None or case_id not in ids:
            continue
        v = values.setdefault(case_id, {})
        kind, at = str(p.get("event_type") or "").upper(), _instant(p.get("at"))
        if kind == "SUPERVISE":
            v["supervised_at"] = at
            note = str(p.get("note") or "")
            v["supervision_note"] = (note[3:] if note.startswith("督办：") else note)[:500]
        elif kind == "EXTEND":
            raw = p.get("detail")
            new_due = _day(raw.get("new_due")) if isinstance(raw, dict) else None
            if new_due is not None:
                v["due_date"] = new_due
        if kind == "DEPARTMENT_ACCEPT" or kind in _DECISIONS:
            v.setdefault("responded_at", at)
        if kind in _DECISIONS:
            v.setdefault("decided_at", at)
    rows = [{"b_case_id": k, **v} for k, v in values.items() if v]
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        for keys in {tuple(sorted(r)) for r in chunk}:
            same = [r for r in chunk if tuple(sorted(r)) == keys]
            conn.execute(
                _STATE.update()
                .where(_STATE.c.case_id == sa.bindparam("b_case_id"))
                .values({k: sa.bindparam(k) for k in keys if k != "b_case_id"}),
                same,
            )


def downgrade() -> None:
    with op.batch_alter_table("hub_case_state", schema=None) as batch_op:
        for name, _columns in reversed(_INDEXES):
            batch_op.drop_index(name)
        for column in (
            "decided_at",
            "responded_at",
            "supervision_note",
            "supervised_at",
            "extended_days",
            "due_date",
            "received_at",
            "applicant_name",
            "resident_id",
        ):
            batch_op.drop_column(column)
