# ruff: noqa
"""one name per synced kind: "case" rows merged into "case_file"

Earlier centres queued a case as "case" (intake, the counter's steps) and as "case_file" (applying a
department's decision, demo data); the hub kept the two as separate records of the same case. Here
each twin pair becomes one "case_file" record holding the newest state, and the change log's "case"
rows are renamed (every event and version is kept; only the name changes).

Revision ID: h0004
Revises: h0003
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op


revision: str = "h0004"
down_revision: str | None = "h0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the newer twin wins: drop the "case_file" row when its "case" twin is newer ...
    op.execute(
        "DELETE FROM hub_record WHERE entity = 'case_file' AND EXISTS (SELECT 1 FROM hub_record AS t "
        "WHERE t.entity = 'case' AND t.entity_id = hub_record.entity_id AND t.updated_at > hub_record.updated_at)"
    )
    # ... and the "case" row when a "case_file" twin is left (it is the newer or as new)
    op.execute(
        "DELETE FROM hub_record WHERE entity = 'case' AND EXISTS (SELECT 1 FROM hub_record AS t "
        "WHERE t.entity = 'case_file' AND t.entity_id = hub_record.entity_id)"
    )
    op.execute("UPDATE hub_record SET entity = 'case_file' WHERE entity = 'case'")
    op.execute("UPDATE hub_change SET entity = 'case_file' WHERE entity = 'case'")


def downgrade() -> None:
    pass  # the two names were one kind: nothing to split back
