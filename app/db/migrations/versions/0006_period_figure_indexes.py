"""indexes for any period's figures: ratings and cases of a centre by time, decisions by type and time

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_rating_period", "rating", ["centre_id", "rated_at"], unique=False)
    op.create_index("ix_case_file_period", "case_file", ["centre_id", "received_at"], unique=False)
    op.create_index("ix_case_event_type_at", "case_event", ["event_type", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_event_type_at", table_name="case_event")
    op.drop_index("ix_case_file_period", table_name="case_file")
    op.drop_index("ix_rating_period", table_name="rating")
