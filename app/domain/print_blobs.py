"""A printed document's exact bytes as they travel to the hub: compressed, content-addressed, sent once.

The hub keeps every print a centre made so that a restore can reprint them byte for byte. The
bytes travel as the synced kind `print_blob`, one op per distinct document (its SHA-256) and
centre: a reprint of the same bytes sends nothing again. The blob's id is derived from the centre
and the hash, so the same bytes printed at two centres are two records, each its centre's own,
and no centre learns from an id what another printed.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
import zlib
from typing import Any

BLOB_NS = uuid.UUID("0b1e5a2c-7d4f-4e61-9c3a-70726e74626c")
ENCODING = "zlib+base64"
# Compressed bytes above this stay on the PC they were printed on (an op must fit one 1 MB push
# batch as base64 JSON; the counter's papers are 30-40 KB).
MAX_COMPRESSED = 700_000


class BlobError(ValueError):
    """A blob payload that cannot be decoded or whose bytes do not match its hash."""


def blob_id(centre_id: uuid.UUID, sha256: str) -> uuid.UUID:
    """The record id of one centre's copy of the document with this SHA-256."""
    return uuid.uuid5(BLOB_NS, f"{centre_id}:{sha256}")


def blob_payload(centre_id: uuid.UUID, pdf: bytes) -> dict[str, Any] | None:
    """The op payload carrying `pdf`, or None when it is too large to travel."""
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


def blob_bytes(payload: dict[str, Any]) -> tuple[str, bytes]:
    """(sha256, the exact bytes) of a blob payload, checked against its hash."""
    try:
        if payload.get("encoding") != ENCODING:
            raise BlobError(f"unknown encoding {payload.get('encoding')!r}")
        data = zlib.decompress(base64.b64decode(str(payload["data"]), validate=True))
        sha = str(payload["sha256"])
    except (KeyError, ValueError, zlib.error) as exc:
        raise BlobError(f"undecodable print blob: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != sha:
        raise BlobError("print blob does not match its SHA-256")
    return sha, data
