"""`onewindow security enable-level3`: a level-2 database with a day's work becomes level 3 in one
transaction (every personal field encrypted, lookups by ID and phone still work); a failure half-way
leaves it exactly as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cli import main
from app.db.models import Protection, Resident
from app.services import protection
from app.services.cases import CaseService
from app.services.context import ServiceContext
from app.services.residents import ResidentService
from tests.security.level3_day import counter_day, dump
from tests.security.pii_strategies import leaks
from tests.security.test_level3_at_rest import centre_at
from tests.services.conftest import make_id

PEOPLE = [
    (make_id("11010119800307002"), "13912345678", make_id("31010419851212001"), "13800001111"),
    (make_id("33010619920101004"), "15857101234", make_id("44030519700505003"), "18600002222"),
]


def _numbers() -> list[str]:
    return [n for person in PEOPLE for n in person]


def test_enable_level3_encrypts_existing_rows_and_lookups_still_work(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx, centre_id, counter_id, clerk = centre_at(db_url, 2)
    day = counter_day(ctx, centre_id, counter_id, clerk, PEOPLE)
    ctx.close()
    assert all(leaks(dump(db_url), n) for n in _numbers())  # level 2: in clear

    assert main(["--db", db_url, "security", "enable-level3"]) == 0
    assert "已启用等保三级" in capsys.readouterr().out
    text = dump(db_url)
    assert [n for n in _numbers() + day.addresses if leaks(text, n) or n in text] == []

    again = ServiceContext.for_url(db_url)
    try:
        assert again.db_level == 3
        residents, cases = ResidentService(again), CaseService(again)
        for (id_number, phone, _a, _p), case_id in zip(PEOPLE, day.case_ids, strict=True):
            found = residents.lookup(id_number, clerk)
            assert found is not None and found.phone == phone
            assert [c.id for c in cases.search(clerk, id_number=id_number)] == [case_id]
            assert [c.id for c in cases.search(clerk, phone=phone)] == [case_id]
            assert cases.detail(case_id, clerk).form_data["bank_account"]
    finally:
        again.close()
    assert main(["--db", db_url, "security", "enable-level3"]) == 0  # a second run: nothing to do
    assert "已是等保三级" in capsys.readouterr().out


def test_a_failed_migration_changes_nothing(
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring,  # type: ignore[no-untyped-def]
) -> None:
    ctx, centre_id, counter_id, clerk = centre_at(sqlite_url, 2)
    counter_day(ctx, centre_id, counter_id, clerk, PEOPLE, print_papers=False)
    real = protection._rewrite

    def failing(conn, model, columns, cipher):  # type: ignore[no-untyped-def]
        if model.__tablename__ == "outbox":  # after residents, agents and cases were rewritten
            raise OSError("disk full")
        return real(conn, model, columns, cipher)

    monkeypatch.setattr(protection, "_rewrite", failing)
    with pytest.raises(OSError):
        protection.enable_level3(ctx.engine)
    assert all(leaks(dump(sqlite_url), n) for n in _numbers())  # still in clear, all of them
    with ctx.uow(read_only=True) as uow:
        assert uow.session.scalars(select(Protection.name)).all() == []  # no level, no key id
        assert all(r.id_number_bidx is None for r in uow.session.scalars(select(Resident)))
    assert not [k for k in memory_keyring.secrets if k[0] == "OneWindow personal data"]
    assert ResidentService(ctx).lookup(PEOPLE[0][0], clerk) is not None  # level 2 as before
    ctx.close()
