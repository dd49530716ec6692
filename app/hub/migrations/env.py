"""Alembic environment of the hub: its own metadata and its own version table."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from app.hub.models import HubBase

config = context.config


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        from app.db.engine import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=HubBase.metadata,
            version_table="hub_alembic_version",
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
