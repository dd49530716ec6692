"""any period's figures from covering indexes: tickets (every column the figures read) and cases
(matter, status and id after centre and received time)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TICKET_FIGURE_COLUMNS = [
    "centre_id",
    "business_date",
    "status",
    "queue_group",
    "service_group",
    "counter_id",
    "clerk_id",
    "issued_at",
    "called_at",
    "serving_at",
    "finished_at",
]


def upgrade() -> None:
    op.create_index("ix_ticket_figures", "ticket", TICKET_FIGURE_COLUMNS, unique=False)
    op.drop_index("ix_case_file_period", table_name="case_file")
    op.create_index(
        "ix_case_file_period",
        "case_file",
        ["centre_id", "received_at", "matter_id", "status", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_case_file_period", table_name="case_file")
    op.create_index("ix_case_file_period", "case_file", ["centre_id", "received_at"], unique=False)
    op.drop_index("ix_ticket_figures", table_name="ticket")
