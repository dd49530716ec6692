"""The district's figures page over 20 busy centres, served by a real hub process on PostgreSQL.

Each centre holds a year of a busy centre (by default 150,000 cases, about 40 % of them finished at
the window and the rest routed to six departments, and 90,000 ratings with their 差评整改
follow-ups). The rows are written straight into the hub's tables the figures read (hub_centre,
hub_case_state, hub_rating, hub_follow_up, and the daily counts made from them) with
generate_series, with ingest's indexes built after:
pushing 3 million cases through the sync API would take hours and measure ingest, not the page.

Run: .venv/bin/python -m benchmarks.bench_district [--centres 20] [--cases 150000] [--samples 30]
Goal: the page (this month, the default) ≤ 1 s at p99. The floor row (GET /health, no database)
says how loaded the shared machine was; `uptime` is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import re
import time

import httpx
from sqlalchemy import Index, text

from app.hub.admin import add_staff
from app.hub.db import hub_engine, hub_sessions, upgrade
from app.hub.models import HubCaseState, HubFollowUp, HubRating
from benchmarks.bench_sync import Hub, drop_db, fresh_db
from benchmarks.stats import Timing, time_calls, uptime

GOAL_MS = 1000.0
DEPARTMENTS = ("区民政局", "区人社局", "区医保局", "区残联", "区卫健委", "区退役军人事务局")
MINUTES_A_YEAR = 365 * 24 * 60

# One row per (centre, g): received g·7919 minutes mod a year ago (spread evenly, no two alike);
# 40 % finished at the window, the rest routed; older than 25 days mostly done, newer ones waiting,
# accepted or decided; 1 in 20 old routed cases still waiting (overdue).
CASES_SQL = f"""
INSERT INTO hub_case_state (case_id, centre_id, case_number, matter_code, department, resident_key,
  status, last_seq, updated_at, applicant_name, received_at, due_date, extended_days,
  supervision_note, responded_at, decided_at, supervised_at)
SELECT gen_random_uuid(), c.id, c.code || lpad(g::text, 7, '0'), 'MZ-00' || (g % 3 + 1),
  CASE WHEN g % 10 < 4 THEN '' ELSE (ARRAY{list(DEPARTMENTS)})[g % 6 + 1] END, '',
  CASE WHEN g % 10 < 4 THEN (CASE WHEN age < 2 THEN 'RECEIVED' ELSE 'COMPLETED_ON_SPOT' END)
       WHEN age > 25 THEN (CASE WHEN g % 20 = 5 THEN 'ROUTED' ELSE 'DELIVERED' END)
       ELSE (ARRAY['ROUTED','ACCEPTED_BY_DEPARTMENT','APPROVED'])[g % 3 + 1] END,
  2, now(), '张三', rec, (rec AT TIME ZONE 'Asia/Shanghai')::date + 20, 0, '',
  CASE WHEN g % 10 >= 4 AND NOT (age > 25 AND g % 20 = 5) AND (age > 25 OR g % 3 > 0)
       THEN rec + interval '1 day' END,
  CASE WHEN g % 10 >= 4 AND ((age > 25 AND g % 20 <> 5) OR (age <= 25 AND g % 3 = 2))
       THEN rec + interval '5 days' END,
  NULL
FROM hub_centre c, generate_series(1, :n) g,
  LATERAL (SELECT now() - ((g::bigint * 7919 % {MINUTES_A_YEAR}) * interval '1 minute') AS rec) r,
  LATERAL (SELECT extract(day FROM now() - r.rec) AS age) a
"""
RATINGS_SQL = f"""
INSERT INTO hub_rating (id, centre_id, rated_at, level)
SELECT gen_random_uuid(), c.id,
  now() - ((g::bigint * 104729 % {MINUTES_A_YEAR}) * interval '1 minute'),
  CASE WHEN g % 50 = 0 THEN 1 WHEN g % 50 = 1 THEN 2 WHEN g % 10 < 3 THEN 4
       WHEN g % 10 = 3 THEN 3 ELSE 5 END
FROM hub_centre c, generate_series(1, :n) g
"""
FOLLOW_UPS_SQL = f"""
INSERT INTO hub_follow_up (id, centre_id, status, due_date, opened_at, closed_at)
SELECT gen_random_uuid(), c.id, CASE WHEN g % 7 = 0 THEN 'open' ELSE 'closed' END,
  (o.opened AT TIME ZONE 'Asia/Shanghai')::date + 14, o.opened,
  CASE WHEN g % 7 <> 0 THEN o.opened + interval '5 days' END
FROM hub_centre c, generate_series(1, :n) g,
  LATERAL (SELECT now() - ((g::bigint * 7919 % {MINUTES_A_YEAR}) * interval '1 minute') AS opened) o
