# ruff: noqa
"""hub audit of full personal-data views; case events and materials indexed by case id

Revision ID: h0003
Revises: h0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db.types


revision: str = "h0003"
down_revision: str | None = "h0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_audit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("staff_username", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_audit")),
    )
    with op.batch_alter_table("hub_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hub_audit_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_hub_audit_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hub_audit_staff_id"), ["staff_id"], unique=False)
    for name, table, column, entity in _JSON_INDEXES:
        op.create_index(
            name,
            table,
            [sa.text(_case_id(column))],
            unique=False,
            postgresql_where=sa.text(f"entity = '{entity}'"),
            sqlite_where=sa.text(f"entity = '{entity}'"),
        )


# (index, table, JSON column, entity): the case page finds a case's events and materials by the
# case id inside their JSON. The expressions are what SQLAlchemy writes for
# `column["case_id"].as_string()` in each dialect (models.py declares the same indexes).
_JSON_INDEXES = (
    ("ix_hub_change_case_event", "hub_change", "payload", "case_event"),
    ("ix_hub_record_case_material", "hub_record", "data", "case_material"),
)


def _case_id(column: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(({column} ->> 'case_id') AS VARCHAR)"
    return f"CAST(JSON_EXTRACT({column}, '$.\"case_id\"') AS VARCHAR)"


def downgrade() -> None:
    for name, table, _column, _entity in _JSON_INDEXES:
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("hub_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hub_audit_staff_id"))
        batch_op.drop_index(batch_op.f("ix_hub_audit_case_id"))
        batch_op.drop_index(batch_op.f("ix_hub_audit_at"))
    op.drop_table("hub_audit")
