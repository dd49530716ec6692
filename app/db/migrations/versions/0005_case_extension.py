"""延期 and deadline lists: case_file.extended_days (working days granted) and a deadline index

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("extended_days", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            "ix_case_file_deadline", ["centre_id", "status", "due_date"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_file_deadline")
        batch_op.drop_column("extended_days")
