"""Small helpers shared by the benchmarks: timing loops, percentiles and a printed table."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Timing:
    name: str
    samples_ms: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def time_calls(name: str, fn: Callable[[int], object], n: int, warmup: int = 20) -> Timing:
    for i in range(warmup):
        fn(i)
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return Timing(name, tuple(samples))


def print_table(title: str, floor: Timing, rows: Sequence[Timing]) -> None:
    print(f"\n{title}")
    print(f"{'what':<44} {'median ms':>10} {'p99 ms':>9} {'median ×floor':>14} {'p99 ×floor':>11}")
    for t in (floor, *rows):
        print(
            f"{t.name:<44} {t.median:>10.3f} {t.p99:>9.3f} "
            f"{t.median / floor.median:>14.1f} {t.p99 / floor.p99:>11.1f}"
        )


def uptime() -> str:
    """The load averages as `uptime` shows them (1, 5 and 15 minutes)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def pg_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """A new, empty PostgreSQL database on the server of `base_url`: its URL and what drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

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


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process `pid` has used so far (Linux /proc; 0 if unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU seconds used so far by the PostgreSQL processes running now (this machine's server)."""
    total = 0.0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (proc / "comm").read_text().startswith("postgres"):
                total += cpu_seconds(int(proc.name))
        except (OSError, ValueError):
            continue
    return total
