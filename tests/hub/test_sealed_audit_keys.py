"""Centres' audit keys are sealed with the hub's master secret: no dump of the hub's database holds
one, a sealed key moved to another centre does not open, and without the right secret the hub says
so and changes nothing (pushes go on; their MACs are checked once the secret is back)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text, update

from app.hub.audit_keys import BROKEN_SEAL, keys_of
from app.hub.models import HubAudit, HubAuditChain, HubAuditKey, HubConflict
from app.hub.secret import ENV, HubSecret, create
from tests.hub.conftest import Hub
from tests.hub.test_audit_trail import KEY, ops, trail
from tests.hub.test_ownership import push

OTHER = bytes(range(32))


@pytest.fixture
def hub_at(db_url: str) -> Iterator[Hub]:
    """A hub on SQLite and on PostgreSQL, its master secret from the environment (conftest)."""
    h = Hub(db_url)
    yield h
    h.engine.dispose()


def put_key(hub: Hub, device: dict[str, Any], key: bytes, from_seq: int = 1) -> Any:
    body = {"key": key.hex(), "from_seq": from_seq}
    return hub.http.put("/api/v1/audit-key", json=body, headers=device["headers"])


def dump(hub: Hub) -> tuple[str, bytes]:
    """Every row of every table of the hub's database, as text and as bytes (blobs raw and hex)."""
    words: list[str] = []
    blobs: list[bytes] = []
    with hub.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        blobs.append(bytes(value))
                        words.append(bytes(value).hex())
                    else:
                        words.append(str(value))
    return "\n".join(words).lower(), b"".join(blobs)


def test_a_dump_of_the_hub_holds_neither_the_key_nor_the_secret(hub_at: Hub) -> None:
    a = hub_at.device("100001")
    assert put_key(hub_at, a, KEY).status_code == 200
    words, blobs = dump(hub_at)
    assert KEY.hex() not in words and KEY not in blobs
    secret = Path(os.environ[ENV]).read_bytes()
    assert secret.hex() not in words and secret not in blobs
    if hub_at.engine.url.get_backend_name() == "sqlite":  # nor the file itself (a copy as backup)
        raw = Path(str(hub_at.engine.url.database)).read_bytes()
        assert KEY not in raw and KEY.hex().encode() not in raw
    restoring = hub_at.device("100001")  # the hub still serves it, opened, to a restore
    served = hub_at.http.get("/api/v1/audit-key", headers=restoring["headers"]).json()
    assert served == {"key": KEY.hex(), "from_seq": 1}


def test_a_sealed_key_moved_to_another_centre_does_not_open(hub_at: Hub) -> None:
    a, b = hub_at.device("100001"), hub_at.device("100002")
    assert put_key(hub_at, a, KEY).status_code == 200
    assert put_key(hub_at, b, OTHER).status_code == 200
    with hub_at.sessions.begin() as s:  # someone with the database copies A's key onto B's row
        rows = {r.centre_id: r for r in s.scalars(select(HubAuditKey))}
        moved = rows[_uuid(a["centre_id"])]
        s.execute(
            update(HubAuditKey)
            .where(HubAuditKey.centre_id == _uuid(b["centre_id"]))
            .values(key_sealed=moved.key_sealed, key_check=moved.key_check)
        )
    with hub_at.sessions() as s:
        assert keys_of(s, _uuid(b["centre_id"])) == [(1, None)]  # no key: never A's key
        assert keys_of(s, _uuid(a["centre_id"])) == [(1, KEY)]
    restoring = hub_at.device("100002")
    r = hub_at.http.get("/api/v1/audit-key", headers=restoring["headers"])
    assert r.status_code == 409 and r.json()["detail"] == BROKEN_SEAL
    assert KEY.hex() not in r.text
    # B's records sealed with A's key are not taken as checked by it: B's own key is unreadable
    assert push(hub_at, b, *ops(trail(2))) == ["applied"] * 2


def _uuid(value: Any) -> Any:
    import uuid

    return uuid.UUID(str(value))


def _audit_rows(hub: Hub) -> int:
    with hub.sessions() as s:
        return len(s.scalars(select(HubAudit)).all())


