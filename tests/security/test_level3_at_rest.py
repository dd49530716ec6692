"""等保 level 3: personal fields encrypted at rest (SM4-GCM), found through blind indexes; a dump
of a level-3 database holds none of the day's ID numbers, mobiles, addresses or form values, while
the same day at level 2 leaves them all in clear (so the scan can see them)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.config import SecuritySettings
from app.db.models import Centre, Counter, OutboxOp, Resident, User
from app.db.protected import MissingKey
from app.services.audit_keys import forget_cached_keys
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from app.services.residents import ResidentService
from app.services.setup import initialise
from tests.security.level3_day import FORM, counter_day, dump, fresh
from tests.security.pii_strategies import id_numbers, leaks, mobiles
from tests.services.conftest import START, MovableClock, make_id

PEOPLE = 4


def people_of(ids: list[str], phones: list[str]) -> list[tuple[str, str, str, str]]:
    n = len(ids) // 2
    return [(ids[i], phones[i], ids[n + i], phones[n + i]) for i in range(n)]


def centre_at(url: str, level: int) -> tuple[ServiceContext, uuid.UUID, uuid.UUID, SignedInUser]:
    ctx = ServiceContext.for_url(
        url, clock=MovableClock(START), security=SecuritySettings(level=level)
    )
    initialise(ctx)
    with ctx.uow(read_only=True) as uow:
        s = uow.session
        centre = s.scalars(select(Centre)).one()
        counter = s.scalars(select(Counter).where(Counter.number == 3)).one()
        u = s.scalars(select(User).where(User.username == "clerk1")).one()
        clerk = SignedInUser(u.id, u.username, u.display_name, u.role, u.centre_id)
    return ctx, centre.id, counter.id, clerk


@settings(  # one fresh database per test: one example, never replayed or shrunk into it again
    max_examples=1,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    ids=st.lists(id_numbers(), min_size=PEOPLE * 2, max_size=PEOPLE * 2, unique=True),
    phones=st.lists(mobiles(), min_size=PEOPLE * 2, max_size=PEOPLE * 2, unique=True),
)
@pytest.mark.parametrize("level", [2, 3])
def test_a_level3_dump_holds_no_id_number_or_mobile(
    db_url: str, level: int, ids: list[str], phones: list[str]
) -> None:
    db_url = fresh(db_url)
    ctx, centre_id, counter_id, clerk = centre_at(db_url, level)
    try:
        assert ctx.db_level == level
        day = counter_day(ctx, centre_id, counter_id, clerk, people_of(ids, phones))
        text = dump(db_url)
    finally:
        ctx.close()
    assert "resident" in text and "case_file" in text  # the dump did include the tables
    income = FORM["household_monthly_income"].replace(".", "")  # however the money is kept
    account = FORM["bank_account"].replace(" ", "")
    secrets = [*day.numbers, *day.addresses, account, income]
    found = [s for s in secrets if leaks(text, s) or s in text]
    if level == 2:
        assert found == secrets  # in clear at level 2: the scan sees what is there
        assert "sm4g1:" not in text
    else:
        assert found == []
        assert "sm4g1:" in text


def test_the_outbox_is_encrypted_at_rest_and_read_in_clear_for_the_hub(sqlite_url: str) -> None:
    ctx, centre_id, counter_id, clerk = centre_at(sqlite_url, 3)
    try:
        person = (
            make_id("11010119800307002"),
            "13912345678",
            make_id("31010419851212001"),
            "13800001111",
        )
        counter_day(ctx, centre_id, counter_id, clerk, [person], print_papers=False)
        with ctx.engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT payload FROM outbox").scalars().all()
        assert stored and all('"sm4g1"' in p for p in stored)
        with ctx.uow(read_only=True) as uow:  # what the sync agent packs: the clear row
            payloads = [
                op.payload
                for op in uow.session.scalars(select(OutboxOp).where(OutboxOp.entity == "resident"))
            ]
        assert payloads[0]["id_number"] == person[0] and payloads[0]["phone"] == person[1]
        assert "id_number_bidx" not in payloads[0]  # blind indexes never leave the centre
        from app.sync.agent import SyncAgent
        from app.sync.protocol import MAX_BATCH_BYTES, MAX_BATCH_OPS

        _pending, batch = SyncAgent(ctx)._next_batch(0, (MAX_BATCH_OPS, MAX_BATCH_BYTES))
        packed = b"".join(batch).decode()
        assert person[0] in packed and "sm4g1" not in packed
    finally:
        ctx.close()


def test_a_desk_without_the_key_is_told_how_to_get_it(sqlite_url: str, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    ctx, centre_id, counter_id, clerk = centre_at(sqlite_url, 3)
    person = (
        make_id("11010119800307002"),
        "13912345678",
        make_id("31010419851212001"),
        "13800001111",
    )
    counter_day(ctx, centre_id, counter_id, clerk, [person], print_papers=False)
    saved = dict(memory_keyring.secrets)
    ctx.close()
    memory_keyring.secrets.clear()  # another desk: its keyring is empty
    forget_cached_keys()
    other = ServiceContext.for_url(sqlite_url, security=SecuritySettings(level=3))
    try:
        with pytest.raises(MissingKey) as caught:
            ResidentService(other).lookup(person[0], clerk)
        assert "import-keys" in caught.value.message and "没有密钥" in caught.value.message
        memory_keyring.secrets.update(saved)  # what `security import-keys` brings
        assert other.refresh_protection() == 3
        found = ResidentService(other).lookup(person[0], clerk)
        assert found is not None and found.phone == person[1]
        with other.uow(read_only=True) as uow:
            row = uow.session.scalars(select(Resident)).one()
            assert row.id_number_bidx and row.phone_bidx
    finally:
        other.close()
