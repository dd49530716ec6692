"""差评整改: follow-ups get an assignee, a working-day deadline, the call back and the rectification;
centres get their follow-up deadline setting

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_USERS = ("assigned_to", "call_back_by", "rectified_by")


def upgrade() -> None:
    with op.batch_alter_table("centre", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("follow_up_working_days", sa.Integer(), server_default="10", nullable=False)
        )
    # Follow-ups opened before this version keep no deadline (due_date NULL): never flagged overdue.
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_to", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("call_back_at", app.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("call_back_by", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("call_back_note", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("resident_satisfied", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column("rectification", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("rectified_at", app.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("rectified_by", sa.Uuid(), nullable=True))
        for column in _USERS:
            batch_op.create_foreign_key(
                batch_op.f(f"fk_follow_up_{column}_app_user"), "app_user", [column], ["id"]
            )
        batch_op.create_index(
            "ix_follow_up_open", ["centre_id", "status", "due_date"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_up_open")
        for column in _USERS:
            batch_op.drop_constraint(batch_op.f(f"fk_follow_up_{column}_app_user"), type_="foreignkey")
        for name in (
            "rectified_by",
            "rectified_at",
            "rectification",
            "resident_satisfied",
            "call_back_note",
            "call_back_by",
            "call_back_at",
            "due_date",
            "assigned_to",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("centre", schema=None) as batch_op:
        batch_op.drop_column("follow_up_working_days")