def app_with(hub: Hub, secret: HubSecret) -> Any:
    """Another hub process on the same database, with `secret` as its master secret."""
    from fastapi.testclient import TestClient

    from app.hub.api import create_app

    return TestClient(create_app(hub.engine, secret=secret))


def push_via(http: Any, device: dict[str, Any], *batch: dict[str, Any]) -> list[str]:
    r = http.post("/api/v1/push", json={"ops": list(batch)}, headers=device["headers"])
    assert r.status_code == 200, r.text
    return [a["status"] for a in r.json()["acks"]]


@pytest.mark.parametrize("problem", ["missing", "malformed", "unconfigured"])
def test_without_the_secret_a_key_is_refused_clearly_and_nothing_changes(
    hub_at: Hub, tmp_path: Path, problem: str
) -> None:
    path: Path | None = tmp_path / "hub.key"
    if problem == "missing":
        words = "不存在"
    elif problem == "malformed":
        (tmp_path / "hub.key").write_bytes(b"x" * 10)
        words = "格式不对"
    else:
        path, words = None, "未配置主密钥文件"
    secret = HubSecret(path)
    http = app_with(hub_at, secret)
    a = hub_at.device("100001")
    before = _audit_rows(hub_at)
    r = http.put("/api/v1/audit-key", json={"key": KEY.hex(), "from_seq": 1}, headers=a["headers"])
    assert r.status_code == 503 and words in r.json()["detail"], r.text
    assert int(r.headers["Retry-After"]) > 0
    with hub_at.sessions() as s:
        assert s.scalars(select(HubAuditKey)).all() == []
    assert _audit_rows(hub_at) == before
    # the centre's queue moves all the same: its records are taken
    assert push_via(http, a, *ops(trail(2))) == ["applied"] * 2
    if path is not None:  # the operator puts the file right: taken up without a restart
        path.unlink(missing_ok=True)
        create(path)
        r = http.put(
            "/api/v1/audit-key", json={"key": KEY.hex(), "from_seq": 1}, headers=a["headers"]
        )
        assert r.json() == {"status": "registered", "from_seq": 1}


def test_a_wrong_secret_changes_nothing_and_the_macs_are_checked_once_it_is_back(
    hub_at: Hub, tmp_path: Path
) -> None:
    a = hub_at.device("100001")
    assert put_key(hub_at, a, KEY).status_code == 200
    records = trail(5)
    assert push(hub_at, a, *ops(records[:2])) == ["applied"] * 2
    (tmp_path / "wrong.key").write_bytes(OTHER)
    wrong = app_with(hub_at, HubSecret(tmp_path / "wrong.key"))
    restoring = hub_at.device("100001")
    r = wrong.get("/api/v1/audit-key", headers=restoring["headers"])
    assert r.status_code == 503 and "主密钥与加密该中心审计密钥时所用的不一致" in r.text
    assert wrong.put(  # the same key offered again: nothing to seal or open
        "/api/v1/audit-key", json={"key": KEY.hex(), "from_seq": 1}, headers=a["headers"]
    ).json() == {"status": "unchanged", "from_seq": 1}
    forged = dict(records[2], mac="0" * 64)  # a record the key did not seal, while unchecked
    assert push_via(wrong, a, *ops([forged, records[3]], first=3)) == ["applied"] * 2
    with hub_at.sessions() as s:
        assert s.scalars(select(HubAuditChain.mac_pending_from)).one() == 3
        assert s.scalars(select(HubConflict)).all() == []
        (row,) = s.scalars(select(HubAuditKey)).all()
        assert row.retired_at is None
    # the right secret again: the next push checks what came meanwhile
    assert push(hub_at, a, *ops(records[4:], first=5)) == ["applied"]
    with hub_at.sessions() as s:
        assert s.scalars(select(HubAuditChain.mac_pending_from)).one() is None
        found = [c.message for c in s.scalars(select(HubConflict))]
    assert len(found) == 1 and "第 3 条" in found[0] and "校验码与本中心密钥不符" in found[0]
