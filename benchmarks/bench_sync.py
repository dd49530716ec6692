"""Sync benchmarks: hub ingest vs raw executemany, a busy centre's 30 days offline, 200 centres at once.

Run: .venv/bin/python benchmarks/bench_sync.py [--only ingest|offline|many] [--scale 0.1]
(or `python -m benchmarks.bench_sync`, or `bash packaging/bootstrap.sh bench bench_sync`). PostgreSQL
from $ONEWINDOW_TEST_PG_URL; the benchmark makes its own databases, temporary files and keyring.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: tests' harness

import httpx
import keyring
import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app import __version__
from app.db.models import OutboxOp
from app.hub.admin import ensure_centre, new_enrol_code, token_hash
from app.hub.db import hub_engine, hub_sessions, upgrade
from app.hub.models import HubChange, HubDevice
from app.sync import protocol as P
from app.sync.agent import SyncAgent
from app.sync.client import op_json
from app.sync.enrol import enrol
from benchmarks.stats import cpu_seconds, pg_database, postgres_cpu_seconds, uptime
from tests.sync.harness import FileKeyring, WorkMaker, free_port, new_centre, start_hub_process

HEADERS = {
    P.H_PROTOCOL: "1",
    P.H_APP: __version__,
    P.H_SCHEMA: "0001",
    P.H_CATALOGUE: "",
    "Content-Type": "application/json",
    "Content-Encoding": "gzip",
}


class Hub:
    def __init__(self, db: str, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = start_hub_process(db, self.port, workers)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(20)


def run_together(threads: list[threading.Thread]) -> float:
    """Start all, wait for all; the seconds that took."""
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def device_tokens(sessions: Any, n: int, prefix: str) -> list[str]:
    tokens = []
    with sessions.begin() as s:
        for i in range(n):
            centre = ensure_centre(s, f"{prefix}{i:04d}")
            tok = secrets.token_urlsafe(24)
            s.add(HubDevice(centre_id=centre.id, token_hash=token_hash(tok), name=f"bench{i}"))
            tokens.append(tok)
    return tokens


def centre_ops(tmp: Path, days: int, tickets: int, cases: int, events: int) -> list[bytes]:
    ctx = new_centre(f"sqlite:///{(tmp / f'ops-{uuid.uuid4().hex[:6]}.db').as_posix()}", "880001")
    WorkMaker(ctx).days(days, tickets, cases, events)
    with ctx.uow(read_only=True) as uow:
        rows = uow.session.execute(
            select(
                OutboxOp.seq,
                OutboxOp.op_id,
                OutboxOp.entity,
                OutboxOp.entity_id,
                OutboxOp.op,
                OutboxOp.payload,
                OutboxOp.created_at,
            ).order_by(OutboxOp.seq)
        ).all()
    ctx.close()
    # the centre's own windows are left out: every benchmark centre pushes these same ops (one
    # template), which the hub would rightly refuse as another centre's windows
    return [op_json(*r) for r in rows if r[2] != "counter"]


def settle(post: Any, body: bytes, sent: Future[httpx.Response]) -> None:
    r = sent.result()
    if r.status_code == 409:
        r = post(content=body)
    r.raise_for_status()


def bench_ingest(
    server: str, ops: list[bytes], centres: int, workers: int, rounds: int, batch: int
) -> dict[str, Any]:
    """The same ops pushed by `centres` centres at once (each in order, `batch` a batch, two in
    flight) vs one executemany per `batch` rows into a plain table of the same database; `rounds`
    fresh databases, each timing both, so the ratio's two sides share the machine's state of the
    moment."""
    hub_rates, raw_rates, ratios = [], [], []
    for _ in range(rounds):
        hub_s, raw_s = _ingest_round(server, ops, centres, workers, batch)
        hub_rates.append(len(ops) / hub_s)
        raw_rates.append(len(ops) / raw_s)
        ratios.append(raw_s / hub_s)
    return {
        "ops": len(ops),
        "centres": centres,
        "workers": workers,
        "batch": batch,
        "rounds": rounds,
        "hub_ops_per_s": round(statistics.median(hub_rates)),
        "raw_rows_per_s": round(statistics.median(raw_rates)),
        "ratio": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
    }


def _ingest_round(
    server: str, ops: list[bytes], centres: int, workers: int, batch: int
) -> tuple[float, float]:
    db, drop_db = pg_database(server)
    try:
        engine = hub_engine(db)
        upgrade(engine)
        tokens = device_tokens(hub_sessions(engine), centres, "77")
        hub = Hub(db, workers=workers)
        share = (len(ops) + centres - 1) // centres

        def pack(part: list[bytes]) -> list[bytes]:
            """Batches of `batch` (the floor's rows per commit), each naming the last seq of the one
            before, as the agent sends them."""
            out, after = [], b""
            for i in range(0, len(part), batch):
                chunk = part[i : i + batch]
                out.append(gzip.compress(b'{"ops":[' + b",".join(chunk) + b"]" + after + b"}", 1))
                after = b',"after_seq":' + str(json.loads(chunk[-1])["seq"]).encode()
            return out

        def push(token: str, bodies: list[bytes]) -> None:
            """Up to two batches in flight, as the centre's agent sends them (app/sync/agent.py); one
            that overtook its predecessor (409) is sent again once that one is acknowledged."""
            headers = {**HEADERS, "Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=hub.url, timeout=120) as http, ThreadPoolExecutor(2) as pool:
                post = partial(http.post, "/api/v1/push", headers=headers)
                inflight: deque[tuple[bytes, Future[httpx.Response]]] = deque()
                for body in bodies:
                    inflight.append((body, pool.submit(post, content=body)))
                    if len(inflight) == 2:
                        settle(post, *inflight.popleft())
                while inflight:
                    settle(post, *inflight.popleft())

        packed = [
            pack(ops[k * share : (k + 1) * share]) for k in range(centres)
        ]  # before the clock starts
        hub_s = run_together(
            [threading.Thread(target=push, args=(t, packed[k])) for k, t in enumerate(tokens)]
        )
        hub.stop()
        # the same rows, raw: one executemany per batch into a plain table in the same database
        rows = [json.loads(o) for o in ops]
        with psycopg.connect(
            make_url(db).set(drivername="postgresql").render_as_string(False)
        ) as conn:
            conn.execute(
                "CREATE TABLE raw_ops (op_id uuid PRIMARY KEY, entity text, entity_id uuid, "
                "op text, payload json, seq bigint)"
            )
            conn.commit()
            t0 = time.perf_counter()
            with conn.cursor() as cur:
                for i in range(0, len(rows), batch):
                    cur.executemany(
                        "INSERT INTO raw_ops VALUES (%s, %s, %s, %s, %s, %s)",
                        [
                            (
                                r["op_id"],
                                r["entity"],
                                r["entity_id"],
                                r["op"],
                                json.dumps(r["payload"]),
                                r["seq"],
                            )
                            for r in rows[i : i + batch]
                        ],
                    )
                    conn.commit()
            raw_s = time.perf_counter() - t0
        engine.dispose()
    finally:
        drop_db()
    return hub_s, raw_s


def bench_offline(
    server: str, tmp: Path, scale: float, rounds: int = 3, workers: int = 1
) -> dict[str, Any]:
    """A busy centre's 30 days offline (≈30 k tickets, 20 k cases, 100 k events, 20 k residents)
    brought fully in sync by one `SyncAgent.run_once()` over loopback; `rounds` fresh centres and hubs."""
    load_before = uptime()
    runs = [_offline_round(server, tmp / f"round{k}", scale, workers) for k in range(rounds)]
    times = sorted(r["sync_s"] for r in runs)
    n = runs[0]["ops"]
    return {
        "ops": n,
        "rounds": rounds,
        "generate_s": runs[0]["generate_s"],
        "sync_s_median": statistics.median(times),
        "sync_s_all": times,
        "records_per_s_median": round(n / statistics.median(times)),
        # CPU seconds of each side during each round's sync, in the order the rounds ran: where
        # the time goes, and whether a slow round did more work or got less of the machine
        "cpu_s": [r["cpu_s"] for r in runs],
        "sync_s_in_order": [r["sync_s"] for r in runs],
        "load": [load_before, uptime()],
    }


def _offline_round(server: str, tmp: Path, scale: float, workers: int) -> dict[str, Any]:
    tmp.mkdir(parents=True, exist_ok=True)
    db, drop_db = pg_database(server)
    try:
        engine = hub_engine(db)
        upgrade(engine)
        sessions = hub_sessions(engine)
        hub = Hub(db, workers=workers)
        ctx = new_centre(f"sqlite:///{(tmp / 'busy.db').as_posix()}", "880002")
        with sessions.begin() as s:
            code = new_enrol_code(s, "880002", datetime.now(UTC))
        try:
            enrol(ctx, hub.url, code)
            t0 = time.perf_counter()
            WorkMaker(ctx).days(30, int(1000 * scale), int(667 * scale), 5)
            gen_s = time.perf_counter() - t0
            before = (time.process_time(), cpu_seconds(hub.proc.pid), postgres_cpu_seconds())
            t0 = time.perf_counter()
            report = SyncAgent(ctx).run_once()
            sync_s = time.perf_counter() - t0
            after = (time.process_time(), cpu_seconds(hub.proc.pid), postgres_cpu_seconds())
            cpu = dict(
                zip(
                    ("centre", "hub", "postgresql"),
                    (round(b - a, 2) for a, b in zip(before, after, strict=True)),
                    strict=True,
                )
            )
            assert report.ok, report.error
        finally:
            hub.stop()
        with ctx.uow(read_only=True) as uow:
            queued = uow.session.scalar(select(func.count()).select_from(OutboxOp))
        with (
            sessions() as s
        ):  # fully in sync: every op queued at the centre is at the hub exactly once
            arrived = s.scalar(
                select(func.count(func.distinct(HubChange.op_id))).where(
                    HubChange.op_id.is_not(None)
                )
            )
            rows = s.scalar(
                select(func.count()).select_from(HubChange).where(HubChange.op_id.is_not(None))
            )
        assert arrived == rows == queued == report.pushed, (arrived, rows, queued, report.pushed)
        ctx.close()
        engine.dispose()
    finally:
        drop_db()
    return {
        "ops": report.pushed,
        "generate_s": round(gen_s, 1),
        "sync_s": round(sync_s, 2),
        "cpu_s": cpu,
    }


def bench_many(
    server: str, tmp: Path, centres: int, batches: int, per_batch: int, workers: int
) -> dict[str, Any]:
    ops = centre_ops(tmp, 1, per_batch, 0, 1)[:per_batch]
    db, drop_db = pg_database(server)
    try:
        engine = hub_engine(db)
        upgrade(engine)
        tokens = device_tokens(hub_sessions(engine), centres, "66")
        hub = Hub(db, workers=workers)
        lat: list[float] = []
        errors: list[str] = []
        start = threading.Barrier(centres)

        def centre(token: str) -> None:
            headers = {**HEADERS, "Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=hub.url, timeout=120) as http:
                start.wait()
                for b in range(batches):
                    batch = [json.loads(o) for o in ops]
                    for i, o in enumerate(batch):
                        o["op_id"], o["entity_id"], o["seq"] = (
                            str(uuid.uuid4()),
                            str(uuid.uuid4()),
                            b * per_batch + i + 1,
                        )
                    body = gzip.compress(json.dumps({"ops": batch}).encode(), 5)
                    t0 = time.perf_counter()
                    try:
                        r = http.post("/api/v1/push", content=body, headers=headers)
                        if r.status_code != 200:
                            errors.append(f"{r.status_code} {r.text[:100]}")
                    except httpx.HTTPError as exc:
                        errors.append(repr(exc))
                    lat.append(time.perf_counter() - t0)

        wall = run_together([threading.Thread(target=centre, args=(t,)) for t in tokens])
        hub.stop()
        engine.dispose()
    finally:
        drop_db()
    lat.sort()
    return {
        "centres": centres,
        "requests": len(lat),
        "errors": len(errors),
        "first_errors": errors[:3],
        "ops": centres * batches * per_batch,
        "wall_s": round(wall, 2),
        "p50_ms": round(lat[len(lat) // 2] * 1000),
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument(
        "--pg",
        default=os.environ.get(
            "ONEWINDOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    p.add_argument("--only", choices=["ingest", "offline", "many"])
    p.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the full sizes (quick runs: 0.1)"
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="fresh databases timed for the ingest and offline figures, the median reported",
    )
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers for the 200-centre run")
    p.add_argument(
        "--batch",
        type=int,
        nargs="+",
        default=[P.MAX_BATCH_OPS, P.BASE_BATCH_OPS],
        help="ops per push batch (and rows per commit of the floor) of the ingest figures: what "
        "an agent sends this hub, and the base size every hub takes",
    )
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # the centres' audit keys and device tokens go to a file of this run, never the OS keyring
        os.environ["ONEWINDOW_TEST_KEYRING"] = str(Path(tmp) / "keyring.json")
        keyring.set_keyring(FileKeyring())
        if args.only in (None, "ingest"):
            ops = centre_ops(Path(tmp), 20, int(200 * args.scale), int(130 * args.scale), 5)
            for batch in args.batch:
                for centres, workers in ((1, 1), (4, 2)):
                    result = bench_ingest(args.pg, ops, centres, workers, args.rounds, batch)
                    print("ingest", json.dumps(result), flush=True)
        if args.only in (None, "offline"):
            print(
                "offline",
                json.dumps(bench_offline(args.pg, Path(tmp), args.scale, args.rounds)),
                flush=True,
            )
        if args.only in (None, "many"):
            print(
                "many",
                json.dumps(bench_many(args.pg, Path(tmp), 200, 3, 100, args.workers)),
                flush=True,
            )


if __name__ == "__main__":
    main()
