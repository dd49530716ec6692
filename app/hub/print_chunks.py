"""Prints' bytes at the hub: each op checked on arrival, a large print assembled and verified when its last slice is in.

A centre sends a print's bytes once (app/domain/print_blobs.py): one `print_blob` op, or for a
large print `print_chunk` slices of its compressed bytes. The hub keeps them in its change log
(the store a restore pulls them from) and takes only what adds up: the id must be the one derived
from the centre and the print's hash, and a print belongs to the centre that first sent its id
(another centre's op under it is refused, as for any record; what a centre sends is only ever
served to that centre), sizes and slice counts within the caps, every
slice of one print agreeing on the print's sizes, each slice once. `hub_print_chunk` remembers the
slices held, so that a repeat of a slice (same bytes, another op id) is acknowledged without being
kept twice, and a different slice under a held index is refused. When the last slice arrives the
print is assembled, decompressed (never past its stated size) and checked against its SHA-256; a
print that does not is listed as a conflict. Nothing here raises: a bad op is a listed conflict
and the centre's queue moves on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.print_blobs import (
    BLOB_KIND,
    CHUNK_KIND,
    BlobError,
    Chunk,
    assemble,
    blob_bytes,
    blob_id,
    chunk_id,
    chunk_of,
)
from app.hub.batch import Prepared, parse_uuid
from app.hub.merge import Batch
from app.hub.models import HubChange, HubPrintChunk

PRINT_KINDS = frozenset({BLOB_KIND, CHUNK_KIND})
REFUSED, CONFLICT = "refused", "conflict"  # as app.hub.ingest names them
DUPLICATE = "duplicate"  # a slice held already, same bytes: acknowledged, kept as a receipt only
NOT_OURS = "打印原件的编号与本中心及其校验值不符（不属于本中心），未采用"
MALFORMED = "打印原件数据不符合格式，未采用："
DISAGREE = "打印原件的分块与此前收到的同一文件的分块不一致（大小或块数不同），未采用"
CHANGED = "打印原件的同一分块重复发送且内容不同，未采用"
BROKEN = "打印原件各分块拼合后与其校验值不符，已记录，恢复时不采用："


def _slices(session: Session, centre_id: uuid.UUID, sha256: str) -> dict[int, HubPrintChunk]:
    rows = session.scalars(
        select(HubPrintChunk).where(
            HubPrintChunk.centre_id == centre_id, HubPrintChunk.sha256 == sha256
        )
    )
    return {r.idx: r for r in rows}


def _held_bytes(
    session: Session, centre_id: uuid.UUID, rows: list[HubPrintChunk], arrived: dict[int, Chunk]
) -> list[Chunk]:
    """Every slice of a print: this batch's as they came, earlier ones from the change log."""
    earlier = [r.op_id for r in rows if r.idx not in arrived]
    payloads: dict[uuid.UUID, Any] = {}
    if earlier:
        payloads = dict(
            session.execute(
                select(HubChange.op_id, HubChange.payload).where(
                    HubChange.centre_id == centre_id, HubChange.op_id.in_(earlier)
                )
            ).all()
        )
    out = []
    for r in rows:
        held = arrived.get(r.idx)
        if held is None:
            payload = payloads.get(r.op_id)
            if not isinstance(payload, dict):  # purged, or not kept as it came
                raise BlobError(f"slice {r.idx} is no longer held")
            held = chunk_of(payload)
        out.append(held)
    return out


def _foreign(session: Session, centre_id: uuid.UUID, ops: list[Prepared]) -> set[uuid.UUID]:
    """Print ids of the batch another centre sent first (ix_hub_change_print)."""
    rows = session.execute(
        select(HubChange.entity_id)
        .where(
            HubChange.entity.in_(sorted(PRINT_KINDS)),
            HubChange.entity_id.in_({p.op.entity_id for p in ops}),
            HubChange.centre_id != centre_id,
            HubChange.status != REFUSED,
        )
        .distinct()
    )
    return set(rows.scalars())


def check_prints(session: Session, batch: Batch, ops: list[Prepared]) -> dict[str, str]:
    """Check a batch's print ops (in seq order) against what the hub holds. Returns the status of
    each op that is not simply applied (refused, conflict or duplicate); each refusal and conflict
    is listed to the centre."""
    out: dict[str, str] = {}
    foreign = _foreign(session, batch.centre_id, ops)
    held: dict[str, dict[int, HubPrintChunk]] = {}
    arrived: dict[str, dict[int, Chunk]] = {}

    def refuse(p: Prepared, message: str, status: str = REFUSED) -> None:
        out[p.op_id] = status
        batch.conflict("invalid_op", message, case_id=None, subject=p.op.entity_id, salt=p.op.op_id)

    for p in ops:
        o = p.op
        if o.entity == BLOB_KIND:
            try:
                sha, _ = blob_bytes(o.payload)
            except BlobError as exc:
                refuse(p, MALFORMED + str(exc))
                continue
            if not _ours(o.payload, o.entity_id, foreign, partial(_blob_id, sha)):
                refuse(p, NOT_OURS)
            continue
        try:
            c = chunk_of(o.payload)
        except BlobError as exc:
            refuse(p, MALFORMED + str(exc))
            continue
        if not _ours(o.payload, o.entity_id, foreign, partial(_chunk_id, c)):
            refuse(p, NOT_OURS)
            continue
        rows = held.get(c.sha256)
        if rows is None:
            rows = held[c.sha256] = _slices(session, batch.centre_id, c.sha256)
        first = next(iter(rows.values()), None)
        if (
            first is not None
            and (first.size, first.packed_size, first.chunk_size, first.count) != c.shape
        ):
            refuse(p, DISAGREE)
            continue
        if c.index in rows:
            if rows[c.index].digest == c.digest:
                out[p.op_id] = DUPLICATE
            else:
                refuse(p, CHANGED)
            continue
        row = HubPrintChunk(
            centre_id=batch.centre_id,
            sha256=c.sha256,
            idx=c.index,
            count=c.count,
            size=c.size,
            packed_size=c.packed_size,
            chunk_size=c.chunk_size,
            digest=c.digest,
            op_id=o.op_id,
            recorded_at=batch.now,
        )
        session.add(row)
        rows[c.index] = row
        arrived.setdefault(c.sha256, {})[c.index] = c
        if len(rows) == c.count:  # the last slice: the print as a whole
            try:
                assemble(
                    _held_bytes(session, batch.centre_id, list(rows.values()), arrived[c.sha256])
                )
            except BlobError as exc:
                refuse(p, BROKEN + str(exc), CONFLICT)
    return out


def _blob_id(sha256: str, centre: uuid.UUID) -> uuid.UUID:
    return blob_id(centre, sha256)


def _chunk_id(c: Chunk, centre: uuid.UUID) -> uuid.UUID:
    return chunk_id(centre, c.sha256, c.index)


def _ours(
    payload: dict[str, Any],
    entity_id: uuid.UUID,
    foreign: set[uuid.UUID],
    derive: Callable[[uuid.UUID], uuid.UUID],
) -> bool:
    """The op's id is the one derived from the centre its payload names (the centre's own id for
    itself, which the hub does not keep) and the print's hash, and no other centre sent it first."""
    named = parse_uuid(payload.get("centre_id"))
    return named is not None and entity_id == derive(named) and entity_id not in foreign
