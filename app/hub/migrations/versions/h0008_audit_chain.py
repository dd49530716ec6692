# ruff: noqa
"""each centre's audit chain as the hub verified it (last number and hash, records, breaks)

Revision ID: h0008
Revises: h0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db.types


revision: str = "h0008"
down_revision: str | None = "h0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_audit_chain",
        sa.Column("centre_id", sa.Uuid(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("breaks", sa.Integer(), nullable=False),
        sa.Column("updated_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("centre_id", name=op.f("pk_hub_audit_chain")),
    )


def downgrade() -> None:
    op.drop_table("hub_audit_chain")
