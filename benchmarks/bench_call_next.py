"""Call-next latency and CPU, one window alone and 10 windows calling at once (one process each, as on
real desktops), on SQLite and PostgreSQL, against a floor measured the same way in the same run:
an empty transaction (`SELECT 1` in a unit of work) from the same processes.

On PostgreSQL two paths are measured: `call_next` (one statement and two round trips,
app/services/queue_pg.py) and the general path it replaced there (`_call_next_general`, still
SQLite's), and, for scale, an empty transaction that also waits for a durable COMMIT (fsync).
CPU per call: the window processes' own (client) and their PostgreSQL backends' (server,
from /proc, so only for a local server). While 10 windows call, the backends' wait events are
sampled from pg_stat_activity every few ms: where the time goes.

Run: .venv/bin/python benchmarks/bench_call_next.py   (PostgreSQL when ONEWINDOW_TEST_PG_URL is set)
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter as Tally
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select, text, update

from app.clock import business_date
from app.db.models import Centre, Counter, User
from app.db.types import new_id
from app.services.audit_keys import audit_key
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from app.services.queue import QueueService
from app.services.setup import initialise
from benchmarks.stats import pg_database

WINDOWS = 10
CALLS_PER_WINDOW = 60
SERIAL_CALLS = 200
GROUPS = ("shebao_yibao", "jiuye_chuangye", "minzheng_jiuzhu")
MOMENT = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """One measured case: what ran, how many windows at once, latency and CPU per call (ms)."""

    what: str
    windows: int
    p50: float
    p99: float
    client_cpu: float
    server_cpu: float | None
    waits: tuple[tuple[str, float], ...] = ()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _backend_cpu_s(pid: int | None) -> float | None:
    """User + system CPU seconds of a local process (a PostgreSQL backend), or None."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _window_process(
    url: str, what: str, counter_id: uuid.UUID, clerk: SignedInUser, calls: int, gate: Any, out: Any
) -> None:
    """One window as its own process, as on a real counter desktop: own engine, own interpreter."""
    ctx = ServiceContext.for_url(url, clock=lambda: MOMENT)
    queue = QueueService(ctx)
    backend: int | None = None
    # A desk reads its audit key when the clerk signs in (audited), long before the first call:
    # here too, or each window's first call would carry the keyring lookup (seconds on a machine
    # without a keyring service).
    audit_key(ctx.engine)
    with ctx.uow() as uow:  # open the connection before the clock starts (one per process)
        if ctx.engine.dialect.name == "postgresql":
            backend = int(uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one())
        else:
            uow.session.execute(text("SELECT 1"))
    today = business_date(MOMENT)
    samples: list[tuple[float, str]] = []
    gate.wait()
    cpu0, server0 = time.process_time(), _backend_cpu_s(backend)
    for _ in range(calls):
        t0 = time.perf_counter()
        tid = ""
        if what == "floor":
            with ctx.uow() as uow:
                uow.session.execute(text("SELECT 1"))
        elif what == "durable":  # a transaction id, so COMMIT writes a record and waits for fsync
            with ctx.uow() as uow:
                uow.session.execute(text("SELECT txid_current()"))
        else:
            if what == "general":
                t = queue._call_next_general(counter_id, clerk, today, MOMENT)
            else:
                t = queue.call_next(counter_id, clerk)
            assert t is not None
            tid = str(t.id)
        samples.append(((time.perf_counter() - t0) * 1000, tid))
    cpu = time.process_time() - cpu0
    server1 = _backend_cpu_s(backend)
    server = None if server0 is None or server1 is None else server1 - server0
    ctx.close()
    out.put((samples, cpu, server))


class _WaitSampler(threading.Thread):
    """Tallies what the benchmark's PostgreSQL backends are doing, every few milliseconds."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.engine, self.stop, self.tally = engine, threading.Event(), Tally[str]()

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop.is_set():
                for state, etype, event, query in conn.execute(
                    text(
                        "SELECT state, wait_event_type, wait_event, CASE "
                        "WHEN query LIKE '%pick AS%' THEN 'pick' "
                        "WHEN query LIKE '%WITH o AS%' THEN 'outbox' ELSE '' END "
                        "FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                    )
                ):
                    self.tally[_activity(state, etype, event, query or "")] += 1
                conn.rollback()
                time.sleep(0.003)


def _activity(state: str, etype: str | None, event: str | None, query: str) -> str:
    """A backend's state in words, naming the statement it waits in."""
    if state == "idle":
        return "idle: its window process between calls"
    if state == "idle in transaction":
        return "in a transaction, waiting for its window process"
    where = {"pick": "call-next statement", "outbox": "outbox insert"}.get(query, "other")
    if etype is None:
        return f"running ({where})"
    return f"{etype}: {event} ({where})"


