"""Fixtures for sync tests: a hub (in-process) on PostgreSQL or SQLite, and enrolled centres."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.clock import system_clock
from app.hub.admin import add_staff, new_enrol_code
from app.hub.api import create_app
from app.hub.db import hub_engine, hub_sessions, upgrade
from app.services.context import ServiceContext
from app.sync.agent import SyncAgent
from app.sync.enrol import enrol
from tests.sync.harness import asgi_transport, hub_secret, new_centre  # noqa: F401 (autouse)


class HubHarness:
    def __init__(self, url: str) -> None:
        self.engine = hub_engine(url)
        upgrade(self.engine)
        self.sessions = hub_sessions(self.engine)
        self.app = create_app(self.engine)
        self.transport = asgi_transport(self.app)

    def code(self, centre: str, ttl: timedelta = timedelta(hours=1)) -> str:
        with self.sessions.begin() as s:
            return new_enrol_code(s, centre, system_clock(), ttl)

    def staff(self, username: str, department: str, role: str = "department") -> None:
        with self.sessions.begin() as s:
            add_staff(s, username, username, role, "pw-" + username, department)


@pytest.fixture
def hub(pg_url: str) -> Iterator[HubHarness]:
    h = HubHarness(pg_url)
    yield h
    h.engine.dispose()


@pytest.fixture
def centre_factory(
    tmp_path: Path, hub: HubHarness
) -> Iterator[Callable[..., tuple[ServiceContext, SyncAgent]]]:
    made: list[ServiceContext] = []

    def make(code: str = "990101", transport: Any = None) -> tuple[ServiceContext, SyncAgent]:
        ctx = new_centre(
            f"sqlite:///{(tmp_path / f'centre-{code}-{len(made)}.db').as_posix()}", code
        )
        made.append(ctx)
        enrol(ctx, "http://hub.test", hub.code(code), transport=hub.transport)
        return ctx, SyncAgent(ctx, transport=transport or hub.transport)

    yield make
    for ctx in made:
        ctx.close()


def verify_in_sync(ctx: ServiceContext, sessions: Any, device_id: Any) -> int:
    """Every local op is at the hub exactly once and the latest content of each row is the same there."""
    from sqlalchemy import func, select

    from app.db.models import OutboxOp
    from app.domain.print_blobs import PRINT_KINDS, without_bytes
    from app.hub.models import HubChange, HubDevice, HubRecord
    from app.sync.kinds import KINDS

    with ctx.uow(read_only=True) as uow:
        s = uow.session
        assert s.scalar(select(func.count()).where(OutboxOp.sent_at.is_(None))) == 0
        local = {
            o.op_id: (o.seq, o.entity, o.entity_id, o.payload) for o in s.scalars(select(OutboxOp))
        }
    with sessions() as h:
        hub_ops = {
            r[0]: r[1]
            for r in h.execute(
                select(HubChange.op_id, HubChange.payload).where(
                    HubChange.origin_device_id == device_id
                )
            )
        }
        centre = h.get_one(HubDevice, device_id).centre_id
        records = {
            (r.entity, r.entity_id): r.data
            for r in h.scalars(select(HubRecord).where(HubRecord.centre_id == centre))
        }
    assert set(hub_ops) == set(
        local
    )  # each op exactly once (op_id is unique per device at the hub)
    latest = {}
    for op_id, (_seq, entity, entity_id, payload) in sorted(local.items(), key=lambda x: x[1][0]):
        if entity in PRINT_KINDS:  # acknowledged: kept at the centre without its bytes
            assert "data" not in payload and "data" in hub_ops[op_id], op_id
            assert without_bytes(hub_ops[op_id]) == payload, op_id
            continue
        assert hub_ops[op_id] == payload, op_id
        if not KINDS[entity].in_log_only:  # events, prints' bytes: kept in the change log only
            latest[(entity, entity_id)] = payload
    for key, payload in latest.items():
        assert records.get(key) == payload, key
    return len(hub_ops)


def assert_hub_mirrors(ctx: ServiceContext, sessions: Any) -> int:
    """The hub holds one record per synced row of the centre, under the registry's kind name, equal
    to the centre's row column for column (a print's PDF bytes aside). Returns how many compared."""
    from sqlalchemy import LargeBinary, func, select

    from app.db.models import Base
    from app.db.payload import travels
    from app.hub.models import HubRecord
    from app.sync.kinds import KINDS, Owner

    tables = Base.metadata.tables
    kinds = [  # the centre's own tables (an account's reference is not a table of its name)
        k
        for k in KINDS.values()
        if k.owner is Owner.CENTRE and not k.in_log_only and k.table in tables
    ]
    with ctx.uow(read_only=True) as uow:
        local = {}
        for k in kinds:
            table = tables[k.table]
            skip = tuple(  # PDFs stay at the centre, and so do level 3's blind indexes
                c.key
                for c in table.columns
                if isinstance(getattr(c.type, "impl", c.type), LargeBinary) or not travels(c)
            )
            for row in uow.session.execute(select(table)).all():
                payload = {key: v for key, v in row._mapping.items() if key not in skip}
                local[(k.name, row.id)] = row_payload_values(payload)
    with sessions() as h:
        twins = h.execute(
            select(HubRecord.entity_id).group_by(HubRecord.entity_id).having(func.count() > 1)
        ).all()
        assert twins == [], f"ids held twice at the hub: {twins[:3]}"
        held = {(r.entity, r.entity_id): r.data for r in h.scalars(select(HubRecord))}
    assert not {e for e, _ in held} - set(KINDS), "a kind name outside the registry at the hub"
    compared = 0
    for key, payload in local.items():
        if key[0] == "sync_conflict" or (key[0] == "counter" and key not in held):
            continue  # conflicts come from the hub; a fresh database's seeded windows may wait
        assert held.get(key) == payload, (key, held.get(key), payload)
        compared += 1
    return compared


def row_payload_values(values: dict[str, Any]) -> dict[str, Any]:
    from app.db.payload import jsonable

    return {k: jsonable(v) for k, v in values.items()}
