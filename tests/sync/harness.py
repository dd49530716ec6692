"""Harness for sync tests and benchmarks (not part of the product): a hub in-process or as a process, centre databases, synthetic busy-centre work."""

from __future__ import annotations

import hashlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from keyring.backend import KeyringBackend
from sqlalchemy import insert, select

from app.db.models import (
    Case,
    CaseEvent,
    Centre,
    Matter,
    OutboxOp,
    Resident,
    SequenceCounter,
    Ticket,
    User,
)
from app.db.types import new_id
from app.services.context import ServiceContext
from app.services.uow import UnitOfWork
from app.sync.apply import jsonable

# Stored as the enum member names, as the counter services store them.
EVENT_CHAIN = ["RECEIVE", "ROUTE", "DEPARTMENT_ACCEPT", "APPROVE", "NOTIFY_READY", "DELIVER"]
STATUS_AFTER = {
    "RECEIVE": "RECEIVED",
    "ROUTE": "ROUTED",
    "DEPARTMENT_ACCEPT": "ACCEPTED_BY_DEPARTMENT",
    "APPROVE": "APPROVED",
    "NOTIFY_READY": "READY_FOR_COLLECTION",
    "DELIVER": "DELIVERED",
}


def asgi_transport(app: Any) -> httpx.BaseTransport:
    """A synchronous httpx transport that calls the FastAPI app in-process."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    return TestClient(app, base_url="http://hub.test")._transport


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hub_secret_file(db: str) -> Path:
    """The master secret of a test hub: $ONEWINDOW_HUB_SECRET_FILE (the hub and sync tests set one
    per test), else one per database under the temp folder (benchmarks), made once."""
    from app.hub.secret import ENV, create

    raw = os.environ.get(ENV)
    if raw:
        path = Path(raw)
    else:
        digest = hashlib.sha256(db.encode()).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / "onewindow-hub-secrets" / f"{digest}.key"
    create(path)
    return path


def start_hub_process(
    db: str,
    port: int,
    workers: int = 1,
    wait: float = 20.0,
    stderr: Any = None,
    secret_file: Path | None = None,
) -> subprocess.Popen[bytes]:
    """`onewindow-hub serve` as a real process on 127.0.0.1:`port`, returned once /health answers;
    `stderr` (a file) captures its log; `secret_file`: its master secret (default:
    hub_secret_file)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.hub.cli",
            "--db",
            db,
            "--secret-file",
            str(secret_file or hub_secret_file(db)),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        stderr=stderr,
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("hub did not start")


def new_centre(url: str, code: str = "990101") -> ServiceContext:
    """A migrated, seeded centre database whose demo centre has `code`."""
    from sqlalchemy import update

    from app.services.setup import initialise

    ctx = ServiceContext.for_url(url)
    initialise(ctx)
    with ctx.uow() as uow:
        uow.session.execute(update(Centre).values(code=code))
    return ctx


def _payload(table: Any, row: dict[str, Any]) -> dict[str, Any]:
    return {c.key: jsonable(row.get(c.key)) for c in table.columns}


