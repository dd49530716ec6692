"""Vector Code128 barcodes (python-barcode encodes) and QR codes (qrcode encodes) drawn on a reportlab canvas."""

from __future__ import annotations

from functools import lru_cache

import barcode
import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.pdfgen.canvas import Canvas

from app.documents.pdf import BLACK, MM, draw_text

QUIET_MODULES = 10  # Code128 quiet zone each side
QR_QUIET_MODULES = 4


@lru_cache(maxsize=256)
def code128_modules(value: str) -> str:
    """The bar pattern of a Code128 symbol as '1'/'0' modules, start to stop, without quiet zones."""
    return str(barcode.get("code128", value).build()[0])


def code128_width(value: str, module: float) -> float:
    """Width of the symbol including both quiet zones."""
    return (len(code128_modules(value)) + 2 * QUIET_MODULES) * module


def code128_module_for(value: str, max_width: float, preferred: float = 0.33 * MM) -> float:
    """The module width to use: `preferred`, narrowed to fit `max_width` (never below 0.25 mm)."""
    n = len(code128_modules(value)) + 2 * QUIET_MODULES
    return max(min(preferred, max_width / n), 0.25 * MM)


def _runs(bits: str | list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules."""
    out: list[tuple[int, int]] = []
    start = -1
    for i, b in enumerate(bits):
        dark = b == "1" if isinstance(b, str) else bool(b)
        if dark and start < 0:
            start = i
        elif not dark and start >= 0:
            out.append((start, i - start))
            start = -1
    if start >= 0:
        out.append((start, len(bits) - start))
    return out


def draw_code128(
    c: Canvas,
    value: str,
    x: float,
    y: float,
    height: float,
    module: float,
    human_readable: bool = True,
    text_size: float = 8,
) -> tuple[float, float]:
    """Draw the symbol with its quiet zones from (x, y) = bottom-left; return (width, height) used."""
    bits = code128_modules(value)
    text_h = text_size * 1.3 if human_readable else 0.0
    bar_y = y + text_h
    c.setFillColor(BLACK)
    x0 = x + QUIET_MODULES * module
    p = c.beginPath()
    for start, length in _runs(bits):
        p.rect(x0 + start * module, bar_y, length * module, height)
    c.drawPath(p, stroke=0, fill=1)
    width = code128_width(value, module)
    if human_readable:
        draw_text(c, x + width / 2, y + text_size * 0.25, value, text_size, align="centre")
    return width, height + text_h


@lru_cache(maxsize=256)
def qr_matrix(payload: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules (error correction M, smallest version that fits), without the quiet zone."""
    q = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    q.add_data(payload)
    q.make(fit=True)
    return tuple(tuple(bool(v) for v in row) for row in q.get_matrix())


def draw_qr(c: Canvas, payload: str, x: float, y: float, size: float) -> float:
    """Draw a QR code whose quiet zone included spans `size` square from (x, y) = bottom-left."""
    matrix = qr_matrix(payload)
    n = len(matrix) + 2 * QR_QUIET_MODULES
    module = size / n
    c.setFillColor(BLACK)
    p = c.beginPath()
    for r, row in enumerate(matrix):
        ry = y + size - (r + QR_QUIET_MODULES + 1) * module
        for start, length in _runs(list(row)):
            p.rect(x + (start + QR_QUIET_MODULES) * module, ry, length * module, module)
    c.drawPath(p, stroke=0, fill=1)
    return size
