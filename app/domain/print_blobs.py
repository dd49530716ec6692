"""A printed document's exact bytes as they travel to the hub: compressed, content-addressed, sent once.

The hub keeps every print a centre made so that a restore can reprint them byte for byte. The
bytes travel once per distinct document (its SHA-256) and centre: a reprint of the same bytes
sends nothing again. A print that fits one push batch travels as one op of kind `print_blob`; a
larger one (scanned pages, photos) as `print_chunk` ops, each a slice of the compressed bytes
with the whole print's SHA-256, sizes and slice count, so that the hub and a restore can check
the slices add up and the assembled bytes match the hash. Ids are derived from the centre and the
hash (and the slice's index), so the same bytes printed at two centres are two records, each its
centre's own, and no centre learns from an id what another printed.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

BLOB_NS = uuid.UUID("0b1e5a2c-7d4f-4e61-9c3a-70726e74626c")
ENCODING = "zlib+base64"
BLOB_KIND, CHUNK_KIND = "print_blob", "print_chunk"
PRINT_KINDS = (BLOB_KIND, CHUNK_KIND)
# Compressed bytes up to this travel as one `print_blob` op (an op must fit one 1 MB push batch as
# base64 JSON; the counter's papers are 30-40 KB); larger ones in slices of CHUNK_BYTES.
MAX_COMPRESSED = 700_000
CHUNK_BYTES = 512 * 1024  # compressed bytes per `print_chunk` op: ~700 KB of base64, one per batch
MAX_PRINT_BYTES = 32 * 1024 * 1024  # a print larger than this (uncompressed) stays on its PC
# zlib's worst case on incompressible bytes is a few bytes per 16 KB block over the input
MAX_PACKED = MAX_PRINT_BYTES + MAX_PRINT_BYTES // 1000 + 1024
MAX_CHUNKS = -(-MAX_PACKED // CHUNK_BYTES)
_SHA = re.compile(r"^[0-9a-f]{64}$")


class BlobError(ValueError):
    """A blob payload that cannot be decoded or whose bytes do not match its hash."""


def blob_id(centre_id: uuid.UUID, sha256: str) -> uuid.UUID:
    """The record id of one centre's copy of the document with this SHA-256."""
    return uuid.uuid5(BLOB_NS, f"{centre_id}:{sha256}")


def chunk_id(centre_id: uuid.UUID, sha256: str, index: int) -> uuid.UUID:
    """The record id of slice `index` of one centre's copy of the document with this SHA-256."""
    return uuid.uuid5(BLOB_NS, f"{centre_id}:{sha256}:{index}")


def blob_payload(centre_id: uuid.UUID, pdf: bytes) -> dict[str, Any] | None:
    """The single op payload carrying `pdf`, or None when it is too large for one op."""
    packed = zlib.compress(pdf, 6)
    if len(packed) > MAX_COMPRESSED:
        return None
    return {
        "centre_id": str(centre_id),
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "size": len(pdf),
        "encoding": ENCODING,
        "data": base64.b64encode(packed).decode("ascii"),
    }


