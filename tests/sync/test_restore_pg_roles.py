"""A lost PostgreSQL centre restored the way a district deploys it: the schema owner restores (the
counter's own role may not delete audit records and is told so before the code is spent), then the
counter works through its own role on the restored database and the trail verifies."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.db.models import SyncState, Ticket
from app.services.audit import verify_database
from app.services.bootstrap import Services
from app.services.context import ServiceContext
from app.sync.agent import SyncAgent
from app.sync.enrol import enrol
from app.sync.restore import RestoreError, restore
from tests.conftest import PG_URL
from tests.security.test_pg_grants import counter_role
from tests.sync.harness import WorkMaker, new_centre
from tests.sync.test_restore import HUB, assert_restored

pytestmark = pytest.mark.pg


def test_the_owner_restores_and_the_counter_role_works_on(hub: Any, tmp_path: Path) -> None:
    original = new_centre(f"sqlite:///{(tmp_path / 'lost.db').as_posix()}", "990101")
    enrol(original, HUB, hub.code("990101"), transport=hub.transport)
    WorkMaker(original, seed=7).days(2, tickets=15, cases=3, events_per_case=2)
    assert SyncAgent(original, transport=hub.transport).run_once().ok

    assert PG_URL
    server = create_engine(
        make_url(PG_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    database = f"ow_roles_{secrets.token_hex(5)}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    owner_url = server.url.set(database=database).render_as_string(hide_password=False)
    owner = Services.for_url(owner_url)
    owner.initialise()  # as the README says: the owner migrates, then grants the counter's role
    owner.close()
    try:
        with counter_role(owner_url) as app_url:
            _restore_as_owner_then_work_as_the_counter(hub, original, owner_url, app_url)
    finally:
        original.close()
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        server.dispose()


def _restore_as_owner_then_work_as_the_counter(
    hub: Any, original: ServiceContext, owner_url: str, app_url: str
) -> None:
    code = hub.code("990101")
    counter = ServiceContext.for_url(app_url)
    with pytest.raises(RestoreError) as refused:
        restore(counter, HUB, code, transport=hub.transport)
    assert "数据库所有者账号" in refused.value.message and "注册码未使用" in refused.value.message
    with counter.uow(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert uow.session.scalars(select(SyncState)).first() is None  # not enrolled
    counter.close()

    restored = ServiceContext.for_url(owner_url)
    report = restore(restored, HUB, code, transport=hub.transport)  # the same code: unspent
    assert report.rows["ticket"] == 30 and report.audit_records > 0
    assert_restored(original, restored, every_table=False)
    restored.close()

    services = Services.for_url(app_url)
    try:
        services.initialise()  # at head: nothing to do as the counter's role
        clerk = services.accounts.sign_in("clerk1", "onewindow")
        assert clerk.username == "clerk1"
        verified = verify_database(services.ctx)
        assert verified.chain.ok, verified.chain.first_break
        assert verified.chain.checked > 0
    finally:
        services.close()
