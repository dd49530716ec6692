"""The dispatcher and the `onewindow print` entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from doc_helpers import pdf_text

from app.documents.demo import DEMO_MATTERS, demo_receipt, demo_ticket, print_demo
from app.documents.model import DocumentKind
from app.documents.render import render


def test_wrong_data_type_is_refused() -> None:
    with pytest.raises(TypeError, match="ReceiptData"):
        render(DocumentKind.RECEIPT, demo_ticket())


def test_ticket_only_on_the_roll() -> None:
    with pytest.raises(ValueError, match="80mm"):
        render("ticket", demo_ticket(), paper="A4")
    with pytest.raises(ValueError):
        render("receipt", demo_receipt(), paper="A5")


@pytest.mark.parametrize("kind", [k.value for k in DocumentKind])
def test_print_demo_writes_every_kind(tmp_path: Path, kind: str) -> None:
    out = print_demo(kind, tmp_path / "sub" / f"{kind}.pdf", None, None)
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("matter", sorted(DEMO_MATTERS))
def test_print_demo_forms(tmp_path: Path, matter: str) -> None:
    out = print_demo("form", tmp_path / f"{matter}.pdf", matter, "A4")
    assert DEMO_MATTERS[matter][1].replace("《", "").replace("》", "") in pdf_text(
        out.read_bytes()
    ).replace("《", "").replace("》", "")


def test_print_demo_receipt_on_the_roll(tmp_path: Path) -> None:
    from pypdf import PdfReader

    out = print_demo("receipt", tmp_path / "r.pdf", None, "80mm")
    box = PdfReader(out).pages[0].mediabox
    assert abs(float(box.width) / 72 * 25.4 - 80) < 0.01


def test_print_demo_ticket_ignores_a4(tmp_path: Path) -> None:
    from pypdf import PdfReader

    out = print_demo("ticket", tmp_path / "t.pdf", None, "A4")
    assert abs(float(PdfReader(out).pages[0].mediabox.width) / 72 * 25.4 - 80) < 0.01
    out = print_demo("rejection", tmp_path / "x.pdf", None, "80mm")  # A4-only: prints on A4
    assert abs(float(PdfReader(out).pages[0].mediabox.width) / 72 * 25.4 - 210) < 0.01


def test_unknown_demo_matter(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no demo form"):
        print_demo("form", tmp_path / "x.pdf", "XX-999", None)
