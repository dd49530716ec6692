"""What a printed document can show: characters of the embedded font, no control or bidi marks."""

from __future__ import annotations

import unicodedata
from functools import cache

from app.domain.errors import ValidationError

LINE_BREAKS = frozenset("\n\r\t")  # a text area may hold these; they are laid out, not drawn
# Direction overrides and isolates reorder what is printed and can disguise a name or a reason.
BIDI_CONTROLS = frozenset(
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
)


@cache
def font_characters() -> frozenset[int]:
    """Code points the embedded WenQuanYi Micro Hei has a glyph for (reportlab is loaded here,
    at the first text checked, not when the app starts)."""
    from reportlab.pdfbase import pdfmetrics

    from app.documents.pdf import register_font

    font = pdfmetrics.getFont(register_font())
    return frozenset(font.face.charToGlyph)


def first_unprintable(text: str, *, multiline: bool = False) -> str | None:
    """The first character that would not print as typed, or None."""
    glyphs = font_characters()
    for ch in text:
        if multiline and ch in LINE_BREAKS:
            continue
        if ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return ch
        if ord(ch) not in glyphs and not ch.isspace():
            return ch
    return None


def describe(ch: str) -> str:
    """A character named for a clerk: the character itself when visible, always its code point."""
    if unicodedata.category(ch).startswith("C") or ch in BIDI_CONTROLS:
        return f"控制字符 U+{ord(ch):04X}"
    return f"“{ch}”（U+{ord(ch):04X}）"


def check_printable(text: str, label: str, field: str, *, multiline: bool = False) -> None:
    """Refuse text the papers cannot print (an emoji would silently vanish: "张 三")."""
    ch = first_unprintable(text, multiline=multiline)
    if ch is not None:
        raise ValidationError(
            "TEXT_UNPRINTABLE",
            f"“{label}”含有无法打印的字符{describe(ch)}，请删去或改用常用汉字",
            field,
        )
