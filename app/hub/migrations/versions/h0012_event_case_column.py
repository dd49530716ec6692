# ruff: noqa
"""a case event's case as a column of the change log, filled at ingest, instead of an index on
its payload's JSON (which PostgreSQL parsed for every event at the COPY)

Revision ID: h0012
Revises: h0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "h0012"
down_revision: str | None = "h0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENTS = "entity = 'case_event'"
# a case id as the centres send it (str(uuid)); anything else stays NULL, as ingest leaves it
_PG_UUID = "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"


def upgrade() -> None:
    # first: SQLite cannot reflect an expression index, so a batch operation that rebuilt the table
    # would lose it without a trace
    op.execute("DROP INDEX IF EXISTS ix_hub_change_case_event")
    with op.batch_alter_table("hub_change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_case_id", sa.Uuid(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE hub_change SET event_case_id = CAST(payload ->> 'case_id' AS UUID) "
            f"WHERE {_EVENTS} AND (payload ->> 'case_id') ~ '{_PG_UUID}'"
        )
    else:  # SQLAlchemy's Uuid on SQLite: 32 lower-case hex digits
        hexed = "lower(replace(json_extract(payload, '$.case_id'), '-', ''))"
        op.execute(
            f"UPDATE hub_change SET event_case_id = {hexed} WHERE {_EVENTS} "
            f"AND json_type(payload, '$.case_id') = 'text' AND length({hexed}) = 32 "
            f"AND {hexed} NOT GLOB '*[^0-9a-f]*'"
        )
    op.create_index(
        "ix_hub_change_event_case",
        "hub_change",
        ["event_case_id"],
        unique=False,
        postgresql_where=sa.text(_EVENTS),
        sqlite_where=sa.text(_EVENTS),
    )


def downgrade() -> None:
    op.drop_index("ix_hub_change_event_case", table_name="hub_change")
    with op.batch_alter_table("hub_change", schema=None) as batch_op:  # before the index: see above
        batch_op.drop_column("event_case_id")
    if op.get_bind().dialect.name == "postgresql":
        expression = "CAST((payload ->> 'case_id') AS VARCHAR)"
    else:
        expression = "CAST(JSON_EXTRACT(payload, '$.\"case_id\"') AS VARCHAR)"
    op.create_index(
        "ix_hub_change_case_event",
        "hub_change",
        [sa.text(expression)],
        unique=False,
        postgresql_where=sa.text(_EVENTS),
        sqlite_where=sa.text(_EVENTS),
    )
