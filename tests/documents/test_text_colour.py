"""Every piece of text on every document is drawn dark enough to read (no text in a cell's shade)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from app.documents.demo import demo_document
from app.documents.render import render

KINDS = ["ticket", "receipt", "supplement", "rejection", "completion", "form"]


def _text_fill_greys(pdf: bytes) -> list[float]:
    """The fill grey level (0 black … 1 white) in force at every text-showing operator."""
    greys: list[float] = []
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        stream = ContentStream(page.get_contents(), reader)
        fill, stack = 0.0, []
        for operands, op in stream.operations:
            if op == b"q":
                stack.append(fill)
            elif op == b"Q":
                fill = stack.pop() if stack else 0.0
            elif op == b"g":
                fill = float(operands[0])
            elif op == b"rg":
                r, g, b = (float(v) for v in operands)
                fill = 0.299 * r + 0.587 * g + 0.114 * b
            elif op == b"k":
                fill = 1 - min(1.0, float(operands[3]) + max(float(v) for v in operands[:3]))
            elif op in (b"Tj", b"TJ", b"'", b'"'):
                greys.append(fill)
    return greys


@pytest.mark.parametrize("kind", KINDS)
def test_all_text_is_dark(kind: str) -> None:
    data, paper = demo_document(kind, "MZ-001" if kind == "form" else None)
    greys = _text_fill_greys(render(kind, data, paper))
    assert greys, "no text found"
    light = [g for g in greys if g > 0.55]
    assert not light, f"{len(light)} of {len(greys)} text runs drawn in a light colour"
