"""A print's slices (app/domain/print_blobs.py): whatever the print, slice size and arrival order,
repeats included, the slices give back the exact bytes once the last is in; a slice changed in any
field never yields other bytes than the print's (it is refused, or the print does not add up)."""

from __future__ import annotations

import base64
import hashlib
import random
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.print_blobs import BlobError, ChunkSets, blob_ops

CENTRE = uuid.UUID(int=7)


def slices(pdf: bytes, step: int) -> list[dict[str, Any]]:
    return [p for _, _, p in blob_ops(CENTRE, pdf, chunk_bytes=step, one_op_max=0)]


prints = st.binary(min_size=1, max_size=6000)


@settings(max_examples=60, deadline=None)
@given(pdf=prints, step=st.integers(1, 700), seed=st.integers(0, 2**32), repeats=st.integers(0, 3))
def test_slices_in_any_order_give_back_the_print(
    pdf: bytes, step: int, seed: int, repeats: int
) -> None:
    parts = slices(pdf, step)
    if len(parts) < 2:  # fits one op: a print_blob, not slices
        return
    rnd = random.Random(seed)
    arriving = parts + [rnd.choice(parts) for _ in range(repeats)]
    rnd.shuffle(arriving)
    sets, done = ChunkSets(), []
    for p in arriving:
        if (got := sets.add(p)) is not None:
            done.append(got)
    assert done[0] == (hashlib.sha256(pdf).hexdigest(), pdf)
    assert sets.parts == {} or all(len(v) < len(parts) for v in sets.parts.values())


FIELDS = ("sha256", "size", "packed_size", "chunk_size", "count", "index", "data", "encoding")


@settings(max_examples=80, deadline=None)
@given(
    pdf=st.binary(min_size=200, max_size=3000),
    field=st.sampled_from(FIELDS),
    value=st.one_of(
        st.integers(-(2**40), 2**40), st.text(max_size=20), st.none(), st.booleans(), st.binary()
    ),
    which=st.integers(0, 10),
)
def test_a_changed_slice_never_yields_other_bytes(
    pdf: bytes, field: str, value: Any, which: int
) -> None:
    parts = slices(pdf, 64)
    k = which % len(parts)
    if isinstance(value, bytes):
        value = base64.b64encode(value).decode()
    changed = {**parts[k], field: value}
    if changed == parts[k]:
        return
    sets = ChunkSets()
    try:
        results = [sets.add(p) for p in [*parts[:k], changed, *parts[k + 1 :]]]
    except BlobError:
        return  # refused: a restore leaves the print out, the hub lists a conflict
    whole = [r for r in results if r is not None]
    assert all(r == (hashlib.sha256(pdf).hexdigest(), pdf) for r in whole)


def test_a_slice_that_decompresses_past_its_stated_size_is_refused() -> None:
    parts = slices(b"\0" * 200_000, 50)
    sets = ChunkSets()
    with pytest.raises(BlobError):
        for p in parts:
            sets.add({**p, "size": 1000})
