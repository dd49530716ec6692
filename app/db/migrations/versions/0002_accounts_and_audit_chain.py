"""accounts: sign-in protection fields; audit records: window, result and the hash chain

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("locked_until", app.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "password_changed_at", app.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    # The one administrator role of old databases is the system administrator of 等保.
    op.execute("UPDATE app_user SET role = 'system_admin' WHERE role = 'admin'")
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("window", sa.String(length=20), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("result", sa.String(length=20), server_default="ok", nullable=False)
        )
        batch_op.add_column(
            sa.Column("prev_hash", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("hash", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("mac", sa.String(length=64), server_default="", nullable=False))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_record_seq"), ["seq"])


def downgrade() -> None:
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_record_seq"), type_="unique")
        for name in ("mac", "hash", "prev_hash", "result", "window", "seq"):
            batch_op.drop_column(name)
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        for name in ("must_change_password", "password_changed_at", "locked_until", "failed_logins"):
            batch_op.drop_column(name)
