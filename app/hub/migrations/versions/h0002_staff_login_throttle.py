# ruff: noqa
"""staff login throttle

Revision ID: h0002
Revises: h0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db.types


revision: str = "h0002"
down_revision: str | None = "h0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_login_throttle",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_hub_login_throttle")),
    )
    with op.batch_alter_table("hub_login_throttle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hub_login_throttle_window_start"), ["window_start"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("hub_login_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hub_login_throttle_window_start"))

    op.drop_table("hub_login_throttle")
