"""Two devices of one centre reaching the hub at once, before it holds anything of the centre's audit
chain: both find no chain row and both would make it. The second must wait for the first and go on
from the chain the first left — no failed batch, no audit_chain conflict, nothing lost."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text

from app.hub import ingest
from app.hub.models import HubAuditChain, HubChange, HubConflict
from app.sync.protocol import Op
from tests.hub.test_audit_trail import ops, trail

pytestmark = pytest.mark.pg


def _ops(records: list[dict[str, Any]], first: int) -> list[Op]:
    return [Op.model_validate(o) for o in ops(records, first)]


def _waiting_on_a_lock(hub: Any) -> bool:
    with hub.engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            )
        )


def test_two_devices_making_the_first_chain_row_at_once(
    hub: Any, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = hub.device("100001"), hub.device("100001")  # two desks of one centre, each enrolled
    records = trail(6)  # the centre's chain: the first desk sends 1-3, the second 4-6
    now = datetime.now(UTC)
    found: dict[str, Any] = {}
    looked = threading.Barrier(2)

    # The first desk's push runs up to its commit: it found no chain row and made one, not yet
    # committed. The second's starts then (the barrier) and cannot see that row; the first commits
    # only once the second is waiting on a lock (as late as the race can make it).
    first = hub.sessions()
    first.begin()
    found["a"] = ingest.push(first, uuid.UUID(a["device_id"]), _ops(records[:3], 1), now)
    first.flush()

    def second() -> None:
        looked.wait()
        try:
            with hub.sessions.begin() as s:
                found["b"] = ingest.push(s, uuid.UUID(b["device_id"]), _ops(records[3:], 1), now)
        except Exception as exc:  # reported by the assertions below
            found["b"] = exc

    with caplog.at_level(logging.WARNING, logger="app.hub.ingest"):
        t = threading.Thread(target=second)
        t.start()
        looked.wait()
        deadline, waited = time.monotonic() + 30, False
        while time.monotonic() < deadline and t.is_alive() and not waited:
            waited = _waiting_on_a_lock(hub)
            time.sleep(0.01)
        first.commit()
        first.close()
        t.join(60)
    assert waited  # the second desk did run into the first's uncommitted row
    assert not isinstance(found["b"], Exception), found["b"]
    assert [s for _, _, s in found["a"].acks] == ["applied"] * 3
    assert [s for _, _, s in found["b"].acks] == ["applied"] * 3
    assert not [r for r in caplog.records if "refused by the database" in r.getMessage()]
    with hub.sessions() as s:
        (state,) = s.scalars(select(HubAuditChain)).all()
        assert (state.last_seq, state.last_hash, state.records, state.breaks) == (
            6,
            records[-1]["hash"],
            6,
            0,
        )
        assert s.scalar(select(func.count()).select_from(HubConflict)) == 0
        assert (
            s.scalar(
                select(func.count())
                .select_from(HubChange)
                .where(HubChange.entity == "audit_record", HubChange.status == "applied")
            )
            == 6
        )
