"""A push batch prepared before its transaction: the change-log COPY text and unstorable payloads."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from app.hub.batch import PushResult, prepare
from app.hub.changes import change_copy_text, dumps
from app.sync.protocol import Op, PushRequest, PushResponse


def _op(seq: int, payload: dict, op: str = "upsert", entity: str = "ticket") -> Op:
    return Op(
        seq=seq,
        op_id=uuid.uuid4(),
        entity=entity,
        entity_id=uuid.uuid4(),
        op=op,
        payload=payload,
        created_at=datetime.now(UTC),
    )


def test_copy_text_matches_the_general_formatter_for_awkward_text() -> None:
    awkward = {
        "note": 'tab\there\nnew line \\ backslash \r 中文 "quoted"',
        "n": 1.5,
        "nested": {"a": [1, None]},
    }
    ops = [_op(2, awkward, op="up\tsert"), _op(1, {"plain": "x"})]
    prepared = prepare(ops)
    assert [p.op.seq for p in prepared] == [1, 2]  # sorted by seq
    for p in prepared:
        o = p.op
        assert json.loads(p.json) == o.payload and p.json == dumps(o.payload)
        assert p.copy_text == change_copy_text(
            {
                "entity": o.entity,
                "entity_id": o.entity_id,
                "op": o.op,
                "payload": o.payload,
                "op_id": o.op_id,
                "device_seq": o.seq,
            }
        )


def test_unstorable_payloads_are_found_and_look_alikes_kept() -> None:
    ops = [
        {
            "seq": seq,
            "op_id": str(uuid.uuid4()),
            "entity": "ticket",
            "entity_id": str(uuid.uuid4()),
            "op": "upsert",
            "payload": payload,
            "created_at": datetime.now(UTC).isoformat(),
        }
        for seq, payload in enumerate(({"x": float("nan"), "s": "a\u0000b"}, {"big": "BIG"}), 1)
    ]
    # 1e400 as the centre would send it: a number the parser reads as an infinite float
    body = json.dumps({"ops": ops}).replace('"BIG"', "1e400").encode()
    bad, big = prepare(PushRequest.model_validate_json(body).ops)
    assert not bad.storable and json.loads(bad.json) == {"x": None, "s": "ab"}
    assert not big.storable and json.loads(big.json) == {"big": None}
    # text that only looks like one (a name, a note) is stored as it came
    (p,) = prepare([_op(1, {"name": "NaNa", "note": "Infinity \\u0000"})])
    assert p.storable and json.loads(p.json) == {"name": "NaNa", "note": "Infinity \\u0000"}


def test_push_result_is_a_valid_push_response() -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    result = PushResult(
        [(ids[0], 1, "applied"), (ids[1], 2, "conflict"), (ids[2], 3, "applied")],
        3,
        datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    )
    parsed = PushResponse.model_validate_json(result.json())
    assert [(a.op_id, a.seq, a.status) for a in parsed.acks] == result.acks
    assert parsed.conflicts == 1 and parsed.last_seq == 3 and parsed.hub_time == result.hub_time
