"""Slices of another device's large print kept at the centre, in the pulling transaction, until whole."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db.models import PulledChunk
from app.domain.print_blobs import Chunk, ChunkSets, assemble, chunk_of


class StoredChunks(ChunkSets):
    """`ChunkSets` whose slices live in `pulled_print_chunk`, written in the transaction that
    applies their pull page: a round cut off between pages, or a print whose last slices reach the
    hub only later, keeps what it got, and the next ordinary pull completes the print."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def add(self, payload: dict[str, Any]) -> tuple[str, bytes] | None:
        """(sha256, bytes) when this slice completes its print (its slices then leave the table);
        raises BlobError for a bad slice or a print whose slices do not add up."""
        chunk = chunk_of(payload)
        s = self.session
        held = PulledChunk.sha256 == chunk.sha256
        if (
            s.scalar(select(PulledChunk.id).where(held, PulledChunk.slice_index == chunk.index))
            is None
        ):
            row = PulledChunk(  # a repeat of a slice is the same slice: the first kept
                sha256=chunk.sha256,
                slice_index=chunk.index,
                centre_id=chunk.centre_id[:36],
                size=chunk.size,
                packed_size=chunk.packed_size,
                chunk_size=chunk.chunk_size,
                slice_count=chunk.count,
                data=chunk.data,
            )
            s.add(row)
            s.flush()
            s.expunge(row)  # written: the session need not hold its bytes for the rest of the page
        if int(s.scalar(select(func.count()).where(held)) or 0) < chunk.count:
            return None
        rows = s.execute(
            select(
                PulledChunk.centre_id,
                PulledChunk.sha256,
                PulledChunk.size,
                PulledChunk.packed_size,
                PulledChunk.chunk_size,
                PulledChunk.slice_count,
                PulledChunk.slice_index,
                PulledChunk.data,
            ).where(held)
        ).all()
        s.execute(delete(PulledChunk).where(held).execution_options(synchronize_session=False))
        parts = [Chunk(*r[:7], bytes(r[7])) for r in rows]
        return chunk.sha256, assemble(parts)