def blob_ops(
    centre_id: uuid.UUID,
    pdf: bytes,
    chunk_bytes: int = CHUNK_BYTES,
    one_op_max: int = MAX_COMPRESSED,
) -> list[tuple[str, uuid.UUID, dict[str, Any]]]:
    """(kind, id, payload) of the ops carrying `pdf`: one `print_blob` when its compressed bytes
    fit one op (`one_op_max`), else `print_chunk` slices of `chunk_bytes`; none when it is over
    MAX_PRINT_BYTES (it stays on its PC)."""
    if len(pdf) > MAX_PRINT_BYTES:
        return []
    sha = hashlib.sha256(pdf).hexdigest()
    packed = zlib.compress(pdf, 6)
    if len(packed) <= min(one_op_max, MAX_COMPRESSED):
        single = blob_payload(centre_id, pdf)
        assert single is not None
        return [(BLOB_KIND, blob_id(centre_id, sha), single)]
    count = -(-len(packed) // chunk_bytes)
    return [
        (
            CHUNK_KIND,
            chunk_id(centre_id, sha, i),
            {
                "centre_id": str(centre_id),
                "sha256": sha,
                "size": len(pdf),
                "encoding": ENCODING,
                "packed_size": len(packed),
                "chunk_size": chunk_bytes,
                "count": count,
                "index": i,
                "data": base64.b64encode(packed[i * chunk_bytes : (i + 1) * chunk_bytes]).decode(
                    "ascii"
                ),
            },
        )
        for i in range(count)
    ]


def without_bytes(payload: dict[str, Any]) -> dict[str, Any]:
    """What an op carrying print bytes keeps at the centre once the hub has acknowledged it: every
    field but the bytes (centre, SHA-256, sizes, slice index) — the printed record keeps the paper."""
    return {k: v for k, v in payload.items() if k != "data"}


def blob_bytes(payload: dict[str, Any]) -> tuple[str, bytes]:
    """(sha256, the exact bytes) of a blob payload, checked against its hash; never decompressed
    past MAX_PRINT_BYTES (a small payload may be a zlib bomb)."""
    try:
        if payload.get("encoding") != ENCODING:
            raise BlobError(f"unknown encoding {payload.get('encoding')!r}")
        d = zlib.decompressobj()
        data = d.decompress(
            base64.b64decode(str(payload["data"]), validate=True), MAX_PRINT_BYTES + 1
        )
        if len(data) > MAX_PRINT_BYTES or d.unconsumed_tail:
            raise BlobError("print blob larger than a print may be")
        sha = str(payload["sha256"])
    except (KeyError, ValueError, zlib.error) as exc:
        raise BlobError(f"undecodable print blob: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != sha:
        raise BlobError("print blob does not match its SHA-256")
    return sha, data


@dataclass(frozen=True, slots=True)
class Chunk:
    """One checked slice of a print's compressed bytes."""

    centre_id: str
    sha256: str
    size: int  # the print's bytes, uncompressed
    packed_size: int  # the print's compressed bytes
    chunk_size: int
    count: int
    index: int
    data: bytes

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """What every slice of one print must agree on."""
        return self.size, self.packed_size, self.chunk_size, self.count

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _int(payload: dict[str, Any], key: str, low: int, high: int) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BlobError(f"{key} must be a whole number from {low} to {high}")
    return value


def chunk_of(payload: dict[str, Any]) -> Chunk:
    """A `print_chunk` payload checked on its own: known encoding, sizes within the caps, a slice
    count that fits the sizes, an index below it and the slice's length where its index puts it."""
    if payload.get("encoding") != ENCODING:
        raise BlobError(f"unknown encoding {payload.get('encoding')!r}")
    sha = payload.get("sha256")
    if not isinstance(sha, str) or not _SHA.match(sha):
        raise BlobError("sha256 must be 64 lower-case hex digits")
    size = _int(payload, "size", 1, MAX_PRINT_BYTES)
    packed = _int(payload, "packed_size", 1, MAX_PACKED)
    step = _int(payload, "chunk_size", 1, CHUNK_BYTES)
    count = _int(payload, "count", 2, MAX_CHUNKS)
    index = _int(payload, "index", 0, count - 1)
    if count != -(-packed // step):
        raise BlobError("count does not match packed_size and chunk_size")
    try:
        data = base64.b64decode(str(payload.get("data", "")), validate=True)
    except ValueError as exc:
        raise BlobError(f"undecodable slice: {exc}") from exc
    if len(data) != min(step, packed - index * step):
        raise BlobError("slice length does not match its index")
    return Chunk(str(payload.get("centre_id", "")), sha, size, packed, step, count, index, data)


def assemble(chunks: list[Chunk]) -> bytes:
    """The print's exact bytes from all its slices, checked: one shape, every index once, the
    uncompressed size (never decompressing past it) and the SHA-256."""
    if not chunks:
        raise BlobError("no slices")
    first = chunks[0]
    by_index = {c.index: c for c in chunks}
    if any(c.shape != first.shape or c.sha256 != first.sha256 for c in chunks):
        raise BlobError("slices of one print disagree on its sizes")
    if sorted(by_index) != list(range(first.count)) or len(chunks) != first.count:
        raise BlobError("slices missing or repeated")
    packed = b"".join(by_index[i].data for i in range(first.count))
    d = zlib.decompressobj()
    try:
        data = d.decompress(packed, first.size + 1)
    except zlib.error as exc:
        raise BlobError(f"undecodable print: {exc}") from exc
    if len(data) != first.size or d.unconsumed_tail or not d.eof:
        raise BlobError("assembled print is not of its stated size")
    if hashlib.sha256(data).hexdigest() != first.sha256:
        raise BlobError("assembled print does not match its SHA-256")
    return data


class ChunkSets:
    """Slices as they are pulled, by print: a print's bytes once its last slice is in."""

    def __init__(self) -> None:
        self.parts: dict[str, dict[int, Chunk]] = {}

    def add(self, payload: dict[str, Any]) -> tuple[str, bytes] | None:
        """(sha256, bytes) when this slice completes its print; raises BlobError for a bad slice
        or a print whose slices do not add up."""
        chunk = chunk_of(payload)
        parts = self.parts.setdefault(chunk.sha256, {})
        parts.setdefault(
            chunk.index, chunk
        )  # a repeat of a slice is the same slice: the first kept
        if len(parts) < chunk.count:
            return None
        del self.parts[chunk.sha256]
        return chunk.sha256, assemble(list(parts.values()))
