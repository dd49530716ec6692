"""pulled_print_chunk: another device's large print's slices kept until the print is whole

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pulled_print_chunk",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("slice_index", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.String(length=36), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("packed_size", sa.Integer(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("slice_count", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulled_print_chunk")),
        sa.UniqueConstraint(
            "sha256", "slice_index", name=op.f("uq_pulled_print_chunk_sha256_slice_index")
        ),
    )


def downgrade() -> None:
    op.drop_table("pulled_print_chunk")
