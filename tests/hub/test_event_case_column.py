"""A case event's case as a change-log column (h0012): filled from the JSON of events already held,
filled at ingest for new ones (centre pushes and department decisions), read by the case page; on
SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import insert, select

from app.hub.changes import event_case
from app.hub.db import alembic_config, hub_engine, hub_sessions, upgrade
from app.hub.models import HubChange

AT = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)


def test_migration_fills_the_column_from_the_events_held(db_url: str) -> None:
    engine = hub_engine(db_url)
    command.upgrade(alembic_config(engine), "h0011")
    centre, case, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    payloads = [  # (entity, payload, the case the column must hold)
        ("case_event", {"case_id": str(case), "event_type": "ROUTE"}, case),
        ("case_event", {"case_id": str(other).upper(), "event_type": "ACCEPT"}, other),
        ("case_event", {"case_id": other.hex, "event_type": "APPROVE"}, other),
        ("case_event", {"case_id": "not-a-case", "event_type": "ROUTE"}, None),
        ("case_event", {"case_id": 12345, "event_type": "ROUTE"}, None),
        ("case_event", {"event_type": "ROUTE"}, None),
        ("case_material", {"case_id": str(case)}, None),  # events only
        ("case_file", {"id": str(case)}, None),
    ]
    with engine.begin() as c:
        c.execute(
            insert(HubChange.__table__),
            [
                {
                    "pos": i + 1,
                    "centre_id": centre,
                    "entity": entity,
                    "entity_id": uuid.uuid4(),
                    "op": "upsert",
                    "payload": payload,
                    "origin_device_id": None,
                    "op_id": uuid.uuid4(),
                    "device_seq": i + 1,
                    "status": "applied",
                    "recorded_at": AT,
                }
                for i, (entity, payload, _want) in enumerate(payloads)
            ],  # the h0011 table has no event_case_id yet: the statement names only these
        )
    upgrade(engine)
    with hub_sessions(engine)() as s:
        got = s.scalars(select(HubChange.event_case_id).order_by(HubChange.pos)).all()
    assert got == [want for _e, _p, want in payloads]
    # what the migration made of the JSON is what ingest makes of it
    assert got == [event_case(e, p) for e, p, _w in payloads]
    engine.dispose()
