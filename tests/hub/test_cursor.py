"""The change-log cursor never skips a row, with many writers committing concurrently."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.hub import ingest
from app.hub.admin import ensure_centre
from app.hub.changes import append_changes, begin_snapshot, read_changes
from app.hub.models import HubChange, HubDevice
from app.sync.protocol import Op

pytestmark = pytest.mark.pg


def _ops(n: int, start: int) -> list[Op]:
    now = datetime.now(UTC)
    return [
        Op(
            seq=start + i,
            op_id=uuid.uuid4(),
            entity="ticket",
            entity_id=uuid.uuid4(),
            op="upsert",
            payload={"i": i},
            created_at=now,
        )
        for i in range(n)
    ]


def test_reader_blocked_by_nothing_sees_no_hole_while_a_writer_holds_positions(hub: Any) -> None:
    """A writer that took positions but has not committed hides them AND everything after them."""
    with hub.sessions.begin() as s:
        centre = ensure_centre(s, "100001")
        dev = HubDevice(centre_id=centre.id, token_hash="x" * 64)
        s.add(dev)
    slow = hub.sessions()
    slow.begin()
    append_changes(
        slow,
        [
            {
                "centre_id": None,
                "entity": "t",
                "entity_id": uuid.uuid4(),
                "op": "upsert",
                "payload": {},
                "origin_device_id": None,
                "op_id": None,
                "device_seq": None,
                "status": "applied",
                "recorded_at": datetime.now(UTC),
            }
        ],
    )
    done = threading.Event()

    def second_writer() -> None:
        with hub.sessions.begin() as s2:
            ingest.push(s2, dev.id, _ops(3, 1), datetime.now(UTC))
        done.set()

    t = threading.Thread(target=second_writer)
    t.start()
    time.sleep(0.3)
    assert not done.is_set(), "the second writer must wait for the first one's positions to commit"
    with hub.sessions() as r:
        begin_snapshot(r)
        changes, cursor, more = read_changes(r, centre.id, uuid.uuid4(), 0, 100)
    assert changes == [] and cursor == 0 and not more
    slow.commit()
    slow.close()
    t.join(10)
    with hub.sessions() as r:
        begin_snapshot(r)
        changes, cursor, _ = read_changes(r, centre.id, uuid.uuid4(), 0, 100)
    assert [c.pos for c in changes] == [1, 2, 3, 4] and cursor == 4


def test_concurrent_writers_and_a_polling_reader_never_skip(hub: Any) -> None:
    with hub.sessions.begin() as s:
        centre = ensure_centre(s, "100001")
        devices = [HubDevice(centre_id=centre.id, token_hash=f"{i:064d}") for i in range(6)]
        s.add_all(devices)
    ids = [d.id for d in devices]
    stop = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def writer(dev: uuid.UUID) -> None:
        try:
            for k in range(15):
                with hub.sessions.begin() as s:
                    ingest.push(s, dev, _ops(7, k * 7 + 1), datetime.now(UTC))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        cursor = 0
        reader_dev = uuid.uuid4()
        while True:
            final = stop.is_set()
            with hub.sessions() as r:
                begin_snapshot(r)
                changes, new, _more = read_changes(r, centre.id, reader_dev, cursor, 13)
            assert new >= cursor
            seen.extend(c.pos for c in changes)
            cursor = new
            if final and not changes:
                return

    rt = threading.Thread(target=reader)
    rt.start()
    ws = [threading.Thread(target=writer, args=(d,)) for d in ids]
    for w in ws:
        w.start()
    for w in ws:
        w.join()
    stop.set()
    rt.join(30)
    assert not errors
    with hub.sessions() as s:
        all_pos = list(s.scalars(select(HubChange.pos).order_by(HubChange.pos)))
    assert len(all_pos) == 6 * 15 * 7
    assert seen == all_pos  # every row exactly once, in order
