"""A large print's slices at the hub: taken when they add up, each once; anything malformed, oversized,
contradictory or another centre's is a listed conflict (never a 5xx) and the rest of the batch goes on."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
import zlib
from typing import Any

import pytest
from sqlalchemy import func, select

from app.domain.print_blobs import (
    CHUNK_BYTES,
    MAX_CHUNKS,
    MAX_PRINT_BYTES,
    ChunkSets,
    blob_id,
    blob_ops,
    blob_payload,
    chunk_id,
)
from app.hub.models import HubChange, HubConflict, HubPrintChunk
from app.sync import protocol as P
from tests.hub.conftest import VERSIONS
from tests.hub.test_ownership import push
from tests.hub.test_security import op

pytestmark = pytest.mark.pg
PDF = b"%PDF-1.7 " + os.urandom(20_000)  # random: does not compress


def slices(centre_id: Any, pdf: bytes = PDF, step: int = 6000) -> list[dict[str, Any]]:
    """The print's slices as a centre queues them (small slices: the hub takes any size up to
    CHUNK_BYTES, so the test needs no megabytes)."""
    made = blob_ops(uuid.UUID(str(centre_id)), pdf, chunk_bytes=step, one_op_max=0)
    assert {k for k, _, _ in made} == {"print_chunk"} and len(made) > 1
    return [slice_op(i + 1, eid, payload) for i, (_, eid, payload) in enumerate(made)]


def slice_op(n: int, entity_id: Any, payload: dict[str, Any]) -> dict[str, Any]:
    o = op(n, "print_chunk", entity_id, **payload)
    o["payload"] = payload
    return o


def ticket(n: int) -> dict[str, Any]:
    return op(n, "ticket", None, status="done")


def pulled_slices(hub: Any, centre: str) -> list[dict[str, Any]]:
    """What a new device of the centre (a restore) is served of its prints' slices."""
    other = hub.device(centre)
    r = hub.http.get("/api/v1/pull?cursor=0&limit=2000", headers=other["headers"])
    assert r.status_code == 200
    return [c["payload"] for c in r.json()["changes"] if c["entity"] == "print_chunk"]


def messages(hub: Any) -> list[str]:
    with hub.sessions() as s:
        return list(s.scalars(select(HubConflict.message)))


def test_slices_that_add_up_are_taken_in_any_order_and_served_once(hub: Any) -> None:
    a = hub.device("100001")
    ops = slices(a["centre_id"])
    last, *rest = ops[::-1]  # the last slice first, the others in the next batch
    assert push(hub, a, {**last, "seq": 1}) == ["applied"]
    assert push(hub, a, *({**o, "seq": i + 2} for i, o in enumerate(rest))) == ["applied"] * 3
    # a slice sent again under another op id (two desks queued the same print): acknowledged,
    # never kept twice
    again = {**ops[1], "seq": 5, "op_id": str(uuid.uuid4())}
    assert push(hub, a, again, ticket(6)) == ["applied", "applied"]
    assert messages(hub) == []
    served = pulled_slices(hub, "100001")
    assert len(served) == 4
    sets, out = ChunkSets(), []
    for p in served:
        out.append(sets.add(p))
    assert [o for o in out if o is not None] == [(hashlib.sha256(PDF).hexdigest(), PDF)]
    with hub.sessions() as s:
        assert s.scalar(select(func.count()).select_from(HubPrintChunk)) == 4


def _mutated(centre_id: Any, change: dict[str, Any]) -> dict[str, Any]:
    o = slices(centre_id)[1]
    o["payload"] = {**o["payload"], **change}
    return o


