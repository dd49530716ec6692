# ruff: noqa
"""the district's figures: ratings and 差评整改 follow-ups as narrow indexed tables, case-state
indexes the figures read alone

hub_rating and hub_follow_up are filled at ingest from the synced `rating` and `follow_up` rows
(existing ones here); two covering indexes on hub_case_state replace the (centre, status, due)
index of h0005; the list's received-date index gains the case number.

Revision ID: h0006
Revises: h0005
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


revision: str = "h0006"
down_revision: str | None = "h0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 5000
_STATE_INDEXES = (
    ("ix_hub_case_state_status_due", ["status", "due_date", "centre_id", "department"]),
    (
        "ix_hub_case_state_received_cover",
        ["received_at", "department", "centre_id", "status", "responded_at", "decided_at"],
    ),
)


def upgrade() -> None:
    op.create_table(
        "hub_rating",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("centre_id", sa.Uuid(), nullable=False),
        sa.Column("rated_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_rating")),
    )
    op.create_table(
        "hub_follow_up",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("centre_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("opened_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_follow_up")),
    )
    _backfill()
    op.create_index("ix_hub_rating_period", "hub_rating", ["rated_at", "centre_id", "level"])
    op.create_index(
        "ix_hub_follow_up_status_due", "hub_follow_up", ["status", "due_date", "centre_id"]
    )
    op.create_index("ix_hub_follow_up_opened", "hub_follow_up", ["opened_at", "centre_id"])
    with op.batch_alter_table("hub_case_state", schema=None) as batch_op:
        batch_op.drop_index("ix_hub_case_state_centre_status_due")
        # the list's pages by received date walk this index (the case number breaks ties)
        batch_op.drop_index("ix_hub_case_state_dept_received")
        batch_op.create_index(
            "ix_hub_case_state_dept_received", ["department", "received_at", "case_number"]
        )
        for name, columns in _STATE_INDEXES:
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


def _backfill() -> None:
    """The ratings and follow-ups the hub already holds, a chunk at a time (the same rules as
    app/hub/facts.py: a rating needs a time and a level 1 to 5)."""
    conn = op.get_bind()
    record = sa.table(
        "hub_record",
        sa.column("entity", sa.String()),
        sa.column("entity_id", sa.Uuid()),
        sa.column("centre_id", sa.Uuid()),
        sa.column("data", sa.JSON()),
    )
    rating = sa.table(
        "hub_rating",
        sa.column("id", sa.Uuid()),
        sa.column("centre_id", sa.Uuid()),
        sa.column("rated_at", app.db.types.UTCDateTime()),
        sa.column("level", sa.Integer()),
    )
    follow_up = sa.table(
        "hub_follow_up",
        sa.column("id", sa.Uuid()),
        sa.column("centre_id", sa.Uuid()),
        sa.column("status", sa.String()),
        sa.column("due_date", sa.Date()),
        sa.column("opened_at", app.db.types.UTCDateTime()),
        sa.column("closed_at", app.db.types.UTCDateTime()),
    )
    ratings: list[dict[str, Any]] = []
    follow_ups: list[dict[str, Any]] = []
    rows = conn.execute(
        sa.select(record.c.entity, record.c.entity_id, record.c.centre_id, record.c.data).where(
            record.c.entity.in_(("rating", "follow_up")), record.c.centre_id.is_not(None)
        )
    )
    for entity, entity_id, centre_id, data in rows:
        d = _json(data)
        if entity == "rating":
            level, at = d.get("level"), _instant(d.get("rated_at")) if d.get("rated_at") else None
            if isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= 5 and at:
                ratings.append(
                    {"id": entity_id, "centre_id": centre_id, "rated_at": at, "level": level}
                )
        else:
            follow_ups.append(
                {
                    "id": entity_id,
                    "centre_id": centre_id,
                    "status": str(d.get("status") or "")[:20],
                    "due_date": _day(d.get("due_date")),
                    "opened_at": _instant(d.get("opened_at")) if d.get("opened_at") else None,
                    "closed_at": _instant(d.get("closed_at")) if d.get("closed_at") else None,
                }
            )
    for table, items in ((rating, ratings), (follow_up, follow_ups)):
        for start in range(0, len(items), _CHUNK):
            conn.execute(table.insert(), items[start : start + _CHUNK])


def downgrade() -> None:
    with op.batch_alter_table("hub_case_state", schema=None) as batch_op:
        for name, _columns in reversed(_STATE_INDEXES):
            batch_op.drop_index(name)
        batch_op.create_index(
            "ix_hub_case_state_centre_status_due", ["centre_id", "status", "due_date"]
        )
        batch_op.drop_index("ix_hub_case_state_dept_received")
        batch_op.create_index("ix_hub_case_state_dept_received", ["department", "received_at"])
    op.drop_index("ix_hub_follow_up_opened", table_name="hub_follow_up")
    op.drop_index("ix_hub_follow_up_status_due", table_name="hub_follow_up")
    op.drop_index("ix_hub_rating_period", table_name="hub_rating")
    op.drop_table("hub_follow_up")
    op.drop_table("hub_rating")
