"""Hub database: engine (pool sized for many centres), schema upgrade, sessions, the change-log counter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import alembic_config as centre_alembic_config
from app.db.engine import make_engine
from app.hub.models import HubCounter
from app.hub.secret import INFO_KEY, HubSecret

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def hub_engine(url: str, **kwargs: Any) -> Engine:
    if not url.startswith("sqlite"):
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 30)
        kwargs.setdefault("pool_timeout", 60)
    return make_engine(url, **kwargs)


def db_error_summary(exc: BaseException) -> str:
    """What may be logged of a database error: its class and SQLSTATE, never its text (PostgreSQL's
    DETAIL can quote the refused row) nor the statement's parameters."""
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None) or ""
    return (
        f"{type(exc).__name__}/{type(orig).__name__ if orig is not None else '-'} {state}".strip()
    )


def alembic_config(engine: Engine, secret: HubSecret | None = None) -> Config:
    """The hub's migrations on `engine`; `secret` (default: the environment's) seals audit keys."""
    cfg = centre_alembic_config(engine, MIGRATIONS)
    cfg.attributes[INFO_KEY] = secret or HubSecret.from_env()
    return cfg


def upgrade(engine: Engine, secret: HubSecret | None = None) -> None:
    """Create or upgrade the hub schema, and make sure the change-log counter row exists. Raises
    SecretUnavailable (nothing changed) when clear audit keys are left to seal and the master
    secret is not there (migration h0011)."""
    command.upgrade(alembic_config(engine, secret), "head")
    with Session(engine) as s, s.begin():
        if s.scalars(select(HubCounter).where(HubCounter.name == "change_log")).first() is None:
            s.add(HubCounter(name="change_log", value=0))


def hub_sessions(engine: Engine, secret: HubSecret | None = None) -> sessionmaker[Session]:
    """Sessions of the hub; `secret` (default: the environment's) opens the sealed audit keys."""
    return sessionmaker(
        engine, expire_on_commit=False, info={INFO_KEY: secret or HubSecret.from_env()}
    )
