"""Barcodes and QR codes read back by zbar; embedded subset fonts; byte-for-byte determinism."""

from __future__ import annotations

import subprocess
import sys

import pytest
from doc_helpers import decode_codes, pdffonts
from pypdf import PdfReader

from app.documents.demo import DEMO_CASE, DEMO_CODE, demo_document, demo_receipt
from app.documents.model import DocumentKind
from app.documents.pdf import sha256
from app.documents.render import render

PAYLOAD = f"OW:{DEMO_CASE}:{DEMO_CODE}"


@pytest.mark.parametrize("kind", ["receipt", "receipt-80mm", "completion"])
def test_case_barcode_and_qr_decode(rendered: dict[str, bytes], kind: str) -> None:
    codes = decode_codes(rendered[kind])
    assert ("CODE128", DEMO_CASE) in codes
    assert ("QRCODE", PAYLOAD) in codes


def test_ticket_barcode_decodes(rendered: dict[str, bytes]) -> None:
    assert decode_codes(rendered["ticket"]) == [("CODE128", "20261123A017")]


def test_form_barcode_decodes(rendered: dict[str, bytes]) -> None:
    assert ("CODE128", DEMO_CASE) in decode_codes(rendered["form"])


def test_alphanumeric_case_number_decodes_on_the_roll() -> None:
    from dataclasses import replace

    data = replace(demo_receipt(), case_number="JN-MZ-2026-1123-00017", verification_code="AB12")
    codes = decode_codes(render("receipt", data, paper="80mm"))
    assert ("CODE128", "JN-MZ-2026-1123-00017") in codes
    assert ("QRCODE", "OW:JN-MZ-2026-1123-00017:AB12") in codes


@pytest.mark.parametrize(
    "kind", ["ticket", "receipt", "receipt-80mm", "supplement", "rejection", "completion", "form"]
)
def test_fonts_embedded_as_subsets(rendered: dict[str, bytes], kind: str) -> None:
    rows = pdffonts(rendered[kind])
    assert rows
    for row in rows:
        name, emb, sub = row[0], row[-5], row[-4]
        assert "WenQuanYiMicroHei" in name and "+" in name, row
        assert (emb, sub) == ("yes", "yes"), row
    import io

    reader = PdfReader(io.BytesIO(rendered[kind]))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "/FontFile2" in font["/FontDescriptor"].get_object()


@pytest.mark.parametrize("kind", [k.value for k in DocumentKind])
def test_same_data_same_bytes(kind: str) -> None:
    data, paper = demo_document(kind)
    first = render(kind, data, paper=paper)
    assert render(kind, data, paper=paper) == first


def test_bytes_identical_in_a_fresh_process(rendered: dict[str, bytes]) -> None:
    code = (
        "import sys; from app.documents.demo import demo_document; "
        "from app.documents.pdf import sha256; from app.documents.render import render; "
        "d, p = demo_document('receipt'); sys.stdout.write(sha256(render('receipt', d, p)))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout == sha256(rendered["receipt"])


def test_sha256_changes_with_the_data() -> None:
    from dataclasses import replace

    a = demo_receipt()
    assert sha256(render("receipt", a)) != sha256(render("receipt", replace(a, clerk_name="赵敏")))
