"""The department's case list with 5,000 cases routed to one department (and 1,000 to another),
served by a real hub process on PostgreSQL: page times as the browser waits for them.

Run: .venv/bin/python -m benchmarks.bench_dept_list [--cases 5000] [--samples 200] [--pg URL]
Goal: p50 and p99 of the default list page ≤ 200 ms. The machine may be shared: the floor row (an
answer that touches no database) says how loaded it was during the run.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import time

import httpx
from sqlalchemy import text

from app.hub.admin import add_staff
from benchmarks.bench_sync import Hub, drop_db, fresh_db
from benchmarks.stats import Timing, time_calls, uptime
from tests.hub.dept_data import (
    hub_with_catalogue,
    make_cases,
    push_cases,
    supervise_some,
    vary_states,
)

DEPT = "区民政局"
GOAL_MS = 200.0


def fill(db: str, cases: int) -> None:
    """Two centres' cases pushed as their agents would, a third of them accepted or decided."""
    hub = hub_with_catalogue(db)
    engine, sessions, http, now, today = hub.engine, hub.sessions, hub.http, hub.now, hub.today
    rng = random.Random(7)
    for n, (code, dept, count) in enumerate(
        (
            ("990101", DEPT, cases // 2),
            ("990102", DEPT, cases - cases // 2),
            ("990103", "区人社局", 1000),
        )
    ):
        device = hub.enrol(code, "b")
        specs = make_cases(rng, count, today, code, prefix=f"B{n}")
        seq = push_cases(http, device, specs, dept)
        supervise_some(http, device, specs, 0.05, rng, seq)
        vary_states(sessions, specs, dept, now, rng)
    with sessions.begin() as s:
        add_staff(s, "bench", "民政审批员", "department", "bench-pw-1", DEPT)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/dept/login").text
    token = re.search(r"name='csrf_token' value='([^']*)'", form)
    assert token
    r = client.post(
        "/dept/login",
        data={"username": "bench", "password": "bench-pw-1", "csrf_token": token[1]},
    )
    assert r.status_code in (200, 303) and "ow_staff" in client.cookies, r.text[:200]
    return client


def bench(client: httpx.Client, samples: int) -> list[Timing]:
    first = client.get("/dept").text
    case_url = re.search(r"href='(/dept/cases/[0-9a-f-]+)'", first)
    name = re.search(r"<td data-label='申请人'[^>]*>([^<]+)</td>", first)
    number = re.search(r"href='/dept/cases/[0-9a-f-]+'>([^<]+)</a>", first)
    assert case_url and name and number
    pages: list[tuple[str, str, dict[str, str]]] = [
        ("list: default (待办, 50 a page)", "/dept", {}),
        (
            "list: all, by received date, page 40",
            "/dept",
            {"view": "all", "sort": "received_desc", "page": "40"},
        ),
        ("list: overdue view", "/dept", {"view": "overdue"}),
        (
            "list: filters (all, one matter, due range)",
            "/dept",
            {"view": "all", "matter": "MZ-001", "due_from": "2026-11-01", "due_to": "2026-12-31"},
        ),
        ("list: applicant name search", "/dept", {"q": name[1][:2], "view": "all"}),
        ("list: case number search (part)", "/dept", {"q": number[1][-6:-1], "view": "all"}),
        ("list: 督办 filter", "/dept", {"view": "all", "supervised": "yes"}),
        ("list: 100 a page", "/dept", {"size": "100"}),
        ("case page", case_url[1], {}),
    ]
    out = [
        time_calls(
            "floor: GET /health (same client, same process)",
            lambda _i: client.get("/health"),
            samples,
            warmup=10,
        )
    ]
    for label, path, params in pages:

        def get(_i: int, path: str = path, params: dict[str, str] = params) -> None:
            r = client.get(path, params=params)
            assert r.status_code == 200, (path, r.status_code)

        out.append(time_calls(label, get, samples, warmup=10))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument(
        "--pg",
        default=os.environ.get(
            "ONEWINDOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    p.add_argument("--cases", type=int, default=5000)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--keep", action="store_true", help="keep the database and print its URL")
    args = p.parse_args()
    print(f"uptime at the start: {uptime()}", flush=True)
    db = fresh_db(args.pg)
    try:
        t0 = time.perf_counter()
        fill(db, args.cases)
        print(
            f"filled {args.cases} cases for {DEPT} in {time.perf_counter() - t0:.0f} s", flush=True
        )
        hub = Hub(db, workers=1)
        try:
            print(f"uptime before timing: {uptime()}", flush=True)
            client = signed_in(hub.url)
            try:
                timings = bench(client, args.samples)
            finally:
                client.close()
        finally:
            hub.stop()
    finally:
        if args.keep:
            print("kept", db)
        else:
            drop_db(db)
    print(f"\n{'page':<50} {'p50 ms':>8} {'p99 ms':>8}  goal ≤ {GOAL_MS:.0f} ms")
    for t in timings:
        ok = "" if t.name.startswith("floor") else "met" if t.p99 <= GOAL_MS else "MISSED"
        print(f"{t.name:<50} {t.median:>8.1f} {t.p99:>8.1f}  {ok}")
    print(f"uptime at the end: {uptime()} (cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
