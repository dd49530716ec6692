"""On PostgreSQL the application's role, granted as the README says, may INSERT and SELECT the audit
table but never UPDATE or DELETE it, while the counter works through that role."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from app.services.bootstrap import Services
from app.services.cases import CaseService

GRANTS = """
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
REVOKE UPDATE, DELETE, TRUNCATE ON audit_record FROM {role};
"""


@contextmanager
def counter_role(database_url: str) -> Iterator[str]:
    """The URL of a new login role granted on `database_url`'s database as the README says; the
    role and its grants are dropped after."""
    role, password = f"ow_app_{secrets.token_hex(4)}", secrets.token_hex(12)
    admin = create_engine(make_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
        for statement in GRANTS.format(role=role).strip().splitlines():
            conn.execute(text(statement))
    url = make_url(database_url).set(username=role, password=password)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


@pytest.fixture
def app_role_url(pg_url: str) -> Iterator[str]:
    owner = Services.for_url(pg_url)
    owner.initialise()  # the schema owner migrates and seeds
    owner.close()
    with counter_role(pg_url) as url:
        yield url


def test_app_role_inserts_and_reads_audit_records_but_cannot_change_them(
    app_role_url: str,
) -> None:
    services = Services.for_url(app_role_url)
    try:
        services.initialise()  # at head already: nothing to migrate, the checks pass
        clerk = services.accounts.sign_in("clerk1", "onewindow")
        CaseService(services.ctx).routed_cases(clerk)
        assert services.audit.records(services.accounts.sign_in("auditor", "onewindow"))
        with services.ctx.engine.connect() as conn:
            for statement in (
                "UPDATE audit_record SET result = 'ok' WHERE action = 'login'",
                "DELETE FROM audit_record WHERE action = 'login'",
                "TRUNCATE audit_record",
            ):
                with pytest.raises(ProgrammingError, match="permission denied"):
                    conn.execute(text(statement))
                conn.rollback()
    finally:
        services.close()
