"""The audit chain over a year of a busy centre: write ~300 k sealed records through the unit of work,
then time `verify_database` (what `onewindow audit verify` runs), on SQLite or PostgreSQL.

Run: .venv/bin/python -m benchmarks.bench_audit_verify [--records 300000] [--db URL]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from pathlib import Path

from app.services.audit import verify_database
from app.services.context import ServiceContext
from app.services.setup import initialise

ACTIONS = ("login", "cases_listed", "resident_viewed", "case_received", "printed", "logout")
PER_TRANSACTION = 5_000


def fill(ctx: ServiceContext, records: int, seed: int = 1) -> float:
    rng = random.Random(seed)
    users = [uuid.uuid4() for _ in range(8)]
    started = time.perf_counter()
    written = 0
    while written < records:
        n = min(PER_TRANSACTION, records - written)
        with ctx.uow() as uow:
            for _ in range(n):
                uow.audit_result(
                    rng.choice(ACTIONS),
                    "ok",
                    user_id=None,
                    subject_type="case",
                    subject_id=uuid.UUID(int=rng.getrandbits(128)),
                    window=str(rng.randint(1, 6)),
                    found=rng.randint(0, 40),
                    by=str(rng.choice(users)),
                )
        written += n
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ow-audit-"))
    url = args.db or f"sqlite:///{(folder / 'audit.db').as_posix()}"
    ctx = ServiceContext.for_url(url)
    try:
        initialise(ctx)
        seconds = fill(ctx, args.records)
        print(f"wrote {args.records} sealed records in {seconds:.1f} s")
        timings = []
        for _ in range(3):
            report = verify_database(ctx)
            assert report.chain.ok, report.chain.first_break
            timings.append(report.seconds)
        timings.sort()
        print(
            f"verified {report.chain.checked} records: median {timings[1]:.2f} s "
            f"(min {timings[0]:.2f}, max {timings[2]:.2f}); "
            f"{report.chain.checked / timings[1]:,.0f} records/s"
        )
    finally:
        ctx.close()


if __name__ == "__main__":
    main()
