# ruff: noqa
"""each centre's audit-chain key, so the hub checks its records' MACs too

Revision ID: h0010
Revises: h0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db.types


revision: str = "h0010"
down_revision: str | None = "h0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_audit_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("centre_id", sa.Uuid(), nullable=False),
        sa.Column("from_seq", sa.BigInteger(), nullable=False),
        sa.Column("key_hex", sa.String(length=64), nullable=False),
        sa.Column("key_check", sa.String(length=64), nullable=False),
        sa.Column("registered_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("retired_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["hub_centre.id"], name=op.f("fk_hub_audit_key_centre_id_hub_centre")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_audit_key")),
        sa.UniqueConstraint(
            "centre_id", "from_seq", name=op.f("uq_hub_audit_key_centre_id_from_seq")
        ),
    )
    with op.batch_alter_table("hub_audit_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hub_audit_key_centre_id"), ["centre_id"], unique=False)


def downgrade() -> None:
    op.drop_table("hub_audit_key")
