"""A push batch outside its transaction: ops encoded and parsed once before any lock, and the acknowledgement."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import to_json

from app.hub.changes import copy_opt, copy_str, parse_uuid
from app.sync.kinds import EVENT, KINDS, LEGACY_NAMES
from app.sync.protocol import Op

# Text PostgreSQL's json type refuses, as pydantic-core writes it: non-finite numbers (a NaN, or
# 1e400 and the like, which the parser turns into an infinite float) and the NUL character.
_UNSTORABLE = (b"NaN", b"Infinity", b"\\u0000")
UNSTORABLE_MESSAGE = "数据含有无法保存的内容（非有限数值或空字符），已记录但未采用"


def _storable(value: Any) -> Any:
    """`value` with non-finite floats as null and NUL characters dropped, or None if it had none."""
    changed = False

    def clean(v: Any) -> Any:
        nonlocal changed
        if isinstance(v, float) and not math.isfinite(v):
            changed = True
            return None
        if isinstance(v, str) and "\x00" in v:
            changed = True
            return v.replace("\x00", "")
        if isinstance(v, dict):
            return {clean(k): clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    cleaned = clean(value)
    return cleaned if changed else None


@dataclass(slots=True)
class Prepared:
    """An op with what the transaction needs of it worked out beforehand (CPU only, no lock held):
    its payload as JSON text, its ids as text, the case it belongs to and its change-log COPY text."""

    op: Op
    json: str
    op_id: str
    entity_id: str
    case_id: uuid.UUID | None  # the case the op's row is or belongs to (kinds.Kind.case_field)
    storable: bool = True
    copy_text: str = ""  # the change-log row's op columns as COPY text (changes.change_copy_text)


def _case_of(o: Op, cases: dict[Any, uuid.UUID | None]) -> uuid.UUID | None:
    """The case an op's row belongs to: the case itself, or the case its payload names (`cases`:
    the payload values already parsed)."""
    kind = KINDS.get(o.entity)
    if kind is None:
        return None
    if kind.is_case:
        return o.entity_id
    if not kind.case_field:
        return None
    value = o.payload.get(kind.case_field)
    try:
        return cases[value]
    except KeyError:
        found = cases[value] = parse_uuid(value)
        return found
    except TypeError:  # not hashable (a list, a dict): not a case id
        return None


def prepare(ops: list[Op]) -> list[Prepared]:
    """Sort a batch by seq and encode every payload once (pydantic-core's encoder: the same text as
    `json.dumps(ensure_ascii=False, separators=(",", ":"))` at a third of the cost). A payload the
    json column cannot hold (NaN, Infinity, NUL) is stored cleaned and its op listed as a conflict,
    never a 5xx that would block the centre's queue. The batch's encoded payloads are searched
    for them at once, so that a clean batch (nearly all) skips the search op by op."""
    ops = sorted(ops, key=lambda o: o.seq)
    raws = [to_json(o.payload, inf_nan_mode="constants") for o in ops]
    joined = b"".join(raws)
    suspect = any(u in joined for u in _UNSTORABLE)
    cases: dict[Any, uuid.UUID | None] = {}  # a case's events name it again and again
    out = []
    for o, raw in zip(ops, raws, strict=True):
        if o.entity in LEGACY_NAMES:  # one name per kind: an earlier "case" is a "case_file"
            o.entity = LEGACY_NAMES[o.entity]
        storable = True
        if (
            suspect
            and any(u in raw for u in _UNSTORABLE)
            and (cleaned := _storable(o.payload)) is not None
        ):
            raw, storable = to_json(cleaned), False
        text = raw.decode()
        op_id, entity_id = str(o.op_id), str(o.entity_id)
        # the change-log row's op columns as COPY text: ids and the entity name (^[a-z_]+$) need no escaping
        case = _case_of(o, cases)
        event_case = case if o.entity == EVENT.name else None
        copy = (
            f"{o.entity}\t{entity_id}\t{copy_str(o.op)}\t{copy_str(text)}\t{op_id}\t{o.seq}\t"
            + copy_opt(event_case)
        )
        out.append(Prepared(o, text, op_id, entity_id, case, storable, copy))
    return out


@dataclass(slots=True)
class PushResult:
    """A batch's acknowledgement: `PushResponse` on the wire, built as text (500 pydantic acks cost
    more to construct than the whole change-log COPY)."""

    acks: list[tuple[str, int, str]]  # (op id, seq, "applied" | "conflict"), in seq order
    last_seq: int
    hub_time: datetime

    @property
    def conflicts(self) -> int:
        return sum(a[2] == "conflict" for a in self.acks)

    def json(self) -> str:
        acks = ",".join(f'{{"op_id":"{i}","seq":{q},"status":"{st}"}}' for i, q, st in self.acks)
        return (
            f'{{"acks":[{acks}],"last_seq":{self.last_seq},"conflicts":{self.conflicts},'
            f'"hub_time":"{self.hub_time.isoformat()}"}}'
        )
