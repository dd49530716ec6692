# ruff: noqa
"""daily counts for the district's figures: ratings per centre, day and level, routed cases per day,
department and centre (with responded and decided)

Kept at ingest and on department events by adding each row's change (app/hub/facts.py); filled here
from hub_rating and hub_case_state. They replace the period indexes of h0006, which a year's figures
had to walk row by row.

Revision ID: h0007
Revises: h0006
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
import app.db.types


revision: str = "h0007"
down_revision: str | None = "h0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ZONE = ZoneInfo("Asia/Shanghai")  # the district's business days (app/hub/workdays.py)
_CHUNK = 5000


def upgrade() -> None:
    op.create_table(
        "hub_rating_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("centre_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "centre_id", "level", name=op.f("pk_hub_rating_day")),
    )
    op.create_table(
        "hub_routed_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("centre_id", sa.Uuid(), nullable=False),
        sa.Column("routed", sa.Integer(), nullable=False),
        sa.Column("responded", sa.Integer(), nullable=False),
        sa.Column("decided", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "department", "centre_id", name=op.f("pk_hub_routed_day")),
    )
    _backfill()
    op.drop_index("ix_hub_rating_period", table_name="hub_rating")
    with op.batch_alter_table("hub_case_state", schema=None) as batch_op:
        batch_op.drop_index("ix_hub_case_state_received_cover")


def _day(at: datetime) -> date:
    return at.astimezone(ZONE).date()


def _backfill() -> None:
    conn = op.get_bind()
    rating = sa.table(
        "hub_rating",
        sa.column("centre_id", sa.Uuid()),
        sa.column("rated_at", app.db.types.UTCDateTime()),
        sa.column("level", sa.Integer()),
    )
    state = sa.table(
        "hub_case_state",
        sa.column("centre_id", sa.Uuid()),
        sa.column("department", sa.String()),
        sa.column("status", sa.String()),
        sa.column("received_at", app.db.types.UTCDateTime()),
        sa.column("responded_at", app.db.types.UTCDateTime()),
        sa.column("decided_at", app.db.types.UTCDateTime()),
    )
    ratings: dict[tuple[Any, ...], int] = {}
    for centre, at, level in conn.execute(
        sa.select(rating.c.centre_id, rating.c.rated_at, rating.c.level)
    ):
        key = (_day(at), centre, level)
        ratings[key] = ratings.get(key, 0) + 1
    routed: dict[tuple[Any, ...], list[int]] = {}
    for centre, dept, status, received, responded, decided in conn.execute(
        sa.select(
            state.c.centre_id,
            state.c.department,
            state.c.status,
            state.c.received_at,
            state.c.responded_at,
            state.c.decided_at,
        ).where(state.c.received_at.is_not(None), state.c.department != "")
    ):
        if status == "WITHDRAWN" and responded is None:
            continue
        s = routed.setdefault((_day(received), dept, centre), [0, 0, 0])
        s[0] += 1
        s[1] += responded is not None
        s[2] += decided is not None
    rating_rows = [
        {"day": d, "centre_id": c, "level": lv, "n": n} for (d, c, lv), n in ratings.items()
    ]
    routed_rows = [
        {"day": d, "department": dept, "centre_id": c, "routed": a, "responded": b, "decided": x}
        for (d, dept, c), (a, b, x) in routed.items()
    ]
    rating_day = sa.table(
        "hub_rating_day",
        sa.column("day", sa.Date()),
        sa.column("centre_id", sa.Uuid()),
        sa.column("level", sa.Integer()),
        sa.column("n", sa.Integer()),
    )
    routed_day = sa.table(
        "hub_routed_day",
        sa.column("day", sa.Date()),
        sa.column("department", sa.String()),
        sa.column("centre_id", sa.Uuid()),
        sa.column("routed", sa.Integer()),
        sa.column("responded", sa.Integer()),
        sa.column("decided", sa.Integer()),
    )
    for table, rows in ((rating_day, rating_rows), (routed_day, routed_rows)):
        for start in range(0, len(rows), _CHUNK):
            conn.execute(table.insert(), rows[start : start + _CHUNK])


def downgrade() -> None:
    with op.batch_alter_table("hub_case_state", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hub_case_state_received_cover",
            ["received_at", "department", "centre_id", "status", "responded_at", "decided_at"],
        )
    op.create_index("ix_hub_rating_period", "hub_rating", ["rated_at", "centre_id", "level"])
    op.drop_table("hub_routed_day")
    op.drop_table("hub_rating_day")