BAD = {
    "index past the count": {"index": 4},
    "negative index": {"index": -1},
    "index as text": {"index": "1"},
    "index as a boolean": {"index": True},
    "huge count": {"count": 10**9},
    "count over the cap": {"count": MAX_CHUNKS + 1},
    "count that does not fit the sizes": {"count": 3},
    "huge size": {"size": 2**40},
    "huge compressed size": {"packed_size": 2**40, "count": 2**40 // 6000 + 1},
    "slice size over the cap": {"chunk_size": CHUNK_BYTES + 1},
    "slice shorter than its index says": {"data": base64.b64encode(b"x" * 10).decode()},
    "slice that is not base64": {"data": "not base64!"},
    "hash that is not one": {"sha256": "ab" * 31 + "zz"},
    "unknown encoding": {"encoding": "gzip"},
    "no data": {"data": None},
}


@pytest.mark.parametrize("change", BAD.values(), ids=BAD.keys())
def test_a_malformed_slice_is_a_listed_conflict_and_the_queue_moves_on(
    hub: Any, change: dict[str, Any]
) -> None:
    a = hub.device("100001")
    assert push(hub, a, _mutated(a["centre_id"], change), ticket(2)) == ["conflict", "applied"]
    assert len(messages(hub)) == 1
    assert pulled_slices(hub, "100001") == []  # never served
    with hub.sessions() as s:
        assert s.scalar(select(func.count()).select_from(HubPrintChunk)) == 0


def test_slices_that_contradict_the_ones_held_are_refused(hub: Any) -> None:
    a = hub.device("100001")
    ops = slices(a["centre_id"])
    assert push(hub, a, ops[0]) == ["applied"]
    overlapping = slices(a["centre_id"], step=5000)[1]  # same print, other slice size: overlaps
    changed = {**ops[0], "seq": 3, "op_id": str(uuid.uuid4())}
    changed["payload"] = {**changed["payload"], "data": base64.b64encode(os.urandom(6000)).decode()}
    assert push(hub, a, {**overlapping, "seq": 2}, changed, ticket(4)) == [
        "conflict",
        "conflict",
        "applied",
    ]
    assert len(messages(hub)) == 2
    # the print itself still arrives whole
    assert push(hub, a, *({**o, "seq": i + 5} for i, o in enumerate(ops[1:]))) == ["applied"] * 3
    assert len(pulled_slices(hub, "100001")) == 4


def test_slices_that_do_not_match_their_hash_are_kept_and_listed(hub: Any) -> None:
    a = hub.device("100001")
    ops = slices(a["centre_id"])
    wrong = hashlib.sha256(b"another paper").hexdigest()
    forged = []
    for i, o in enumerate(ops):  # consistent slices, ids derived right, but not of that hash
        payload = {**o["payload"], "sha256": wrong}
        forged.append(slice_op(i + 1, chunk_id(uuid.UUID(a["centre_id"]), wrong, i), payload))
    assert push(hub, a, *forged) == ["applied"] * 3 + ["conflict"]
    assert any("校验值不符" in m for m in messages(hub))
    served = pulled_slices(hub, "100001")
    sets = ChunkSets()
    with pytest.raises(ValueError):  # a restore does not take them either
        for p in served:
            sets.add(p)


def test_a_slice_decompressing_past_its_stated_size_is_refused_when_assembled(hub: Any) -> None:
    a = hub.device("100001")
    bomb = b"\0" * 5_000_000  # compresses to ~5 KB
    made = blob_ops(uuid.UUID(a["centre_id"]), bomb, chunk_bytes=2000, one_op_max=0)
    ops = [slice_op(i + 1, eid, {**p, "size": 1000}) for i, (_, eid, p) in enumerate(made)]
    statuses = push(hub, a, *ops)
    assert statuses[-1] == "conflict" and set(statuses[:-1]) <= {"applied"}


def test_a_single_print_blob_bomb_is_refused_without_being_unpacked(hub: Any) -> None:
    a = hub.device("100001")
    bomb = b"\0" * (MAX_PRINT_BYTES + 1)  # ~33 KB compressed
    payload = {
        "centre_id": a["centre_id"],
        "sha256": hashlib.sha256(bomb).hexdigest(),
        "size": len(bomb),
        "encoding": "zlib+base64",
        "data": base64.b64encode(zlib.compress(bomb, 9)).decode(),
    }
    o = op(1, "print_blob", blob_id(uuid.UUID(a["centre_id"]), payload["sha256"]))
    o["payload"] = payload
    assert push(hub, a, o, ticket(2)) == ["conflict", "applied"]


def test_another_centres_print_cannot_be_written_or_probed(hub: Any) -> None:
    a, b = hub.device("100001"), hub.device("100002")
    a_ops = slices(a["centre_id"])
    assert push(hub, a, a_ops[0]) == ["applied"]
    # B sends a slice A sent, under its id (A's centre id in the payload too), one naming A's centre
    # under an id of its own
    under_a = {**a_ops[0], "seq": 1, "op_id": str(uuid.uuid4())}
    b_ops = slices(b["centre_id"])
    naming_a = {**b_ops[1], "seq": 2}
    naming_a["payload"] = {**naming_a["payload"], "centre_id": a["centre_id"]}
    sha = hashlib.sha256(PDF).hexdigest()
    blob = blob_payload(uuid.UUID(a["centre_id"]), b"%PDF small")
    assert blob is not None
    a_blob = op(1, "print_blob", blob_id(uuid.UUID(a["centre_id"]), blob["sha256"]))
    a_blob["payload"] = blob
    assert push(hub, a, {**a_blob, "seq": 9}) == ["applied"]
    # (a print's ids are derived from the centre's own id, which the hub does not hold: the id it
    # sent first tells whose it is)
    assert push(hub, b, under_a, naming_a, {**a_blob, "seq": 3}, ticket(4)) == ["conflict"] * 3 + [
        "applied"
    ]
    with hub.sessions() as s:  # nothing of B's under A's print, and A's print goes on
        assert s.scalars(
            select(HubPrintChunk.centre_id).where(HubPrintChunk.sha256 == sha)
        ).all() == [uuid.UUID(a["centre_id"])]
    assert push(hub, a, *({**o, "seq": i + 10} for i, o in enumerate(a_ops[1:]))) == ["applied"] * 3
    assert pulled_slices(hub, "100002") == []


def test_an_op_over_the_body_limit_is_a_4xx_not_a_5xx(hub: Any) -> None:
    a = hub.device("100001")
    o = slices(a["centre_id"])[0]
    o["payload"] = {**o["payload"], "data": base64.b64encode(os.urandom(P.MAX_PUSH_BYTES)).decode()}
    r = hub.http.post("/api/v1/push", json={"ops": [o]}, headers=a["headers"])
    assert r.status_code == 413
    assert VERSIONS  # the same headers a centre sends
    with hub.sessions() as s:
        assert s.scalar(select(func.count()).select_from(HubChange)) == 0


def test_a_pull_cuts_large_slices_into_pages_and_serves_each_once(hub: Any) -> None:
    a = hub.device("100001")
    pdf = os.urandom(6 * 1024 * 1024)  # 12 slices of 512 KB (~8.4 MB of base64)
    made = blob_ops(uuid.UUID(a["centre_id"]), pdf)
    seq, sent = 0, []
    for _, eid, payload in made:  # each slice with a ticket after it, one batch each
        seq += 2
        t = ticket(seq)
        assert push(hub, a, slice_op(seq - 1, eid, payload), t) == ["applied", "applied"]
        sent += [str(eid), t["entity_id"]]
    other = hub.device("100001")
    cursor, pages, served, more, sets = 0, 0, [], True, ChunkSets()
    done = []
    while more:
        r = hub.http.get(f"/api/v1/pull?cursor={cursor}&limit=2000", headers=other["headers"])
        assert r.status_code == 200
        body = r.json()
        pages += 1
        assert sum(len(c["payload"].get("data", "")) for c in body["changes"]) < 9_000_000
        served += [c["entity_id"] for c in body["changes"] if c["entity"] != "sync_conflict"]
        done += [sets.add(c["payload"]) for c in body["changes"] if c["entity"] == "print_chunk"]
        cursor, more = body["cursor"], body["more"]
    assert pages > 1
    assert served == sent  # in order, each once
    assert done[-1] == (hashlib.sha256(pdf).hexdigest(), pdf)
