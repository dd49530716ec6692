"""What checking audit records' MACs costs the hub (PostgreSQL): pushes of sealed audit records for a
centre whose key the hub holds, against the same pushes for a centre without one (the floor,
measured in the same run, batches alternating), and a key's arrival checking what the hub holds.

Run: .venv/bin/python -m benchmarks.bench_hub_audit_mac [--records 50000] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from app.db.payload import jsonable
from app.domain.audit_chain import ChainEntry, seal
from app.hub import admin, audit_keys, ingest
from app.hub.db import hub_engine, hub_sessions, upgrade
from app.hub.models import HubDevice
from app.sync import protocol as P
from benchmarks.stats import pg_database, uptime

BATCH = 500


def trail(n: int, key: bytes) -> list[P.Op]:
    """`n` sealed audit records of one centre, as ops in its order."""
    at, prev, out = datetime.now(UTC) - timedelta(days=1), "", []
    for seq in range(1, n + 1):
        e = ChainEntry(
            seq=seq,
            at=at + timedelta(milliseconds=seq),
            user_id=uuid.uuid4(),
            centre_id=None,
            action="resident_viewed",
            subject_type="resident",
            subject_id=uuid.uuid4(),
            window="3",
            result="ok",
            detail={"found": seq % 40},
        )
        digest, mac = seal(e, prev, key)
        e = replace(e, prev_hash=prev, hash=digest, mac=mac)
        payload: dict[str, Any] = {"id": str(uuid.uuid4())}
        payload.update({f: jsonable(getattr(e, f)) for f in e.__dataclass_fields__})
        out.append(
            P.Op(
                seq=seq,
                op_id=uuid.uuid4(),
                entity="audit_record",
                entity_id=uuid.UUID(payload["id"]),
                op="upsert",
                payload=payload,
                created_at=e.at,
            )
        )
        prev = digest
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--records", type=int, default=50_000)
    p.add_argument(
        "--pg",
        default=os.environ.get(
            "ONEWINDOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = p.parse_args()
    url, drop = pg_database(args.pg)
    engine = hub_engine(url)
    try:
        upgrade(engine)
        sessions = hub_sessions(engine)
        now = datetime.now(UTC)
        devices = {}
        keys = {"keyed": os.urandom(32), "floor": os.urandom(32)}
        with sessions.begin() as s:
            for name, centre in (("keyed", "810001"), ("floor", "810002")):
                code = admin.new_enrol_code(s, centre, now)
                devices[name] = admin.enrol(s, code, name, now).device_id
        with sessions.begin() as s:
            d = s.get_one(HubDevice, devices["keyed"])
            audit_keys.register(s, d, keys["keyed"], 1, now)
        ops = {name: trail(args.records, keys[name]) for name in keys}
        print(f"uptime at the start: {uptime()}", flush=True)
        timings: dict[str, list[float]] = {"keyed": [], "floor": []}
        for start in range(0, args.records, BATCH):
            for name in ("floor", "keyed") if start % (2 * BATCH) else ("keyed", "floor"):
                batch = ops[name][start : start + BATCH]
                t = time.perf_counter()
                with sessions.begin() as s:
                    result = ingest.push(s, devices[name], batch, datetime.now(UTC))
                timings[name].append(time.perf_counter() - t)
                assert all(a[2] == "applied" for a in result.acks), name
        keyed, floor = statistics.median(timings["keyed"]), statistics.median(timings["floor"])
        print(
            f"push of {BATCH} audit records, median of {len(timings['keyed'])}: "
            f"floor (no key) {floor * 1000:.1f} ms, with MAC check {keyed * 1000:.1f} ms "
            f"({keyed / floor:.2f}x the floor)"
        )
        print(f"uptime after the pushes: {uptime()}", flush=True)
        t = time.perf_counter()
        with sessions.begin() as s:  # the floor centre's key arrives: all it holds is checked
            d = s.get_one(HubDevice, devices["floor"])
            done = audit_keys.register(s, d, keys["floor"], 1, datetime.now(UTC))
        seconds = time.perf_counter() - t
        assert done.status == "registered"
        print(
            f"key arriving for a centre with {args.records} records at the hub: {seconds:.2f} s "
            f"({args.records / seconds:,.0f} records/s checked)"
        )
        print(f"uptime at the end: {uptime()} (cores: {os.cpu_count()})")
    finally:
        engine.dispose()
        drop()


if __name__ == "__main__":
    main()
