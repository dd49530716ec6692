"""Any period's figures (PeriodFiguresService) over a busy centre made by demo-data, on SQLite and,
when ONEWINDOW_TEST_PG_URL is set, PostgreSQL: a day, a month and the whole span, median and p99.

Run: .venv/bin/python -m benchmarks.bench_period_figures [--days 365] [--per-day 600] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from app.db.models import Case, Ticket, User
from app.services.context import ServiceContext
from app.services.demo_data import generate_demo_data
from app.services.dto import SignedInUser
from app.services.period_figures import PeriodFiguresService
from app.services.setup import initialise
from benchmarks.stats import Timing, print_table, time_calls


def _measure(url: str, label: str, days: int, per_day: int, runs: int) -> None:
    ctx = ServiceContext.for_url(url)
    initialise(ctx)
    started = time.perf_counter()
    generate_demo_data(ctx, days=days, tickets_per_day=per_day, with_outbox=False)
    filled = time.perf_counter() - started
    _settle(ctx)  # outside the timed part, as autovacuum would on a live server
    with ctx.uow(read_only=True) as uow:
        s = uow.session
        boss = s.scalars(select(User).where(User.role == "supervisor")).first()
        assert boss is not None
        user = SignedInUser(boss.id, boss.username, boss.display_name, boss.role, boss.centre_id)
        tickets = s.scalar(select(func.count()).select_from(Ticket))
        cases = s.scalar(select(func.count()).select_from(Case))
        last = s.scalar(select(func.max(Ticket.business_date)))
    assert last is not None
    service = PeriodFiguresService(ctx)
    print(f"\n{label}: {tickets} tickets, {cases} cases over {days} days, filled in {filled:.0f} s")
    floor = time_calls("SELECT 1", lambda _i: _select_one(ctx), runs, warmup=3)
    rows: list[Timing] = []
    for name, first in (
        ("a day", last),
        ("a month (30 days)", last - timedelta(days=29)),
        (f"the whole span ({days} days)", last - timedelta(days=days - 1)),
    ):

        def run(_i: int, first: date = first) -> object:
            return service.figures(user, first, last)

        rows.append(time_calls(name, run, runs, warmup=2))
        print(f"{name}: {_statements(ctx, run)} SELECT statements per refresh", flush=True)
    print_table(f"period figures on {label}", floor, rows)
    ctx.close()


def _settle(ctx: ServiceContext) -> None:
    """PostgreSQL: VACUUM ANALYZE after the bulk load (statistics and the visibility map that
    index-only scans need). SQLite is measured as loaded."""
    if ctx.engine.dialect.name != "postgresql":
        return
    with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def _statements(ctx: ServiceContext, run: object) -> int:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(ctx.engine, "before_cursor_execute", count)
    try:
        assert callable(run)
        run(0)
    finally:
        event.remove(ctx.engine, "before_cursor_execute", count)
    return sum(1 for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH")))


def _select_one(ctx: ServiceContext) -> None:
    with ctx.uow(read_only=True) as uow:
        uow.session.execute(text("SELECT 1"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=600)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--engines", default="sqlite,postgresql", help="which to measure")
    args = parser.parse_args()
    if "sqlite" in args.engines:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{(Path(tmp) / 'bench.db').as_posix()}"
            _measure(url, "SQLite", args.days, args.per_day, args.runs)
    pg = os.environ.get("ONEWINDOW_TEST_PG_URL")
    if pg and "postgresql" in args.engines:
        base = make_url(pg).set(drivername="postgresql+psycopg")
        name = f"ow_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = base.set(database=name).render_as_string(hide_password=False)
            _measure(url, "PostgreSQL", args.days, args.per_day, args.runs)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
