"""Vector Code128 (python-barcode encodes) and QR codes (qrcode encodes) on a reportlab canvas, each
symbol decoded back from the modules about to be drawn and refused unless it says the value."""

from __future__ import annotations

from functools import lru_cache

import qrcode
from barcode.charsets import code128 as charsets
from barcode.codex import Code128
from qrcode.constants import ERROR_CORRECT_M
from reportlab.pdfgen.canvas import Canvas

from app.documents.pdf import BLACK, MM, draw_text

QUIET_MODULES = 10  # Code128 quiet zone each side
QR_QUIET_MODULES = 4


class SymbolMismatch(ValueError):
    """The modules about to be drawn do not say the value: a bug in an encoder, never printed."""


class _Code128(Code128):
    """python-barcode 0.16.1's Code128 without its start-code shortcut on data: starting in code set C
    it takes a leading "99" (a data pair) for the CODE C switch and folds it into the start code, so
    990101… came out as 0101… (upstream issue #251, fixed on main in PR #263, not released)."""

    def _try_to_optimize(self, encoded: list[int]) -> list[int]:
        if self.code[:2].isdigit() and len(self.code) >= 2:
            return encoded  # encoded[1] is a data pair of code set C, not a switch
        return super()._try_to_optimize(encoded)


_VALUE_OF = {pattern: value for value, pattern in enumerate(charsets.CODES)}
_SETS = {
    "A": {v: k for k, v in charsets.A.items()},
    "B": {v: k for k, v in charsets.B.items()},
}
_START = {103: "A", 104: "B", 105: "C"}
_SWITCH = {"TO_A": "A", "TO_B": "B", "TO_C": "C"}


def decode_code128_modules(bits: str) -> str:
    """Read a Code128 module pattern back to its text (start code, code sets, checksum, stop), the way
    a scanner does; SymbolMismatch when it is not a well-formed symbol."""
    stop = charsets.STOP + "11"
    if not bits.endswith(stop) or (len(bits) - len(stop)) % 11:
        raise SymbolMismatch("Code128: no stop pattern")
    try:
        values = [_VALUE_OF[bits[i : i + 11]] for i in range(0, len(bits) - len(stop), 11)]
    except KeyError as exc:
        raise SymbolMismatch("Code128: a symbol that is no Code128 character") from exc
    if len(values) < 2 or values[0] not in _START:
        raise SymbolMismatch("Code128: no start code")
    *data, check = values
    if (data[0] + sum(i * v for i, v in enumerate(data[1:], start=1))) % 103 != check:
        raise SymbolMismatch("Code128: wrong check character")
    charset, out = _START[data[0]], []
    for v in data[1:]:
        if charset == "C":
            if v < 100:
                out.append(f"{v:02d}")
                continue
            name = {100: "TO_B", 101: "TO_A"}.get(v, "")
        else:
            name = _SETS[charset].get(v, "")
        if name in _SWITCH:
            charset = _SWITCH[name]
        elif len(name) == 1:
            out.append(name)
        else:
            raise SymbolMismatch(f"Code128: unsupported function character {v}")
    return "".join(out)


@lru_cache(maxsize=256)
def code128_modules(value: str) -> str:
    """The bar pattern of a Code128 symbol as '1'/'0' modules, start to stop, without quiet zones;
    decoded back before it is returned (SymbolMismatch if it would scan as anything but `value`)."""
    bits = str(_Code128(value).build()[0])
    read = decode_code128_modules(bits)
    if read != value:
        raise SymbolMismatch(f"Code128 for {value!r} would scan as {read!r}")
    return bits


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
