"""level 3 (等保三级): the protection table, blind indexes, unbounded personal text, TOTP columns

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SM4-GCM ciphertext in base64 is longer than the clear value: these become VARCHAR without a
# length. SQLite never enforced the lengths, so only PostgreSQL is altered (no table rewrite).
_WIDENED = (
    ("resident", "id_number", 20),
    ("resident", "phone", 30),
    ("resident", "address", 200),
    ("agent", "id_number", 20),
    ("agent", "phone", 30),
)


def upgrade() -> None:
    op.create_table(
        "protection",
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection")),
        sa.UniqueConstraint("name", name=op.f("uq_protection_name")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, column, length in _WIDENED:
        if postgres:
            op.alter_column(
                table, column, type_=sa.String(), existing_type=sa.String(length=length)
            )
    with op.batch_alter_table("resident") as batch:
        batch.add_column(sa.Column("id_number_bidx", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("phone_bidx", sa.String(length=64), nullable=True))
    op.create_index(
        op.f("ix_resident_id_number_bidx"), "resident", ["id_number_bidx"], unique=True
    )
    op.create_index(op.f("ix_resident_phone_bidx"), "resident", ["phone_bidx"], unique=False)
    with op.batch_alter_table("agent") as batch:
        batch.add_column(sa.Column("id_number_bidx", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_agent_id_number_bidx"), "agent", ["id_number_bidx"], unique=True)
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(), nullable=True))
        batch.add_column(sa.Column("totp_enrolled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enrolled_at")
        batch.drop_column("totp_secret")
    op.drop_index(op.f("ix_agent_id_number_bidx"), table_name="agent")
    op.drop_index(op.f("ix_resident_phone_bidx"), table_name="resident")
    op.drop_index(op.f("ix_resident_id_number_bidx"), table_name="resident")
    with op.batch_alter_table("agent") as batch:
        batch.drop_column("id_number_bidx")
    with op.batch_alter_table("resident") as batch:
        batch.drop_column("phone_bidx")
        batch.drop_column("id_number_bidx")
    op.drop_table("protection")
