"""The hub's Alembic migrations build exactly the tables of app/hub/models.py, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.hub.db import hub_engine, upgrade
from app.hub.models import HubBase


def test_hub_migrations_match_the_models(db_url: str) -> None:
    engine = hub_engine(db_url)
    upgrade(engine)
    upgrade(engine)  # a second start changes nothing
    assert set(HubBase.metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": "hub_alembic_version"}
        )
        assert compare_metadata(ctx, HubBase.metadata) == []
    engine.dispose()