"""
# The daily counts ingest keeps, made from the rows by the rule of migration h0007.
DAILY_SQL = """
INSERT INTO hub_rating_day (day, centre_id, level, n)
SELECT (rated_at AT TIME ZONE 'Asia/Shanghai')::date, centre_id, level, count(*)
FROM hub_rating GROUP BY 1, 2, 3;
INSERT INTO hub_routed_day (day, department, centre_id, routed, responded, decided)
SELECT (received_at AT TIME ZONE 'Asia/Shanghai')::date, department, centre_id, count(*),
  count(responded_at), count(decided_at)
FROM hub_case_state
WHERE received_at IS NOT NULL AND department <> ''
  AND NOT (status = 'WITHDRAWN' AND responded_at IS NULL)
GROUP BY 1, 2, 3
"""


def fill(db: str, centres: int, cases: int, ratings: int) -> None:
    engine = hub_engine(db)
    upgrade(engine)
    tables = (HubCaseState.__table__, HubRating.__table__, HubFollowUp.__table__)
    indexes: list[Index] = [i for t in tables for i in t.indexes]  # type: ignore[attr-defined]
    with engine.begin() as c:
        for i in indexes:  # built once after the rows, as a bulk load should
            i.drop(c)
        for n in range(centres):
            c.execute(
                text(
                    "INSERT INTO hub_centre (id, code, name, created_at) "
                    "VALUES (gen_random_uuid(), :code, :name, now())"
                ),
                {"code": f"9901{n:02d}", "name": f"第{n + 1}街道便民服务中心"},
            )
        c.execute(text(CASES_SQL), {"n": cases})
        c.execute(text(RATINGS_SQL), {"n": ratings})
        c.execute(text(FOLLOW_UPS_SQL), {"n": ratings // 25})
        for statement in DAILY_SQL.split(";"):
            c.execute(text(statement))
        for i in indexes:
            i.create(c)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))
    with hub_sessions(engine).begin() as s:
        add_staff(s, "qu", "区统计员", "district", "bench-pw-1")
        add_staff(s, "mz", "民政审批员", "department", "bench-pw-1", DEPARTMENTS[0])
    engine.dispose()


def signed_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    token = re.search(r"name='csrf_token' value='([^']*)'", client.get("/dept/login").text)
    assert token
    r = client.post(
        "/dept/login", data={"username": username, "password": "bench-pw-1", "csrf_token": token[1]}
    )
    assert r.status_code in (200, 303) and "ow_staff" in client.cookies, r.text[:200]
    return client


def bench(base: str, samples: int) -> list[Timing]:
    district, dept = signed_in(base, "qu"), signed_in(base, "mz")
    page = district.get("/district").text
    assert "第20街道便民服务中心" in page or "第1街道便民服务中心" in page, page[:500]
    runs = [
        ("district page: this month (default)", district, "/district", {}),
        ("district page: the whole year", district, "/district", {"preset": "year"}),
        ("district page: one day", district, "/district", {"preset": "today"}),
        ("Excel export: this month", district, "/district/export.xlsx", {}),
        ("department's own page: this month", dept, "/district", {}),
    ]
    out = [time_calls("floor: GET /health", lambda _i: district.get("/health"), samples, 5)]
    for label, client, path, params in runs:

        def get(_i: int, c: httpx.Client = client, p: str = path, q: dict = params) -> None:  # type: ignore[type-arg]
            r = c.get(p, params=q)
            assert r.status_code == 200, (p, r.status_code)

        out.append(time_calls(label, get, samples, warmup=3))
    district.close()
    dept.close()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument(
        "--pg",
        default=os.environ.get(
            "ONEWINDOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    p.add_argument("--centres", type=int, default=20)
    p.add_argument("--cases", type=int, default=150_000, help="cases per centre")
    p.add_argument("--ratings", type=int, default=90_000, help="ratings per centre")
    p.add_argument("--samples", type=int, default=30)
    args = p.parse_args()
    print(f"uptime at the start: {uptime()}", flush=True)
    db = fresh_db(args.pg)
    try:
        t0 = time.perf_counter()
        fill(db, args.centres, args.cases, args.ratings)
        print(
            f"filled {args.centres} centres × {args.cases} cases, {args.ratings} ratings, "
            f"{args.ratings // 25} follow-ups in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        hub = Hub(db, workers=1)
        try:
            print(f"uptime before timing: {uptime()}", flush=True)
            timings = bench(hub.url, args.samples)
        finally:
            hub.stop()
    finally:
        drop_db(db)
    print(f"\n{'what':<44} {'p50 ms':>8} {'p99 ms':>8}  goal ≤ {GOAL_MS:.0f} ms")
    for t in timings:
        ok = "" if t.name.startswith("floor") else "met" if t.p99 <= GOAL_MS else "MISSED"
        print(f"{t.name:<44} {t.median:>8.1f} {t.p99:>8.1f}  {ok}")
    print(f"uptime at the end: {uptime()} (cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
