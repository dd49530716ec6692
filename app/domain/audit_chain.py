"""The audit trail's hash chain: each record's hash covers its fields and the hash before; a keyed MAC seals it."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class ChainEntry:
    """One audit record as the chain sees it (ids and codes only, never personal data)."""

    seq: int | None
    at: datetime
    user_id: uuid.UUID | None
    centre_id: uuid.UUID | None
    action: str
    subject_type: str
    subject_id: uuid.UUID | None
    window: str
    result: str
    detail: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = ""
    hash: str = ""
    mac: str = ""


def _text(value: uuid.UUID | None) -> str:
    return "" if value is None else str(value)


def canonical(entry: ChainEntry) -> bytes:
    """The bytes the hash covers: every field but the chain's own, in a fixed form."""
    at = entry.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = [
        entry.seq,
        at,
        _text(entry.user_id),
        _text(entry.centre_id),
        entry.action,
        entry.subject_type,
        _text(entry.subject_id),
        entry.window,
        entry.result,
        entry.detail,
    ]
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(entry: ChainEntry, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


def entry_mac(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


def seal(entry: ChainEntry, prev_hash: str, key: bytes) -> tuple[str, str]:
    """(hash, mac) of a new record following a record whose hash is `prev_hash`."""
    digest = entry_hash(entry, prev_hash)
    return digest, entry_mac(key, digest)


# What verification can find, in words an auditor reads.
CHANGED = "changed"  # a record's content no longer matches its hash
DELETED = "deleted"  # records are missing (a gap in the numbers, or the link skips a record)
INSERTED = "inserted"  # a record that this centre's key never sealed, or one outside the chain
REORDERED = "reordered"  # a number appears twice or out of order

KIND_TEXT = {
    CHANGED: "记录内容被修改",
    DELETED: "记录被删除",
    INSERTED: "记录不是本系统写入的（被插入，或被改写后重算了哈希）",
    REORDERED: "记录编号重复或顺序被改动",
}


@dataclass(frozen=True)
class ChainBreak:
    """Where the audit chain breaks: the record number, what is wrong, and details."""

    seq: int | None
    kind: str
    detail: str

    @property
    def text(self) -> str:
        where = f"第 {self.seq} 条" if self.seq is not None else "链外记录"
        return f"{where}：{KIND_TEXT[self.kind]}（{self.detail}）"


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the audit chain: records checked and any breaks."""

    checked: int
    breaks: tuple[ChainBreak, ...]
    last_seq: int
    last_hash: str

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> ChainBreak | None:
        return self.breaks[0] if self.breaks else None


def verify_chain(
    entries: Iterable[ChainEntry],
    key: bytes | None,
    *,
    after_seq: int = 0,
    after_hash: str = "",
    limit: int = 100,
) -> ChainReport:
    """Check entries in seq order, continuing a chain whose last record was (after_seq, after_hash).

    With the key (the centre) every MAC is checked too; without it (the hub) the hashes and their
    links are: a record changed after the hub received the ones after it, or records deleted or
    inserted before a batch, break the link to what the hub already holds. Returns at most
    `limit` breaks, the first one first."""
    breaks: list[ChainBreak] = []
    expected, prev = after_seq + 1, after_hash
    checked = 0
    for e in entries:
        if len(breaks) >= limit:
            break
        checked += 1
        if e.seq is None:
            breaks.append(ChainBreak(None, INSERTED, f"{e.action} 没有链编号"))
            continue
        if e.seq < expected:
            breaks.append(ChainBreak(e.seq, REORDERED, f"应为第 {expected} 条"))
            continue
        if e.seq > expected:
            breaks.append(ChainBreak(expected, DELETED, f"缺少第 {expected}–{e.seq - 1} 条"))
        recomputed = entry_hash(e, e.prev_hash)
        if recomputed != e.hash:
            breaks.append(ChainBreak(e.seq, CHANGED, e.action))
        elif key is not None and not hmac.compare_digest(entry_mac(key, e.hash), e.mac):
            breaks.append(ChainBreak(e.seq, INSERTED, f"{e.action}：校验码与本中心密钥不符"))
        elif e.prev_hash != prev and e.seq == expected:
            breaks.append(ChainBreak(e.seq, DELETED, "与前一条记录的链接断开"))
        expected, prev = e.seq + 1, e.hash
    return ChainReport(checked, tuple(breaks), expected - 1, prev)
