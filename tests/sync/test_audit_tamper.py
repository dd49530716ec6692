"""Tampering with the audit trail at a centre is found by `onewindow audit verify` AND by the hub.

A real hub process over HTTP (PostgreSQL, and SQLite); a centre enrols (its audit key goes to the
hub), works and syncs; then, with sqlite3 on the centre's file, an intruder changes a record,
rewrites one with every later hash recomputed (no key needed for SHA-256), deletes one or inserts
one — in the trail and in the queued copies that are still to go. Each is named, at its first
broken number, by the centre's `audit verify` and by the hub's `audit_chain` conflict, which the
district's administrators list and the centre pulls.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app import __version__
from app.cli import main
from app.domain.audit_chain import CHANGED, DELETED, INSERTED, KIND_TEXT, entry_hash, verify_chain
from app.hub.admin import add_staff, new_enrol_code
from app.hub.audit_trail import entry
from app.hub.db import hub_engine, hub_sessions, upgrade
from app.hub.models import HubAudit, HubAuditKey, HubChange, HubConflict
from app.hub.secret import sealer_of
from app.services.audit_keys import audit_key, forget_cached_keys
from app.services.centre import CentreService
from app.services.context import ServiceContext
from app.sync import protocol as P
from app.sync.agent import SyncAgent
from app.sync.conflicts import list_conflicts
from app.sync.enrol import enrol
from tests.sync.harness import free_port, new_centre, start_hub_process

pytestmark = [pytest.mark.slow]
VERSIONS = {P.H_PROTOCOL: "1", P.H_APP: __version__, P.H_SCHEMA: "0001", P.H_CATALOGUE: ""}


class HubProc:
    """A hub process on a loopback port, its database, and an administrator's token."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.engine = hub_engine(db)
        upgrade(self.engine)
        self.sessions = hub_sessions(self.engine)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = start_hub_process(db, port)
        self.http = httpx.Client(base_url=self.url, timeout=30)
        with self.sessions.begin() as s:
            add_staff(s, "root", "区管理员", "admin", "root-pw-1")
        token = self.http.post(
            "/api/v1/staff/login", json={"username": "root", "password": "root-pw-1"}
        ).json()["token"]
        self.admin = {"Authorization": f"Bearer {token}"}

    def code(self, centre: str) -> str:
        with self.sessions.begin() as s:
            return new_enrol_code(s, centre, datetime.now(UTC))

    def alarms(self, kind: str = "audit_chain") -> list[str]:
        listed = self.http.get("/api/v1/admin/conflicts", headers=self.admin).json()
        return [c["message"] for c in listed if c["kind"] == kind]

    def close(self) -> None:
        self.http.close()
        self.proc.kill()
        self.proc.wait(10)
        self.engine.dispose()


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.pg), "sqlite"])
def hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HubProc]:
    if request.param == "postgresql":
        db = str(request.getfixturevalue("pg_url"))
    else:
        db = f"sqlite:///{(tmp_path / 'hub.db').as_posix()}"
    h = HubProc(db)
    yield h
    h.close()


def _centre(tmp_path: Path, hub: HubProc, code: str = "990101") -> tuple[ServiceContext, str]:
    path = tmp_path / f"centre-{code}-{uuid.uuid4().hex[:6]}.db"
    url = f"sqlite:///{path.as_posix()}"
    ctx = new_centre(url, code)
    enrol(ctx, hub.url, hub.code(code))
    return ctx, url


def _work(ctx: ServiceContext, n: int) -> None:
    for _ in range(n):
        CentreService(ctx).sign_in("clerk1", "onewindow")


def _sync(ctx: ServiceContext) -> Any:
    report = SyncAgent(ctx).run_once()
    assert report.ok, report.error
    return report


# --- the intruder, with sqlite3 on the centre's file --------------------------------------------


