# ruff: noqa
"""the slices of large prints a centre sent (kind print_chunk): checked as they arrive, assembled
and verified against the print's SHA-256 when the last one is in; prints' ids in the change log
indexed (a print belongs to the centre that first sent its id)

Revision ID: h0009
Revises: h0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db.types


revision: str = "h0009"
down_revision: str | None = "h0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_print_chunk",
        sa.Column("centre_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("packed_size", sa.BigInteger(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("op_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("centre_id", "sha256", "idx", name=op.f("pk_hub_print_chunk")),
    )
    prints = sa.text("entity IN ('print_blob', 'print_chunk')")
    op.create_index(
        "ix_hub_change_print",
        "hub_change",
        ["entity_id"],
        postgresql_where=prints,
        sqlite_where=prints,
    )


def downgrade() -> None:
    op.drop_index("ix_hub_change_print", table_name="hub_change")
    op.drop_table("hub_print_chunk")
