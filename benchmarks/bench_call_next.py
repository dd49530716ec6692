"""Call-next latency with 10 concurrent windows (one process each, as on real desktops) on SQLite and
PostgreSQL, against a SELECT 1 floor measured the same way in the same run.

Run: .venv/bin/python benchmarks/bench_call_next.py   (PostgreSQL when ONEWINDOW_TEST_PG_URL is set)
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

from app.db.models import Centre, Counter, User
from app.db.types import new_id
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from app.services.queue import QueueService
from app.services.setup import initialise

WINDOWS = 10
CALLS_PER_WINDOW = 60
GROUPS = ("shebao_yibao", "jiuye_chuangye", "minzheng_jiuzhu")


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _run(url: str) -> dict[str, float]:
    moment = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    ctx = ServiceContext.for_url(url, clock=lambda: moment)
    ctx.engine.pool.dispose()
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
    for i in range(WINDOWS * CALLS_PER_WINDOW):
        queue.issue_ticket(centre.id, GROUPS[i % 3], "elderly" if i % 5 == 0 else "normal")

    base = _measure(url, "floor", counters, clerk)
    calls = _measure(url, "call", counters, clerk)
    got = [tid for _ms, tid in calls]
    assert len(got) == len(set(got)) == WINDOWS * CALLS_PER_WINDOW, "a ticket was called twice"
    ctx.close()
    base_ms = [ms for ms, _ in base]
    call_ms = [ms for ms, _ in calls]
    return {
        "floor_p50": statistics.median(base_ms),
        "floor_p99": _pct(base_ms, 99),
        "p50": statistics.median(call_ms),
        "p99": _pct(call_ms, 99),
    }


def _window_process(
    url: str, what: str, counter_id: uuid.UUID, clerk: SignedInUser, barrier: Any, out: Any
) -> None:
    """One window as its own process, as on a real counter desktop: own engine, own interpreter."""
    moment = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    ctx = ServiceContext.for_url(url, clock=lambda: moment)
    queue = QueueService(ctx)
    with ctx.uow() as uow:  # open the connection before the clock starts
        uow.session.execute(text("SELECT 1"))
    samples: list[tuple[float, str]] = []
    barrier.wait()
    for _ in range(CALLS_PER_WINDOW):
        t0 = time.perf_counter()
        if what == "floor":
            with ctx.uow() as uow:
                uow.session.execute(text("SELECT 1"))
            tid = ""
        else:
            t = queue.call_next(counter_id, clerk)
            assert t is not None
            tid = str(t.id)
        samples.append(((time.perf_counter() - t0) * 1000, tid))
    ctx.close()
    out.put(samples)


def _measure(
    url: str, what: str, counters: list[uuid.UUID], clerk: SignedInUser
) -> list[tuple[float, str]]:
    mp = multiprocessing.get_context("spawn")
    barrier = mp.Barrier(WINDOWS)
    out = mp.Queue()
    procs = [
        mp.Process(target=_window_process, args=(url, what, counters[i], clerk, barrier, out))
        for i in range(WINDOWS)
    ]
    for proc in procs:
        proc.start()
    samples = [s for _ in procs for s in out.get(timeout=600)]
    for proc in procs:
        proc.join()
    return samples


def _pg_database(base_url: str) -> tuple[str, object]:
    base = make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"ow_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    rows: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("SQLite (WAL file)", _run(f"sqlite:///{Path(tmp) / 'bench.db'}")))
    pg = os.environ.get("ONEWINDOW_TEST_PG_URL")
    if pg:
        url, drop = _pg_database(pg)
        try:
            rows.append(("PostgreSQL", _run(url)))
        finally:
            drop()  # type: ignore[operator]
    print(f"call next, {WINDOWS} concurrent windows x {CALLS_PER_WINDOW} calls each (ms)")
    head = f"{'database':<20}{'p50':>8}{'p99':>8}{'floor p50':>11}{'floor p99':>11}"
    print(head + f"{'p50/floor':>11}{'p99/floor':>11}")
    for name, r in rows:
        print(
            f"{name:<20}{r['p50']:>8.2f}{r['p99']:>8.2f}{r['floor_p50']:>11.2f}"
            f"{r['floor_p99']:>11.2f}{r['p50'] / r['floor_p50']:>11.1f}"
            f"{r['p99'] / r['floor_p99']:>11.1f}"
        )
    if not pg:
        print("(PostgreSQL skipped: set ONEWINDOW_TEST_PG_URL)")


if __name__ == "__main__":
    main()