class WorkMaker:
    """Writes synthetic tickets, residents, cases and events plus their outbox rows, fast (Core inserts)."""

    def __init__(self, ctx: ServiceContext, seed: int = 1) -> None:
        self.ctx = ctx
        self.rnd = random.Random(seed)
        with ctx.uow(read_only=True) as uow:
            s = uow.session
            self.centre_id = s.scalars(select(Centre.id)).first()
            self.clerk_id = s.scalars(select(User.id).where(User.role == "clerk")).first()
            m = s.execute(
                select(Matter.id, Matter.code, Matter.version, Matter.department)
                .where(Matter.current.is_(True))
                .limit(20)
            ).all()
        self.matters = list(m)

    def _outbox(
        self, uow: UnitOfWork, items: list[tuple[str, uuid.UUID, dict[str, Any]]], now: datetime
    ) -> None:
        s = uow.session
        counter = s.scalars(
            select(SequenceCounter).where(SequenceCounter.scope == "outbox")
        ).first()
        if counter is None:
            counter = SequenceCounter(id=new_id(), scope="outbox", value=0)
            s.add(counter)
            s.flush()
        base = counter.value
        counter.value = base + len(items)
        rows = [
            {
                "id": new_id(),
                "seq": base + i + 1,
                "op_id": new_id(),
                "entity": e,
                "entity_id": eid,
                "op": "upsert",
                "payload": p,
                "created_at": now,
                "sent_at": None,
            }
            for i, (e, eid, p) in enumerate(items)
        ]
        for i in range(0, len(rows), 5000):
            s.execute(insert(OutboxOp), rows[i : i + 5000])

    def day(
        self, when: datetime, tickets: int, cases: int, events_per_case: int = 5
    ) -> dict[str, int]:
        """One business day's work in one transaction per call."""
        items: list[tuple[str, uuid.UUID, dict[str, Any]]] = []
        t_rows, r_rows, c_rows, e_rows = [], [], [], []
        day = when.date()
        tag = uuid.uuid4().hex[:6]
        for i in range(tickets):
            tid = new_id()
            t = {
                "id": tid,
                "centre_id": self.centre_id,
                "business_date": day,
                "service_group": "G" + tag,
                "seq": i + 1,
                "number": f"A{i + 1:03d}",
                "priority": "normal",
                "appointment": False,
                "status": "done",
                "issued_at": when,
                "called_at": when,
                "serving_at": when,
                "finished_at": when,
                "counter_id": None,
                "clerk_id": self.clerk_id,
                "recall_count": 0,
                "front": False,
                "target_counter_id": None,
                "resident_id": None,
                "comment": "",
            }
            t_rows.append(t)
            items.append(("ticket", tid, _payload(Ticket.__table__, t)))
        for _ in range(cases):
            rid = new_id()
            r = {
                "id": rid,
                "id_kind": "居民身份证",
                "id_number": f"T{rid.hex[:17]}",
                "name": "测试居民",
                "sex": "",
                "birth_date": None,
                "phone": "",
                "address": "",
                "community": "",
                "grid": "",
                "created_at": when,
                "updated_at": when,
            }
            r_rows.append(r)
            items.append(("resident", rid, _payload(Resident.__table__, r)))
            m = self.rnd.choice(self.matters)
            cid = new_id()
            n = events_per_case
            c = {
                "id": cid,
                "case_number": f"C{cid.hex[:20]}",
                "verification_code": "1234",
                "centre_id": self.centre_id,
                "matter_id": m[0],
                "matter_code": m[1],
                "catalogue_version": m[2],
                "resident_id": rid,
                "agent_id": None,
                "agent_relationship": "",
                "clerk_id": self.clerk_id,
                "counter_id": None,
                "ticket_id": None,
                "status": STATUS_AFTER[EVENT_CHAIN[n - 1]],
                "received_at": when,
                "due_date": day + timedelta(days=20),
                "paused_days": 0,
                "routed_department": m[3],
                "co_departments": [],
                "form_data": {"备注": "x" * 40},
                "decision_note": "",
                "updated_at": when,
                "created_at": when,
            }
            c_rows.append(c)
            items.append(("case_file", cid, _payload(Case.__table__, c)))
            for k in range(n):
                ev = EVENT_CHAIN[k]
                eid = new_id()
                e = {
                    "id": eid,
                    "case_id": cid,
                    "seq": k + 1,
                    "event_type": ev,
                    "status_after": STATUS_AFTER[ev],
                    "at": when,
                    "actor_id": self.clerk_id,
                    "actor_name": "王晓燕",
                    "origin": "centre",
                    "centre_id": self.centre_id,
                    "counter_id": None,
                    "note": "",
                    "detail": {"k": k},
                }
                e_rows.append(e)
                items.append(("case_event", eid, _payload(CaseEvent.__table__, e)))
        with self.ctx.uow() as uow:
            s = uow.session
            for table, rows in (
                (Ticket, t_rows),
                (Resident, r_rows),
                (Case, c_rows),
                (CaseEvent, e_rows),
            ):
                for i in range(0, len(rows), 5000):
                    if rows:
                        s.execute(insert(table), rows[i : i + 5000])
            self._outbox(uow, items, when)
        return {"tickets": tickets, "cases": cases, "events": len(e_rows), "ops": len(items)}

    def days(
        self, n: int, tickets: int, cases: int, events_per_case: int = 5, start: date | None = None
    ) -> int:
        start_dt = datetime.combine(
            start or date(2026, 10, 1), datetime.min.time(), UTC
        ) + timedelta(hours=1)
        return sum(
            self.day(start_dt + timedelta(days=d), tickets, cases, events_per_case)["ops"]
            for d in range(n)
        )


class FileKeyring(KeyringBackend):
    """A keyring backend for child processes in tests: secrets in the JSON file $ONEWINDOW_TEST_KEYRING.
    Select it with PYTHON_KEYRING_BACKEND=tests.sync.harness.FileKeyring (never in production)."""

    priority = 1

    def _path(self) -> Any:
        import os
        from pathlib import Path

        return Path(os.environ["ONEWINDOW_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        import json

        p = self._path()
        return json.loads(p.read_text()) if p.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}|{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        import json

        data = self._load()
        data[f"{service}|{username}"] = password
        self._path().write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        import json

        data = self._load()
        data.pop(f"{service}|{username}", None)
        self._path().write_text(json.dumps(data))


@pytest.fixture(autouse=True)
def hub_secret(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's hubs (in-process and processes) seal audit keys with a master secret of its own."""
    from app.hub.secret import ENV, create

    path = tmp_path_factory.mktemp("hub-secret") / "hub.secret"
    create(path)
    monkeypatch.setenv(ENV, str(path))
    return path
