"""The schema migrates on SQLite and PostgreSQL, matches the models, and round-trips every kind of value."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from app.db.engine import make_engine, session_factory, upgrade
from app.db.models import (
    Base,
    Case,
    CaseEvent,
    Centre,
    Matter,
    OutboxOp,
    Resident,
    User,
)
from app.db.types import new_id


def test_migrations_create_every_table_and_match_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade(engine)  # a second start changes nothing
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_uuid7_keys_are_time_ordered() -> None:
    ids = [new_id() for _ in range(200)]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids, key=lambda u: u.bytes)


def _seed_case(s, *, at: datetime) -> Case:  # type: ignore[no-untyped-def]
    centre = Centre(id=new_id(), code="990101", name="示范中心")
    user = User(
        id=new_id(),
        centre_id=centre.id,
        username="u",
        display_name="王",
        role="clerk",
        password_hash="x",
    )
    matter = Matter(
        id=new_id(),
        code="MZ-001",
        version="2026.11",
        name="最低生活保障",
        department="民政",
        case_type="承诺件",
        legal_days=30,
        promised_days=23,
        service_group="C",
        deciding_body="区民政局",
        spec={"code": "MZ-001", "名称": "低保"},
    )
    resident = Resident(
        id=new_id(), id_kind="resident", id_number="11010119900307123X", name="张三明"
    )
    case = Case(
        id=new_id(),
        case_number="990101202611230001",
        verification_code="4821",
        centre_id=centre.id,
        matter_id=matter.id,
        matter_code="MZ-001",
        catalogue_version="2026.11",
        resident_id=resident.id,
        clerk_id=user.id,
        status="received",
        received_at=at,
        due_date=date(2026, 12, 25),
        form_data={"household_size": 3, "application_reason": "因病致贫"},
        co_departments=["残联"],
    )
    for row in (centre, user, matter, resident, case):  # no ORM relationships: insert in FK order
        s.add(row)
        s.flush()
    s.add(
        CaseEvent(
            id=new_id(),
            case_id=case.id,
            seq=1,
            event_type="RECEIVE",
            status_after="received",
            at=at,
        )
    )
    return case


def test_round_trip_keeps_uuids_utc_times_json_and_dates(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    beijing = timezone(timedelta(hours=8))
    at = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=beijing)
    with sessions.begin() as s:
        case_id = _seed_case(s, at=at).id
    with sessions() as s:
        case = s.get(Case, case_id)
        assert case is not None
        assert isinstance(case.id, uuid.UUID) and case.id == case_id
        assert case.received_at == at and case.received_at.tzinfo is not None
        assert case.received_at.utcoffset() == timedelta(0)
        assert case.form_data == {"household_size": 3, "application_reason": "因病致贫"}
        assert case.co_departments == ["残联"]
        assert case.due_date == date(2026, 12, 25)
        assert [e.event_type for e in case.events] == ["RECEIVE"]
        matter = s.scalars(select(Matter)).one()
        assert matter.spec["名称"] == "低保"
    engine.dispose()


def test_naive_timestamps_are_refused(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with pytest.raises(Exception, match="naive datetime"), session_factory(engine).begin() as s:
        _seed_case(s, at=datetime(2026, 11, 23, 9, 30))
    engine.dispose()


def test_foreign_keys_and_unique_keys_are_enforced(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(
            CaseEvent(id=new_id(), case_id=new_id(), seq=1, event_type="RECEIVE", status_after="x")
        )
    with sessions.begin() as s:
        s.add(
            OutboxOp(
                id=new_id(), seq=1, op_id=new_id(), entity="case", entity_id=new_id(), op="upsert"
            )
        )
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(
            OutboxOp(
                id=new_id(), seq=1, op_id=new_id(), entity="case", entity_id=new_id(), op="upsert"
            )
        )
    with sessions() as s:
        assert s.scalars(select(OutboxOp)).one().created_at.tzinfo == UTC
    engine.dispose()


def test_head_revision_read_from_the_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from app.db.engine import MIGRATIONS, alembic_config, head_revision
    from app.hub.db import MIGRATIONS as HUB_MIGRATIONS

    for folder in (MIGRATIONS, HUB_MIGRATIONS):
        script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://"), folder))
        assert head_revision(folder) == script.get_current_head()


def test_a_start_at_the_newest_revision_costs_one_query(sqlite_url: str) -> None:
    from sqlalchemy import event

    engine = make_engine(sqlite_url)
    upgrade(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    upgrade(engine)
    # a read (SQLite: a deferred transaction, no write lock) of the revision, and nothing else
    assert statements == ["BEGIN DEFERRED", "SELECT version_num FROM alembic_version"]
    engine.dispose()


def test_the_name_keys_migration_fills_matters_already_imported(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from app.db.engine import alembic_config, normalise_url
    from app.services.context import ServiceContext
    from app.services.setup import initialise

    ctx = ServiceContext.for_url(db_url)
    initialise(ctx, seed_demo=False)
    # back to 0008 on a plain engine (SQLite rebuilds the table without its foreign-key checks)
    plain = create_engine(normalise_url(db_url))
    command.downgrade(alembic_config(plain), "0008")
    plain.dispose()
    upgrade(ctx.engine)
    with ctx.uow(read_only=True) as uow:
        rows = uow.session.execute(select(Matter.name, Matter.name_keys)).all()
    assert rows and all(keys for _name, keys in rows)
    low = next(keys for name, keys in rows if name.startswith("最低生活保障"))
    assert ["最低生活保障", "zdshbz", "zuidishenghuobaozhang"] in low
    ctx.close()
