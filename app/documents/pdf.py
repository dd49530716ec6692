"""Low-level PDF helpers shared by every renderer: the embedded font, deterministic canvases, text wrapping."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from app.resources import resource_path

FONT = "WenQuanYiMicroHei"
FONT_FILE = ("fonts", "wqy-microhei.ttc")
CREATOR = "OneWindow 一窗通"

BLACK = Color(0, 0, 0)
GREY = Color(0.45, 0.45, 0.45)
LIGHT = Color(0.92, 0.92, 0.92)
WHITE = Color(1, 1, 1)

# Characters a line must not start with (simple 避头 rule): they hang at the end of the previous line.
NO_LINE_START = frozenset("，。、；：？！）》」』”’〕】%,.;:?!)")


def register_font() -> str:
    """Register WenQuanYi Micro Hei (face 0 of the TTC, embedded as a subset) once; return its name."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = resource_path(*FONT_FILE)
        # asciiReadable=False: subset 0 takes any 255 characters instead of reserving 32–126 for
        # ASCII, so a typical notice needs one subset, not two (half the subsetting work).
        pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0, asciiReadable=False))
    return FONT


def sha256(data: bytes) -> str:
    """Hex SHA-256 of rendered bytes: what a print record keeps to prove a reprint is identical."""
    return hashlib.sha256(data).hexdigest()


@contextmanager
def pdf_canvas(
    pagesize: tuple[float, float], title: str, author: str, subject: str = ""
) -> Iterator[tuple[Canvas, io.BytesIO]]:
    """A deterministic canvas (invariant=1: fixed dates and document id) writing into a buffer."""
    register_font()
    buf = io.BytesIO()
    c = Canvas(
        buf,
        pagesize=pagesize,
        invariant=1,
        pageCompression=1,
        initialFontName=FONT,
        initialFontSize=10,
    )
    c.setTitle(title)
    c.setAuthor(author)
    c.setCreator(CREATOR)
    c.setProducer(CREATOR)
    c.setSubject(subject or title)
    c.setFont(FONT, 10)
    yield c, buf


@lru_cache(maxsize=8192)
def char_width(ch: str, size: float) -> float:
    """Advance width of one character in the embedded font."""
    return pdfmetrics.stringWidth(ch, register_font(), size)


def text_width(text: str, size: float) -> float:
    """Advance width of a string in the embedded font."""
    return sum(char_width(ch, size) for ch in text)


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-_./@*")


def wrap(text: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than `width`: anywhere between CJK characters, not inside ASCII words."""
    lines: list[str] = []
    for para in text.split("\n"):
        cur: list[str] = []
        w = 0.0
        for ch in para:
            cw = char_width(ch, size)
            if cur and w + cw > width and ch not in NO_LINE_START:
                carry: list[str] = []
                if _is_word_char(ch):  # move a trailing ASCII word down, unless it fills the line
                    i = len(cur)
                    while i > 0 and _is_word_char(cur[i - 1]):
                        i -= 1
                    if i > 0:
                        carry = cur[i:]
                        cur = cur[:i]
                lines.append("".join(cur).rstrip())
                cur = carry
                w = text_width("".join(cur), size)
            cur.append(ch)
            w += cw
        lines.append("".join(cur).rstrip())
    return lines


def fit_size(text: str, size: float, width: float, minimum: float = 6.0) -> float:
    """The largest font size ≤ `size` (down to `minimum`) at which `text` fits on one line of `width`."""
    while size > minimum and text_width(text, size) > width:
        size -= 0.5
    return size


def draw_text(
    c: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    align: str = "left",
    bold: bool = False,
    color: Color = BLACK,
) -> None:
    """Draw one line at baseline y; align left/centre/right around x; fake bold by stroking the glyphs."""
    previous = c._fillColorObj  # a shaded cell may have left a light fill: text is always `color`
    coloured = previous != color
    if coloured:
        c.setFillColor(color)
    if c._fontsize != size or c._fontname != FONT:  # setFont writes an operator: only when needed
        c.setFont(FONT, size)
    if align == "centre":
        x -= text_width(text, size) / 2
    elif align == "right":
        x -= text_width(text, size)
    if bold:
        t = c.beginText(x, y)
        t.setTextRenderMode(2)
        c.setStrokeColor(color)
        c.setLineWidth(size * 0.035)
        t.textOut(text)
        t.setTextRenderMode(0)
        c.drawText(t)
        c.setLineWidth(1)
        c.setStrokeColor(BLACK)
    else:
        c.drawString(x, y, text)
    if coloured:
        c.setFillColor(previous)


def draw_lines(
    c: Canvas,
    x: float,
    y_top: float,
    lines: list[str],
    size: float,
    leading: float,
    align: str = "left",
    bold: bool = False,
) -> float:
    """Draw wrapped lines downward from y_top (the top of the first line box); return the height used."""
    y = y_top - size * 0.98 - (leading - size) / 2
    for line in lines:
        draw_text(c, x, y, line, size, align=align, bold=bold)
        y -= leading
    return leading * len(lines)


MM = mm
