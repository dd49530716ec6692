"""Several desks on one PostgreSQL centre share one audit key: a desk that made its own key is
refused before it seals anything (the chain would fork), and once the centre's key is imported
(`security export-keys` / `import-keys`) or both read one `audit_key_file`, the two desks' records
verify as one chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.cli import main
from app.db.models import AuditRecord
from app.services.accounts import AccountService
from app.services.audit import verify_database
from app.services.audit_keys import AuditKeyError, forget_cached_keys
from app.services.context import ServiceContext
from app.services.setup import initialise
from tests.conftest import MemoryKeyring


def other_host(url: str) -> str:
    """The same database as another desk names it (its own application name: another URL, so
    another fingerprint). Not another host name: a bare machine may not resolve even localhost."""
    u = make_url(url)
    return u.update_query_dict({"application_name": "onewindow-desk-2"}).render_as_string(
        hide_password=False
    )


class Desk:
    """One computer of the centre: its own keyring, its own URL for the shared database."""

    def __init__(self, url: str, window: str) -> None:
        self.url, self.window, self.keys = url, window, MemoryKeyring()

    def __enter__(self) -> ServiceContext:
        keyring.set_keyring(self.keys)
        forget_cached_keys()
        self.ctx = ServiceContext.for_url(self.url)
        return self.ctx

    def __exit__(self, *_exc: object) -> None:
        self.ctx.close()


@pytest.fixture
def desks(pg_url: str) -> Iterator[tuple[Desk, Desk]]:
    a, b = Desk(pg_url, "1"), Desk(other_host(pg_url), "2")
    with a as ctx:
        initialise(ctx)
    yield a, b
    forget_cached_keys()


def sign_in(ctx: ServiceContext, window: str) -> None:
    AccountService(ctx).sign_in("clerk1", "onewindow", window=window)


@pytest.mark.pg
def test_a_desk_with_its_own_key_is_refused_until_it_imports_the_centres(
    desks: tuple[Desk, Desk], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = desks
    with a as ctx:
        sign_in(ctx, a.window)
    with b as ctx, pytest.raises(AuditKeyError) as refused:
        sign_in(ctx, b.window)  # desk B made a key of its own: nothing sealed with it
    assert "import-keys" in str(refused.value)

    key_file = tmp_path / "centre.keys"
    with a:
        assert main(["--db", a.url, "security", "export-keys", str(key_file)]) == 0
    assert key_file.stat().st_mode & 0o777 == 0o600
    with b:
        assert main(["--db", b.url, "security", "import-keys", str(key_file)]) == 0
    with b as ctx:
        sign_in(ctx, b.window)
    with a as ctx:
        sign_in(ctx, a.window)
    capsys.readouterr()
    for desk in (a, b):  # either desk verifies the one chain, records of both desks in it
        with desk as ctx:
            report = verify_database(ctx)
            assert report.chain.ok and report.chain.checked >= 5
            with ctx.uow(read_only=True) as uow:
                windows = set(uow.session.scalars(select(AuditRecord.window)))
            assert {"1", "2"} <= windows
        with desk:
            assert main(["--db", desk.url, "audit", "verify"]) == 0
    assert "审计链完整" in capsys.readouterr().out


@pytest.mark.pg
def test_two_desks_reading_one_audit_key_file_seal_one_chain(
    desks: tuple[Desk, Desk], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = desks
    shared = tmp_path / "audit.key"
    config = tmp_path / "onewindow.toml"
    config.write_text(f'[security]\naudit_key_file = "{shared.as_posix()}"\n', encoding="utf-8")
    monkeypatch.setenv("ONEWINDOW_CONFIG", str(config))
    # The chain so far was sealed with desk A's keyring key: the file starts from that key.
    with a as ctx:
        from app.services.audit_keys import audit_key

        monkeypatch.delenv("ONEWINDOW_CONFIG")
        forget_cached_keys()
        shared.write_text(audit_key(ctx.engine).hex(), encoding="ascii")
        shared.chmod(0o600)
        monkeypatch.setenv("ONEWINDOW_CONFIG", str(config))
        forget_cached_keys()
        sign_in(ctx, a.window)
    with b as ctx:
        sign_in(ctx, b.window)
    with a as ctx:
        sign_in(ctx, a.window)
        report = verify_database(ctx)
    assert report.chain.ok
