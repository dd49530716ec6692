"""The hub verifies each centre's audit chain on arrival: a sound trail is taken silently, any change,
deletion, insertion or reordering is kept as evidence and listed to the district's administrators;
records are kept at least 180 days and never purged younger."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db.payload import jsonable
from app.domain.audit_chain import ChainEntry, seal
from app.hub.audit_trail import RETENTION_DAYS, purge
from app.hub.models import HubAuditChain, HubChange, HubConflict
from tests.hub.test_ownership import push

pytestmark = pytest.mark.pg
KEY = b"k" * 32  # the centre's key: the hub never has it


def trail(n: int, start: datetime | None = None) -> list[dict[str, Any]]:
    """`n` sealed audit records as a centre writes and sends them."""
    at = start or datetime.now(UTC)
    out, prev = [], ""
    for seq in range(1, n + 1):
        e = ChainEntry(
            seq=seq,
            at=at + timedelta(seconds=seq),
            user_id=uuid.uuid4(),
            centre_id=None,
            action="resident_viewed",
            subject_type="resident",
            subject_id=uuid.uuid4(),
            window="3",
            result="ok",
            detail={"n": seq},
        )
        digest, mac = seal(e, prev, KEY)
        e = replace(e, prev_hash=prev, hash=digest, mac=mac)
        out.append({"id": str(uuid.uuid4()), **{k: jsonable(v) for k, v in vars_of(e).items()}})
        prev = digest
    return out


def vars_of(e: ChainEntry) -> dict[str, Any]:
    return {f: getattr(e, f) for f in e.__dataclass_fields__}


def ops(records: list[dict[str, Any]], first: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "seq": first + i,
            "op_id": str(uuid.uuid4()),
            "entity": "audit_record",
            "entity_id": r["id"],
            "op": "upsert",
            "payload": r,
            "created_at": datetime.now(UTC).isoformat(),
        }
        for i, r in enumerate(records)
    ]


def alarms(hub: Any) -> list[str]:
    admin = hub.staff_token("district", "", role="admin")
    listed = hub.http.get("/api/v1/admin/conflicts", headers=admin).json()
    return [c["message"] for c in listed if c["kind"] == "audit_chain"]


def test_a_sound_trail_is_taken_and_its_chain_followed_across_batches(hub: Any) -> None:
    a = hub.device("100001")
    records = trail(6)
    assert push(hub, a, *ops(records[:4])) == ["applied"] * 4
    assert push(hub, a, *ops(records[4:], first=5)) == ["applied"] * 2
    with hub.sessions() as s:
        (state,) = s.scalars(select(HubAuditChain)).all()
        assert (state.last_seq, state.last_hash, state.breaks) == (6, records[-1]["hash"], 0)
        assert s.scalar(select(func.count()).select_from(HubConflict)) == 0
    # served back to the centre's new device (a restore) as they came
    b = hub.device("100001")
    served = hub.http.get("/api/v1/pull?cursor=0", headers=b["headers"]).json()["changes"]
    assert [c["payload"] for c in served if c["entity"] == "audit_record"] == records


@pytest.mark.parametrize("attack", ["changed", "deleted", "inserted", "reordered", "rewritten"])
def test_a_broken_chain_is_kept_and_listed_never_silently_accepted(hub: Any, attack: str) -> None:
    a = hub.device("100001")
    records = trail(6)
    assert push(hub, a, *ops(records[:3])) == ["applied"] * 3
    rest = records[3:]
    if attack == "changed":  # a record edited at the centre before it was sent
        rest[0] = {**rest[0], "action": "nothing_to_see"}
    elif attack == "deleted":  # record 4 removed before the sync
        rest = rest[1:]
    elif attack == "inserted":  # a forged record slipped in with a made-up hash
        rest = [{**rest[0], "id": str(uuid.uuid4()), "hash": "0" * 64}, *rest]
    elif attack == "reordered":
        rest = [rest[1], rest[0], rest[2]]
    else:  # records 1-3, already at the hub, rewritten with their hashes recomputed: 4 no longer links
        forged = trail(6)
        rest = forged[3:]
    statuses = push(hub, a, *ops(rest, first=4))
    assert "conflict" in statuses
    found = alarms(hub)
    assert found and all(m.startswith("审计记录链校验未通过") for m in found), found
    with hub.sessions() as s:  # kept as it came: the evidence
        kept = s.scalar(
            select(func.count()).select_from(HubChange).where(HubChange.entity == "audit_record")
        )
        assert kept == 3 + len(rest)
    # the centre hears of it too
    served = hub.http.get("/api/v1/pull?cursor=0", headers=a["headers"]).json()["changes"]
    assert any(c["entity"] == "sync_conflict" and "审计" in c["payload"]["message"] for c in served)


def test_records_are_kept_180_days_and_never_purged_younger(hub: Any) -> None:
    a = hub.device("100001")
    now = datetime.now(UTC)
    old = trail(3, start=now - timedelta(days=400))
    young = trail(3, start=now - timedelta(days=179, hours=23))
    assert push(hub, a, *ops(old)) == ["applied"] * 3
    b = hub.device("100002")
    assert push(hub, b, *ops(young)) == ["applied", "applied", "applied"]
    with pytest.raises(ValueError, match="至少保留 180 天"), hub.sessions.begin() as s:
        purge(s, now, keep_days=RETENTION_DAYS - 1)
    with hub.sessions.begin() as s:  # they only arrived now: nothing goes, however old their time
        assert purge(s, now) == 0
    with hub.sessions.begin() as s:  # as if each had arrived when it was written
        for change in s.scalars(select(HubChange).where(HubChange.entity == "audit_record")):
            change.recorded_at = datetime.fromisoformat(change.payload["at"])
    with hub.sessions.begin() as s:
        assert purge(s, now) == 3  # the 400-day-old ones; the 179-day-old ones stay
    with hub.sessions() as s:
        left = s.scalars(select(HubChange.payload).where(HubChange.entity == "audit_record")).all()
    assert sorted(p["id"] for p in left) == sorted(r["id"] for r in young)
    with hub.sessions.begin() as s:  # a few hours on, they are past 180 days too
        assert purge(s, now + timedelta(hours=3)) == 3


def test_the_hub_command_line_purges_and_lists(hub: Any, capsys: Any) -> None:
    from app.hub.cli import main

    a = hub.device("100001")
    assert push(hub, a, *ops(trail(2))) == ["applied"] * 2
    url = hub.engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "purge-audit", "--keep-days", "30"]) == 2
    assert "至少保留 180 天" in capsys.readouterr().err
    assert main(["--db", url, "purge-audit"]) == 0
    assert "审计记录 0 条" in capsys.readouterr().out
    assert main(["--db", url, "audit-chains"]) == 0
    assert "100001" in (out := capsys.readouterr().out) and "已校验至第 2 条，断链 0 处" in out
