"""Qt printing of rendered documents, offscreen: roll page size, A4, preview, save-as fallback."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pyzbar import pyzbar

from app.documents.demo import DEMO_CASE, demo_document
from app.documents.render import render
from ui import printing
from ui.printing import PdfPrinter

PT_PER_MM = 72 / 25.4


def _receipt(paper: str) -> bytes:
    data, _ = demo_document("receipt")
    return render("receipt", data, paper=paper)


def _print(qtbot, pdf: bytes, out: Path, paper: str) -> tuple[bool, str, object]:
    printer = PdfPrinter()
    seen: dict[str, object] = {}

    def on_done(ok: bool, message: str) -> None:
        seen["thread"] = QThread.currentThread()

    printer.finished.connect(on_done)
    with qtbot.waitSignal(printer.finished, timeout=30000) as blocker:
        printer.print_to_file(pdf, out, paper)
    ok, message = blocker.args
    return ok, message, seen.get("thread")


def test_receipt_prints_on_an_80mm_page(qtbot, tmp_path: Path) -> None:
    pdf = _receipt("80mm")
    out = tmp_path / "printed.pdf"
    ok, message, thread = _print(qtbot, pdf, out, "80mm")
    assert ok, message
    assert thread is QApplication.instance().thread()  # result delivered on the GUI thread
    printed = PdfReader(out)
    source = PdfReader(io.BytesIO(pdf))
    assert len(printed.pages) == 1
    box = printed.pages[0].mediabox
    assert float(box.width) == pytest.approx(80 * PT_PER_MM, abs=0.6)
    assert float(box.height) == pytest.approx(float(source.pages[0].mediabox.height), abs=1.5)


def test_printed_roll_still_scans(qtbot, tmp_path: Path) -> None:
    out = tmp_path / "printed.pdf"
    ok, message, _ = _print(qtbot, _receipt("80mm"), out, "80mm")
    assert ok, message
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(out), str(tmp_path / "p")], check=True)
    found = set()
    for png in tmp_path.glob("p*.png"):
        with Image.open(png) as img:
            found |= {(s.type, s.data.decode()) for s in pyzbar.decode(img)}
    assert ("CODE128", DEMO_CASE) in found


def test_a4_receipt_keeps_its_pages(qtbot, tmp_path: Path) -> None:
    data, _ = demo_document("receipt")
    from dataclasses import replace

    from app.documents.model import ReceivedMaterial

    many = replace(data, materials=tuple(ReceivedMaterial(f"材料{i}", "复印件") for i in range(25)))
    out = tmp_path / "a4.pdf"
    ok, message, _ = _print(qtbot, render("receipt", many, paper="A4"), out, "A4")
    assert ok, message
    pages = PdfReader(out).pages
    assert len(pages) == 2
    assert float(pages[0].mediabox.width) == pytest.approx(210 * PT_PER_MM, abs=1)
    assert float(pages[0].mediabox.height) == pytest.approx(297 * PT_PER_MM, abs=1)


def test_bad_pdf_reports_failure(qtbot, tmp_path: Path) -> None:
    ok, message, _ = _print(qtbot, b"not a pdf", tmp_path / "x.pdf", "A4")
    assert not ok
    assert "打印失败" in message


def test_preview_dialog_builds_and_paints(qtbot) -> None:
    printer = PdfPrinter()
    dialog = printer.preview_dialog(_receipt("80mm"), "80mm")
    qtbot.addWidget(dialog)
    painted = []
    dialog.paintRequested.connect(lambda p: painted.append(p))
    assert dialog.windowTitle() == "打印预览"
    dialog.show()
    qtbot.waitUntil(lambda: bool(painted), timeout=10000)
    size = painted[0].pageLayout().fullRect(printing.QPageLayout.Unit.Millimeter)
    assert size.width() == pytest.approx(80, abs=0.2)
    dialog.close()


# No printer: the folder asked for once (tests/ui_printing/test_paper_folder.py).


def test_configured_printer_is_chosen_per_paper(monkeypatch) -> None:
    monkeypatch.setattr(
        PdfPrinter, "available_printers", staticmethod(lambda: ["HP LaserJet", "XP-80C"])
    )
    p = PdfPrinter(receipt_printer="XP-80C", a4_printer="HP LaserJet")
    assert p.printer_for("80mm") == "XP-80C"
    assert p.printer_for("A4") == "HP LaserJet"
    missing = PdfPrinter(receipt_printer="gone", a4_printer="gone")
    assert missing.printer_for("80mm") in ("HP LaserJet", "XP-80C")


def test_roll_page_size_is_exact() -> None:
    from PySide6.QtCore import QSizeF

    size = printing.page_size_for("80mm", QSizeF(80 * PT_PER_MM, 200 * PT_PER_MM))
    mm = size.size(printing.QPageSize.Unit.Millimeter)
    assert (round(mm.width(), 1), round(mm.height(), 1)) == (80.0, 200.0)
