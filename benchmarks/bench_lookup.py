"""Resident lookup by ID number among 1 M residents; case lookup by number and by applicant name among
1 M cases; on SQLite. Floor: a `SELECT 1` through the same engine in the same run.

Run: .venv/bin/python -m benchmarks.bench_lookup [--rows 1000000] [--db PATH] [--keep]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from app.db.models import Case, Centre, Matter, Resident, User
from app.db.types import new_id
from app.services.context import ServiceContext
from app.services.demo_people import make_person
from app.services.residents import ResidentService
from app.services.setup import initialise
from benchmarks.stats import Timing, print_table, time_calls

CHUNK = 50_000


def fill(ctx: ServiceContext, rows: int, seed: int = 1) -> tuple[list[str], list[str], list[str]]:
    """Insert `rows` residents and `rows` cases (one per resident); return sample keys to look up."""
    rng = random.Random(seed)
    with ctx.uow(read_only=True) as uow:
        s = uow.session
        centre = s.scalars(select(Centre)).first()
        clerk = s.scalars(select(User)).first()
        matters = list(
            s.execute(select(Matter.id, Matter.code, Matter.version).where(Matter.current))
        )
        assert centre is not None and clerk is not None
        centre_id, clerk_id, code = centre.id, clerk.id, centre.code
    today = datetime(2026, 11, 23, tzinfo=UTC).date()
    used: set[str] = set()
    ids: list[str] = []
    names: list[str] = []
    numbers: list[str] = []
    start = datetime(2022, 1, 1, 1, tzinfo=UTC)
    done = 0
    while done < rows:
        n = min(CHUNK, rows - done)
        residents, cases = [], []
        for i in range(n):
            p = make_person(rng, today, used)
            rid = new_id()
            residents.append(
                {
                    "id": rid,
                    "id_kind": "RESIDENT",
                    "id_number": p.id_number,
                    "name": p.name,
                    "sex": p.sex,
                    "birth_date": p.birth_date,
                    "phone": p.phone,
                    "address": p.address,
                    "community": p.community,
                    "grid": p.grid,
                }
            )
            at = start + timedelta(minutes=(done + i) * 2)
            number = f"{code}{at:%Y%m%d}{(done + i) % 10000:04d}{(done + i) // 10000 % 10}"
            m = matters[(done + i) % len(matters)]
            cases.append(
                {
                    "id": new_id(),
                    "case_number": number,
                    "verification_code": "000000",
                    "centre_id": centre_id,
                    "matter_id": m.id,
                    "matter_code": m.code,
                    "catalogue_version": m.version,
                    "resident_id": rid,
                    "clerk_id": clerk_id,
                    "status": "DELIVERED",
                    "received_at": at,
                    "due_date": at.date(),
                    "updated_at": at,
                }
            )
            if rng.random() < 0.002:
                ids.append(p.id_number)
                names.append(p.name)
                numbers.append(number)
        with ctx.uow() as uow:
            uow.session.execute(insert(Resident), residents)
            uow.session.execute(insert(Case), cases)
        done += n
        print(f"  filled {done:,} residents and cases", flush=True)
    return ids, numbers, names


def run(rows: int, db: Path, keep: bool) -> list[Timing]:
    ctx = ServiceContext.for_url(f"sqlite:///{db}")
    initialise(ctx)
    with ctx.uow(read_only=True) as uow:
        present = uow.session.scalar(select(func.count()).select_from(Resident)) or 0
    if present < rows:
        started = time.perf_counter()
        fill(ctx, rows - present)
        print(f"  fill took {time.perf_counter() - started:.0f} s")
    with ctx.uow(read_only=True) as uow:
        s = uow.session
        sample = list(
            s.execute(
                select(Resident.id_number, Resident.name, Case.case_number)
                .join(Case, Case.resident_id == Resident.id)
                .order_by(Resident.id_number)
                .limit(2000)
            )
        )
    rng = random.Random(2)
    rng.shuffle(sample)
    residents = ResidentService(ctx)

    def floor(_i: int) -> None:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()

    def by_id(i: int) -> None:
        assert residents.lookup(sample[i % len(sample)][0]) is not None

    def case_by_number(i: int) -> None:
        with ctx.uow(read_only=True) as uow:
            uow.session.execute(
                select(Case.id, Case.status).where(Case.case_number == sample[i % len(sample)][2])
            ).one()

    def cases_by_name(i: int) -> None:
        name = sample[i % len(sample)][1]
        with ctx.uow(read_only=True) as uow:
            found = uow.session.execute(
                select(Case.case_number, Resident.name)
                .join(Resident, Case.resident_id == Resident.id)
                .where(Resident.name == name)
                .order_by(Case.received_at.desc())
                .limit(50)
            ).all()
            assert found

    n = 2000
    timings = [
        time_calls("floor: SELECT 1 on the same engine", floor, n),
        time_calls("resident by ID number (service, audited)", by_id, n),
        time_calls("case by case number", case_by_number, n),
        time_calls("cases by applicant name (≤50, newest first)", cases_by_name, n),
    ]
    print_table(
        f"Lookups on SQLite with {rows:,} residents and {rows:,} cases", timings[0], timings[1:]
    )
    ctx.close()
    if not keep:
        db.unlink(missing_ok=True)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / f"onewindow-bench-{args.rows}.db"
    run(args.rows, db, args.keep or args.db is not None)


if __name__ == "__main__":
    main()