def _queued(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The audit records still to go, as queued (in their order)."""
    rows = conn.execute(
        "SELECT payload FROM outbox WHERE entity = 'audit_record' AND sent_at IS NULL ORDER BY seq"
    ).fetchall()
    return [json.loads(r[0]) for r in rows]


def _rewrite(conn: sqlite3.Connection, p: dict[str, Any]) -> None:
    """Record `p` (by number) as the intruder wants it, in the trail and in its queued copy."""
    conn.execute(
        "UPDATE audit_record SET result = ?, prev_hash = ?, hash = ?, mac = ? WHERE seq = ?",
        (p["result"], p["prev_hash"], p["hash"], p["mac"], p["seq"]),
    )
    conn.execute(
        "UPDATE outbox SET payload = ? WHERE entity = 'audit_record' "
        "AND json_extract(payload, '$.seq') = ?",
        (json.dumps(p, ensure_ascii=False), p["seq"]),
    )


def _copy_row(conn: sqlite3.Connection, table: str, where: str, arg: Any, **values: Any) -> None:
    cur = conn.execute(f"SELECT * FROM {table} WHERE {where}", (arg,))
    names = [d[0] for d in cur.description]
    row = dict(zip(names, cur.fetchone(), strict=True)) | values
    marks = ", ".join("?" for _ in names)
    conn.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", list(row.values()))


def tamper(path: Path, attack: str) -> tuple[int, str]:
    """Do `attack` to the records still queued; returns (first broken number, kind expected)."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            return _tamper(conn, attack)
    finally:
        conn.close()


def _tamper(conn: sqlite3.Connection, attack: str) -> tuple[int, str]:
    queued = _queued(conn)
    assert len(queued) >= 3
    first = queued[0]
    if attack == "changed":  # a refusal recorded as a success, its hash left as it was
        _rewrite(conn, {**first, "result": "refused"})
        return first["seq"], CHANGED
    if attack == "rewritten":  # the same, and every hash from there on recomputed (no key)
        prev = first["prev_hash"]
        for i, p in enumerate(queued):
            forged = {**p, "result": "refused"} if i == 0 else dict(p)
            forged["prev_hash"] = prev
            forged["hash"] = prev = entry_hash(entry(forged), prev)
            _rewrite(conn, forged)
        # the hub's old check (hashes, links, numbers; no key) would have taken this
        sound = verify_chain(
            [entry(p) for p in _queued(conn)],
            None,
            after_seq=first["seq"] - 1,
            after_hash=first["prev_hash"],
        )
        assert sound.ok
        return first["seq"], INSERTED
    if attack == "deleted":
        conn.execute("DELETE FROM audit_record WHERE seq = ?", (first["seq"],))
        conn.execute(
            "DELETE FROM outbox WHERE entity = 'audit_record' "
            "AND json_extract(payload, '$.seq') = ?",
            (first["seq"],),
        )
        return first["seq"], DELETED
    assert attack == "inserted"  # a made-up record after the last, its hash right, no key
    last = queued[-1]
    new_id = uuid.uuid4()
    fake = {**last, "id": str(new_id), "seq": last["seq"] + 1, "prev_hash": last["hash"]}
    fake["result"] = "ok"
    fake["hash"] = entry_hash(entry(fake), last["hash"])
    fake["mac"] = uuid.uuid4().hex * 2
    _copy_row(
        conn,
        "audit_record",
        "seq = ?",
        last["seq"],
        id=new_id.hex,
        seq=fake["seq"],
        prev_hash=fake["prev_hash"],
        hash=fake["hash"],
        mac=fake["mac"],
    )
    top = conn.execute("SELECT max(seq) FROM outbox").fetchone()[0]
    _copy_row(
        conn,
        "outbox",
        "entity = 'audit_record' AND json_extract(payload, '$.seq') = ?",
        last["seq"],
        id=uuid.uuid4().hex,
        seq=top + 1,
        op_id=uuid.uuid4().hex,
        entity_id=new_id.hex,
        payload=json.dumps(fake, ensure_ascii=False),
    )
    return fake["seq"], INSERTED


@pytest.mark.parametrize("attack", ["changed", "rewritten", "deleted", "inserted"])
def test_tampering_is_found_at_the_centre_and_at_the_hub(
    tmp_path: Path, hub: HubProc, attack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx, url = _centre(tmp_path, hub)
    with hub.sessions() as s:  # the key reached the hub at enrolment
        (held,) = s.scalars(select(HubAuditKey)).all()
        assert _opened(s, held) == audit_key(ctx.engine)
    _work(ctx, 3)
    _sync(ctx)
    assert hub.alarms() == []
    assert main(["--db", url, "audit", "verify"]) == 0
    _work(ctx, 3)  # the next records, still queued when the intruder comes
    path = Path(url.removeprefix("sqlite:///"))
    seq, kind = tamper(path, attack)
    where = f"第 {seq} 条：{KIND_TEXT[kind]}"

    capsys.readouterr()
    assert main(["--db", url, "audit", "verify"]) == 4
    assert f"第一处：{where}" in capsys.readouterr().err

    report = _sync(ctx)  # the tampered records travel
    assert report.conflicts >= 1
    found = hub.alarms()
    assert found and found[0].startswith(f"审计记录链校验未通过，{where}"), found
    with hub.sessions() as s:  # kept as they came, flagged
        assert s.scalar(select(HubConflict.kind).where(HubConflict.kind == "audit_chain"))
    _sync(ctx)  # the centre hears of it
    pulled = [c for c in list_conflicts(ctx) if c.kind == "audit_chain"]
    assert any(where in c.message for c in pulled), pulled
    ctx.close()


def _put(hub: HubProc, token: str, body: Any, raw: bytes | None = None) -> httpx.Response:
    headers = {**VERSIONS, "Authorization": f"Bearer {token}"}
    if raw is not None:
        return hub.http.put(
            "/api/v1/audit-key",
            content=raw,
            headers={**headers, "Content-Type": "application/json"},
        )
    return hub.http.put("/api/v1/audit-key", json=body, headers=headers)


def _device(hub: HubProc, centre: str) -> dict[str, Any]:
    r = hub.http.post(
        "/api/v1/enrol", json={"code": hub.code(centre), "device_name": "t"}, headers=VERSIONS
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def _opened(s: Any, k: HubAuditKey) -> bytes:
    """A key as the hub holds it, opened with the test's master secret (kept sealed)."""
    return sealer_of(s).open(k.centre_id, k.from_seq, k.key_sealed)


def _keys(hub: HubProc) -> list[tuple[str, int, str, bool]]:
    with hub.sessions() as s:
        return sorted(
            (str(k.centre_id), k.from_seq, _opened(s, k).hex(), k.retired_at is None)
            for k in s.scalars(select(HubAuditKey))
        )


def test_a_key_is_registered_once_and_never_overwritten(hub: HubProc) -> None:
    a1, b = _device(hub, "100001"), _device(hub, "100002")
    key_a, key_b = "a1" * 32, "b2" * 32
    r = _put(hub, a1["token"], {"key": key_a, "from_seq": 1})
    assert r.status_code == 200 and r.json() == {"status": "registered", "from_seq": 1}
    r = _put(hub, a1["token"], {"key": key_a, "from_seq": 1})  # again: nothing changes
    assert r.status_code == 200 and r.json()["status"] == "unchanged"
    before = _keys(hub)

    # another device of the same centre with another key: refused, listed, nothing replaced
    a2 = _device(hub, "100001")
    r = _put(hub, a2["token"], {"key": "c3" * 32, "from_seq": 5})
    assert r.status_code == 409 and "不一致" in r.json()["detail"]
    assert _keys(hub) == before
    assert hub.alarms("audit_key")
    pulled = hub.http.get(
        "/api/v1/pull?cursor=0", headers={**VERSIONS, "Authorization": f"Bearer {a1['token']}"}
    ).json()["changes"]
    assert any(
        c["entity"] == "sync_conflict" and c["payload"]["kind"] == "audit_key" for c in pulled
    )

    # a second centre's device registers for its own centre only: it cannot name another
    r = _put(hub, b["token"], {"key": key_a, "from_seq": 1, "centre_code": "100001"})
    assert r.status_code == 422 and _keys(hub) == before
    r = _put(hub, b["token"], {"key": key_b, "from_seq": 1})
    assert r.status_code == 200
    after = _keys(hub)
    assert [k for k in after if k[0] == a1["centre_id"]] == before
    assert [k[2] for k in after if k[0] == b["centre_id"]] == [key_b]

    # the key goes back only to a new device of the same centre (a restore), never to another's
    got = hub.http.get(
        "/api/v1/audit-key", headers={**VERSIONS, "Authorization": f"Bearer {a2['token']}"}
    )
    assert got.status_code == 200 and got.json() == {"key": key_a, "from_seq": 1}
    got = hub.http.get(
        "/api/v1/audit-key", headers={**VERSIONS, "Authorization": f"Bearer {b['token']}"}
    )
    assert got.json()["key"] == key_b
    assert hub.http.get("/api/v1/audit-key", headers=VERSIONS).status_code == 401

    # a district administrator's reset (audited) lets the centre register a new key, later on
    r = hub.http.post("/api/v1/admin/centres/100001/audit-key/reset", headers=hub.admin)
    assert r.status_code == 200 and r.json() == {"retired": 1}
    r = _put(hub, a2["token"], {"key": "c3" * 32, "from_seq": 1})
    assert r.status_code == 200 and r.json() == {"status": "registered", "from_seq": 2}
    with hub.sessions() as s:
        actions = set(s.scalars(select(HubAudit.action)))
    assert {"audit_key_registered", "audit_key_refused", "audit_key_reset"} <= actions
    assert {"audit_key_served"} <= actions


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("ab" * 31, None),  # too short
        ("ab" * 33, None),  # too long
        ("zz" * 32, None),  # not hex
        ("AB" * 32, None),  # not as the centre writes it (lower case)
        ("ab" * 31 + "a\x00", None),  # a NUL
        ("a" * 1_100_000, None),  # huge, under the body limit
        ("", b'{"key": "' + b"a" * 1_300_000 + b'", "from_seq": 1}'),  # over it
        (None, b'{"key": 12, "from_seq": 1}'),
        (None, b'{"key": "' + b"ab" * 32 + b'", "from_seq": 0}'),
        (None, b"not json"),
    ],
)
def test_a_malformed_key_is_refused_with_a_clear_message(
    hub: HubProc, key: str | None, raw: bytes | None
) -> None:
    a = _device(hub, "100001")
    r = _put(hub, a["token"], {"key": key, "from_seq": 1}, raw)
    assert 400 <= r.status_code < 500, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail
    if key and raw is None:
        assert P.AUDIT_KEY_WORDS in detail
    assert _keys(hub) == [] and hub.alarms("audit_key") == []


def test_a_restore_takes_the_key_back_and_the_whole_trail_verifies(
    tmp_path: Path, hub: HubProc, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx, _url = _centre(tmp_path, hub)
    _work(ctx, 4)
    _sync(ctx)
    lost_key = audit_key(ctx.engine)
    ctx.close()
    new_url = f"sqlite:///{(tmp_path / 'new-pc.db').as_posix()}"
    capsys.readouterr()
    assert main(["--db", new_url, "restore", "--hub", hub.url, "--code", hub.code("990101")]) == 0
    assert "审计密钥已从区级平台取回" in capsys.readouterr().out
    forget_cached_keys()
    new = ServiceContext.for_url(new_url)
    assert audit_key(new.engine) == lost_key  # from the hub, so every restored MAC checks
    assert main(["--db", new_url, "audit", "verify"]) == 0
    assert "审计链完整" in capsys.readouterr().out
    _sync(new)  # its own records go on the same chain, with the same key
    assert hub.alarms() == [] and hub.alarms("audit_key") == []
    new.close()


def test_a_centre_enrolled_before_gives_its_key_at_its_next_sync_and_the_hub_checks_what_it_holds(
    tmp_path: Path, hub: HubProc, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.sync.agent as agent_module

    url = f"sqlite:///{(tmp_path / 'old.db').as_posix()}"
    ctx = new_centre(url, "990101")
    enrol(ctx, hub.url, hub.code("990101"), offer_audit_key=False)  # as an earlier version did
    with monkeypatch.context() as m:  # an earlier version's sync: no key step
        m.setattr(agent_module, "_register_audit_key", lambda *a: "unsupported")
        _work(ctx, 2)
        _sync(ctx)
        _work(ctx, 3)
        seq, kind = tamper(Path(url.removeprefix("sqlite:///")), "rewritten")
        _sync(ctx)
    assert _keys(hub) == [] and hub.alarms() == []  # hashes and links alone: taken as sound
    _sync(ctx)  # this version: the key goes first, and the hub checks the records it holds
    assert [k[2] for k in _keys(hub)] == [audit_key(ctx.engine).hex()]
    found = hub.alarms()
    assert len(found) == 1 and found[0].startswith(
        f"审计记录链校验未通过，第 {seq} 条：{KIND_TEXT[kind]}"
    )
    _sync(ctx)  # once: nothing offered again, nothing listed again
    assert hub.alarms() == found
    ctx.close()


def test_a_centre_lost_before_it_gave_its_key_restores_and_registers_the_new_one_after_the_range(
    tmp_path: Path,
    hub: HubProc,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import app.sync.agent as agent_module

    ctx = new_centre(f"sqlite:///{(tmp_path / 'old.db').as_posix()}", "990101")
    enrol(ctx, hub.url, hub.code("990101"), offer_audit_key=False)  # an earlier version
    with monkeypatch.context() as m:
        m.setattr(agent_module, "_register_audit_key", lambda *a: "unsupported")
        _work(ctx, 3)
        _sync(ctx)
    ctx.close()
    new_url = f"sqlite:///{(tmp_path / 'new-pc.db').as_posix()}"
    capsys.readouterr()
    assert main(["--db", new_url, "restore", "--hub", hub.url, "--code", hub.code("990101")]) == 0
    assert "只能按哈希与链接核验" in capsys.readouterr().out
    assert main(["--db", new_url, "audit", "verify"]) == 0  # the range by hashes, the rest by key
    new = ServiceContext.for_url(new_url)
    _work(new, 2)
    _sync(new)  # its own key goes to the hub, from the first number it sealed
    with hub.sessions() as s:
        restored = max(
            p["seq"]
            for p in s.scalars(select(HubChange.payload).where(HubChange.entity == "audit_record"))
            if p.get("action") == "centre_restored"
        )
    ((_centre, from_seq, key_hex, _current),) = _keys(hub)
    assert key_hex == audit_key(new.engine).hex() and 1 < from_seq <= restored
    assert hub.alarms() == []  # the lost PC's records are not checked with the new key
    new.close()
