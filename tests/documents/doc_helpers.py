"""Helpers for document tests: text with positions, independent barcode decoding, font listing."""

from __future__ import annotations

import io
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from pypdf import PdfReader
from pyzbar import pyzbar


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF, whitespace removed (wrapping must not break the checks)."""
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join((p.extract_text() or "").split()) for p in reader.pages)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@dataclass(frozen=True)
class Fragment:
    page: int
    text: str
    x: float
    y: float
    size: float


def fragments(pdf: bytes) -> list[Fragment]:
    """Every text run with its start position in page space (pypdf's visitor)."""
    reader = PdfReader(io.BytesIO(pdf))
    out: list[Fragment] = []
    for n, page in enumerate(reader.pages):

        def visit(text, cm, tm, font, size, n=n):
            if not text.strip():
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            out.append(Fragment(n, text.strip(), x, y, size * (tm[0] or 1)))

        page.extract_text(visitor_text=visit)
    return out


def decode_codes(pdf: bytes, dpi: int = 200) -> list[tuple[str, str]]:
    """Rasterise with pdftoppm and decode with zbar (pyzbar): [(type, data)] over all pages."""
    found: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "doc.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(src), str(Path(d) / "p")], check=True
        )
        for png in sorted(Path(d).glob("p*.png")):
            with Image.open(png) as img:
                found += [(s.type, s.data.decode()) for s in pyzbar.decode(img)]
    return found


def pdffonts(pdf: bytes) -> list[list[str]]:
    """Rows of `pdffonts` output (name, type..., emb, sub, uni, object, id)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        out = subprocess.run(
            ["pdffonts", f.name], check=True, capture_output=True, text=True
        ).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def assert_within_page(pdf: bytes) -> None:
    """Every text run starts on the page and ends before its right edge."""
    from app.documents.pdf import text_width

    pages = PdfReader(io.BytesIO(pdf)).pages
    for f in fragments(pdf):
        box = pages[f.page].mediabox
        assert f.x >= 0 and f.x + text_width(f.text, f.size) <= float(box.width) + 1, f
        assert 0 <= f.y <= float(box.height), f
