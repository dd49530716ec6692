"""live hall: centre.long_wait_minutes, the wait after which a waiting ticket is flagged at risk

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("centre", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("long_wait_minutes", sa.Integer(), server_default="20", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("centre", schema=None) as batch_op:
        batch_op.drop_column("long_wait_minutes")
