"""Search keys for Chinese names: full pinyin and initials, so clerks find 低保申请 by typing `dbsq`."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def pinyin_keys(text: str) -> tuple[str, str]:
    """(initials, full pinyin) of `text`, lowercase, non-Chinese characters kept as they are."""
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


def matches(query: str, text: str) -> bool:
    """True when the query (spaces ignored, any case) occurs in one of the text's words."""
    q = query.strip().lower().replace(" ", "")
    return bool(q) and any(q in word for word in text.split(" "))
