"""The chain as the hub checks it on arrival: batch after batch without the centre's key, each one
continuing what the hub already holds; and with the key as the centre checks it."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.domain.audit_chain import (
    CHANGED,
    DELETED,
    INSERTED,
    ChainEntry,
    entry_hash,
    seal,
    verify_chain,
)

KEY = b"k" * 32
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def chain(n: int, key: bytes = KEY) -> list[ChainEntry]:
    out: list[ChainEntry] = []
    prev = ""
    for i in range(1, n + 1):
        e = ChainEntry(
            seq=i,
            at=T0 + timedelta(seconds=i),
            user_id=uuid.UUID(int=i % 3),
            centre_id=None,
            action=("login", "cases_listed", "printed")[i % 3],
            subject_type="case",
            subject_id=uuid.UUID(int=i),
            window=str(i % 6 + 1),
            result="ok",
            detail={"found": i, "z": "值"},
        )
        digest, mac = seal(e, prev, key)
        out.append(replace(e, prev_hash=prev, hash=digest, mac=mac))
        prev = digest
    return out


@given(st.integers(min_value=2, max_value=60), st.data())
def test_batches_verify_one_after_another_without_the_key(n: int, data: st.DataObject) -> None:
    records = chain(n)
    cut = data.draw(st.integers(min_value=1, max_value=n - 1))
    first = verify_chain(records[:cut], None)
    assert first.ok and first.last_seq == cut
    second = verify_chain(records[cut:], None, after_seq=first.last_seq, after_hash=first.last_hash)
    assert second.ok and second.last_seq == n
    assert verify_chain(records, KEY).ok


@given(st.integers(min_value=3, max_value=40), st.data())
def test_any_change_deletion_or_insertion_is_found(n: int, data: st.DataObject) -> None:
    records = chain(n)
    i = data.draw(st.integers(min_value=0, max_value=n - 2))
    changed = [*records]
    changed[i] = replace(records[i], result="refused")
    assert verify_chain(changed, None).first_break.kind == CHANGED  # type: ignore[union-attr]
    deleted = records[:i] + records[i + 1 :]
    found = verify_chain(deleted, KEY).first_break
    assert found is not None and found.kind == DELETED and found.seq == i + 1
    # An insertion made to look right: renumbered and rehashed from there on, without the key.
    fake = replace(records[i], action="login", detail={})
    forged = [*records[:i], fake, *(replace(r, seq=(r.seq or 0) + 1) for r in records[i:])]
    prev = records[i - 1].hash if i else ""
    for j in range(i, len(forged)):
        digest = entry_hash(forged[j], prev)
        forged[j] = replace(forged[j], prev_hash=prev, hash=digest)
        prev = digest
    found = verify_chain(forged, KEY).first_break
    assert found is not None and found.kind == INSERTED and found.seq == i + 1


def test_hub_notices_an_already_received_record_rewritten_at_the_centre() -> None:
    records = chain(10)
    held = verify_chain(records[:6], None)  # what the hub received yesterday
    # At the centre record 6 is rewritten and every later hash recomputed (no key needed for that).
    rewritten = [*records]
    prev = records[4].hash
    for j in range(5, 10):
        e = replace(rewritten[j], result="refused") if j == 5 else rewritten[j]
        digest = entry_hash(e, prev)
        rewritten[j] = replace(e, prev_hash=prev, hash=digest)
        prev = digest
    today = verify_chain(rewritten[6:], None, after_seq=held.last_seq, after_hash=held.last_hash)
    assert not today.ok and today.first_break.seq == 7  # type: ignore[union-attr]
