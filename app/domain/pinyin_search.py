"""Search keys for Chinese names: full pinyin and initials, so clerks find 低保申请 by typing `dbsq`.

The keys are computed when a catalogue is imported and stored with each matter (`search_text`,
`name_keys`), so searching never needs pypinyin; it is imported only to compute keys (its
dictionaries take a noticeable part of a second to load)."""

from __future__ import annotations

import re
from collections.abc import Sequence


def pinyin_keys(text: str) -> tuple[str, str]:
    """(initials, full pinyin) of `text`, lowercase, non-Chinese characters kept as they are."""
    from pypinyin import Style, lazy_pinyin

    initials = "".join(
        s[0] for s in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default") if s
    )
    full = "".join(lazy_pinyin(text, errors="default"))
    return initials.lower(), full.lower()


def search_text(*parts: str) -> str:
    """One lowercase string holding every part and its pinyin forms, for substring matching."""
    pieces: list[str] = []
    for part in parts:
        if not part:
            continue
        initials, full = pinyin_keys(part)
        pieces.extend([part.lower(), initials, full])
    return " ".join(pieces)


# Clerks often type the action with the matter ("低保申请" → dbsq); the catalogue names the matter only.
_ACTION_SUFFIXES = ("shenqing", "shenling", "banli", "申请", "申领", "办理", "sq", "sl", "bl")


def matches(query: str, text: str) -> bool:
    """True when the query (spaces ignored, any case), or the query without a trailing action word
    such as 申请 / sq, occurs in one of the text's words."""
    q = query.strip().lower().replace(" ", "")
    if not q:
        return False
    words = text.split(" ")
    if any(q in word for word in words):
        return True
    for suffix in _ACTION_SUFFIXES:
        core = q.removesuffix(suffix)
        if core != q and len(core) >= 2:
            return any(core in word for word in words)
    return False


_SEGMENTS = re.compile(r"[（）()、，,·\s]+")
_SUFFIXES = ("sq", "sl", "bl", "申请", "申领", "办理")


def name_keys(name: str) -> list[list[str]]:
    """Each segment of a name (split at brackets, 、 and spaces) with its pinyin initials and full
    pinyin: what `closeness` ranks by, stored with the matter when the catalogue is imported."""
    keys = []
    for seg in filter(None, _SEGMENTS.split(name)):
        initials, full = pinyin_keys(seg)
        keys.append([seg.lower(), initials, full])
    return keys


def closeness(query: str, name: str, keys: Sequence[Sequence[str]] | None = None) -> int:
    """0: a segment of the name (or its pinyin initials) starts with the query, 1: contains it,
    2: matched elsewhere (keywords); `dbsq` finds 最低生活保障（低保…） before 创业担保贷款.
    `keys` are the name's stored `name_keys` (computed from `name` when not given)."""
    q = query.strip().lower().replace(" ", "")
    if not q:
        return 0
    cores = [q] + [q.removesuffix(s) for s in _SUFFIXES if q.endswith(s) and len(q) - len(s) >= 2]
    best = 2
    for segment in keys if keys else name_keys(name):
        for key in segment:
            for core in cores:
                if key.startswith(core):
                    return 0
                if core in key:
                    best = 1
    return best