def _measure(
    url: str, what: str, counters: list[uuid.UUID], clerk: SignedInUser, calls: int
) -> Row:
    mp = multiprocessing.get_context("spawn")
    gate = mp.Barrier(len(counters) + 1)
    out = mp.Queue()
    procs = [
        mp.Process(target=_window_process, args=(url, what, c, clerk, calls, gate, out))
        for c in counters
    ]
    for proc in procs:
        proc.start()
    sampler = None
    if url.startswith("postgresql") and len(counters) > 1:
        sampler = _WaitSampler(create_engine(url))
    gate.wait()
    if sampler is not None:
        sampler.start()
    results: list[Any] = []
    while len(results) < len(procs):  # a window that died (its traceback is above) ends the run
        try:
            results.append(out.get(timeout=5))
        except queue_module.Empty:
            if any(p.exitcode not in (None, 0) for p in procs):
                for proc in procs:
                    proc.kill()
                raise RuntimeError(f"a window process failed while measuring {what}") from None
    for proc in procs:
        proc.join()
    waits: tuple[tuple[str, float], ...] = ()
    if sampler is not None:
        sampler.stop.set()
        sampler.join()
        sampler.engine.dispose()
        total = sum(sampler.tally.values()) or 1
        waits = tuple((k, 100 * n / total) for k, n in sampler.tally.most_common(6))
    samples = [s for r in results for s in r[0]]
    got = [tid for _ms, tid in samples if tid]
    assert len(got) == len(set(got)), "a ticket was called twice"
    ms = [m for m, _ in samples]
    n = len(samples)
    servers = [r[2] for r in results]
    server = None if None in servers else sum(servers) * 1000 / n
    return Row(
        what,
        len(counters),
        statistics.median(ms),
        _pct(ms, 99),
        sum(r[1] for r in results) * 1000 / n,
        server,
        waits,
    )


def _run(url: str) -> list[Row]:
    ctx = ServiceContext.for_url(url, clock=lambda: MOMENT)
    initialise(ctx)
    with ctx.uow() as uow:
        centre = uow.session.scalars(select(Centre)).one()
        # every window takes every group here: a window for one group alone could run out of its
        # tickets while the others drain them, and this measures call-next, not routing
        uow.session.execute(update(Counter).values(all_groups=True, service_groups=[]))
        for n in range(7, WINDOWS + 1):
            uow.session.add(
                Counter(
                    id=new_id(),
                    centre_id=centre.id,
                    number=n,
                    name=f"{n}号窗口",
                    all_groups=True,
                    service_groups=[],
                )
            )
    with ctx.uow(read_only=True) as uow:
        counters = list(uow.session.scalars(select(Counter.id).order_by(Counter.number)))
        u = uow.session.scalars(select(User).where(User.username == "clerk1")).one()
        clerk = SignedInUser(u.id, u.username, u.display_name, u.role, u.centre_id)
    queue = QueueService(ctx)
    pg = ctx.engine.dialect.name == "postgresql"
    kinds = ["floor", "call"] + (["durable", "general"] if pg else [])
    # SQLite is one desktop's database: ten processes writing one file is not a deployment (its
    # busy timeout gives up under load), so it is measured serially only.
    cases = ((1, SERIAL_CALLS), (WINDOWS, CALLS_PER_WINDOW)) if pg else ((1, SERIAL_CALLS),)
    rows = []
    for what in kinds:
        for windows, calls in cases:
            if what in ("call", "general"):
                for i in range(windows * calls):
                    prio = "elderly" if i % 5 == 0 else "normal"
                    queue.issue_ticket(centre.id, GROUPS[i % 3], prio)
            rows.append(_measure(url, what, counters[:windows], clerk, calls))
    ctx.close()
    return rows


LABELS = {
    "floor": "floor (empty transaction)",
    "call": "call_next",
    "general": "general path (before)",
    "durable": "floor + durable commit",
}


def _print(name: str, rows: list[Row]) -> None:
    floors = {r.windows: r for r in rows if r.what == "floor"}
    print(
        f"\n{name}: 1 window x {SERIAL_CALLS} calls (serial); {WINDOWS} windows x {CALLS_PER_WINDOW}"
    )
    print(
        f"{'what':<27}{'windows':>8}{'p50 ms':>9}{'p99 ms':>9}{'p50/floor':>11}{'p99/floor':>11}"
        f"{'CPU/call client':>17}{'server':>8}"
    )
    for r in rows:
        f = floors[r.windows]
        server = "-" if r.server_cpu is None else f"{r.server_cpu:.2f}"
        print(
            f"{LABELS[r.what]:<27}{r.windows:>8}{r.p50:>9.2f}{r.p99:>9.2f}{r.p50 / f.p50:>11.1f}"
            f"{r.p99 / f.p99:>11.1f}{r.client_cpu:>17.2f}{server:>8}"
        )
    for r in rows:
        if r.waits:
            shares = "; ".join(f"{k} {v:.0f}%" for k, v in r.waits)
            print(f"  backends during {LABELS[r.what]} x{r.windows}: {shares}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _print("SQLite (WAL file)", _run(f"sqlite:///{Path(tmp) / 'bench.db'}"))
    pg = os.environ.get("ONEWINDOW_TEST_PG_URL")
    if pg:
        url, drop = pg_database(pg)
        try:
            _print("PostgreSQL", _run(url))
        finally:
            drop()
    else:
        print("(PostgreSQL skipped: set ONEWINDOW_TEST_PG_URL)")


if __name__ == "__main__":
    main()
