"""The hub's master secret: `init-secret` makes it once (0600, never overwritten), and migration h0011
seals the clear audit keys of h0010 with it, or stops before changing anything without it."""

from __future__ import annotations

import stat
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import inspect

from app.hub.cli import main
from app.hub.db import alembic_config, hub_engine, upgrade
from app.hub.secret import ENV, HubSecret, SealBroken, SecretUnavailable, create

KEY = bytes(range(100, 132))

_centre = sa.table(
    "hub_centre",
    sa.column("id", sa.Uuid()),
    sa.column("code", sa.String()),
    sa.column("name", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_key = sa.table(
    "hub_audit_key",
    sa.column("id", sa.Uuid()),
    sa.column("centre_id", sa.Uuid()),
    sa.column("from_seq", sa.BigInteger()),
    sa.column("key_hex", sa.String()),
    sa.column("key_check", sa.String()),
    sa.column("registered_at", sa.DateTime(timezone=True)),
    sa.column("retired_by", sa.String()),
)


def test_init_secret_makes_the_file_once_and_never_overwrites_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "etc" / "hub.secret"
    assert main(["--secret-file", str(path), "init-secret"]) == 0  # no database needed
    assert "已创建" in capsys.readouterr().out
    first = path.read_bytes()
    assert len(first) == 32
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.setenv(ENV, str(path))  # the environment names it as well
    assert main(["init-secret"]) == 0
    assert "已存在，未改动" in capsys.readouterr().out and path.read_bytes() == first
    path.write_bytes(b"short")
    assert main(["init-secret"]) == 1
    assert "格式不对" in capsys.readouterr().err and path.read_bytes() == b"short"
    monkeypatch.delenv(ENV)
    assert main(["init-secret"]) == 2
    assert "--secret-file" in capsys.readouterr().err


def _clear_key_at_h0010(engine: sa.Engine) -> uuid.UUID:
    command.upgrade(alembic_config(engine, HubSecret(None)), "h0010")
    centre_id, now = uuid.uuid4(), datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(_centre.insert().values(id=centre_id, code="100001", name="", created_at=now))
        conn.execute(
            _key.insert().values(
                id=uuid.uuid4(),
                centre_id=centre_id,
                from_seq=7,
                key_hex=KEY.hex(),
                key_check="c" * 64,
                registered_at=now,
                retired_by="",
            )
        )
    return centre_id


def _version(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(sa.text("SELECT version_num FROM hub_alembic_version")))


def test_the_upgrade_seals_clear_keys_and_without_a_secret_changes_nothing(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    engine = hub_engine(db_url)
    centre_id = _clear_key_at_h0010(engine)
    with pytest.raises(SecretUnavailable, match="1 把未加密的中心审计密钥"):
        upgrade(engine, HubSecret(None))
    url = engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "--secret-file", str(tmp_path / "none"), "init-db"]) == 2
    assert "升级未进行" in (err := capsys.readouterr().err) and "不存在" in err
    assert _version(engine) == "h0010"  # nothing changed: the key as it was, the schema too
    with engine.connect() as conn:
        assert conn.scalar(sa.select(_key.c.key_hex)) == KEY.hex()

    create(path := tmp_path / "hub.secret")
    assert main(["--db", url, "--secret-file", str(path), "init-db"]) == 0
    assert _version(engine) >= "h0011"  # past the sealing step (to the newest revision)
    columns = {c["name"] for c in inspect(engine).get_columns("hub_audit_key")}
    assert "key_hex" not in columns and {"key_sealed", "sealed_with"} <= columns
    with engine.connect() as conn:
        sealed = bytes(conn.scalar(sa.text("SELECT key_sealed FROM hub_audit_key")))
    assert KEY not in sealed and KEY.hex().encode() not in sealed
    sealer = HubSecret(path).sealer()
    assert sealer.open(centre_id, 7, sealed) == KEY
    with pytest.raises(SealBroken):  # bound to its centre and number
        sealer.open(centre_id, 8, sealed)
    engine.dispose()
    if engine.url.get_backend_name() == "sqlite":  # nor left in the file's freed pages
        files = Path(str(engine.url.database)).parent.glob("*.db*")
        raw = b"".join(f.read_bytes() for f in files)
        assert raw and KEY.hex().encode() not in raw and KEY not in raw
