"""matter.name_keys: each name segment's pinyin, computed at import so searching needs no pypinyin

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("matter", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_keys", sa.JSON(), server_default="[]", nullable=False)
        )
    from app.domain.pinyin_search import name_keys

    matter = sa.table(
        "matter", sa.column("id", sa.Uuid()), sa.column("name"), sa.column("name_keys", sa.JSON())
    )
    bind = op.get_bind()
    for row_id, name in bind.execute(sa.select(matter.c.id, matter.c.name)).all():
        bind.execute(
            matter.update().where(matter.c.id == row_id).values(name_keys=name_keys(name))
        )


def downgrade() -> None:
    with op.batch_alter_table("matter", schema=None) as batch_op:
        batch_op.drop_column("name_keys")
