"""No printer: papers go to a folder asked for once, named by kind and case number; Qt's own file
dialog speaks Chinese (qtbase_zh_CN ships with PySide6; its accelerator gaps are filled)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QLibraryInfo
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFileDialog,
    QHeaderView,
    QLabel,
    QTreeView,
)

from ui import printing
from ui.printing import A4, PdfPrinter
from ui.qt_app import install_chinese

LATIN = re.compile(r"[A-Za-z]{2,}")


def test_qtbase_chinese_ships_with_pyside6() -> None:
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    assert (folder / "qtbase_zh_CN.qm").is_file()


def test_qt_file_dialog_is_wholly_chinese(qapp) -> None:  # type: ignore[no-untyped-def]
    assert install_chinese(qapp)
    d = QFileDialog(None, "另存为PDF", "受理回执.pdf", "PDF 文件 (*.pdf)")
    d.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    d.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    texts = [w.text() for w in d.findChildren(QLabel) if w.text()]
    texts += [b.text() for b in d.findChildren(QAbstractButton) if b.text()]
    texts += [b.toolTip() for b in d.findChildren(QAbstractButton) if b.toolTip()]
    for view in d.findChildren(QTreeView):
        model, header = view.model(), view.findChild(QHeaderView)
        if model is not None and header is not None:
            texts += [str(model.headerData(i, header.orientation())) for i in range(header.count())]
    assert "查找范围(&L)：" in texts and "文件类型(&T)：" in texts
    assert not [t for t in texts if LATIN.search(t.replace("PDF", ""))], texts
    d.deleteLater()


def test_without_a_printer_papers_go_to_the_folder_asked_once(
    qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(PdfPrinter, "available_printers", staticmethod(lambda: []))
    asked: list[str] = []

    def ask(*_a: object, **_k: object) -> str:
        asked.append("folder")
        return str(tmp_path / "papers")

    monkeypatch.setattr(printing.QFileDialog, "getExistingDirectory", ask)
    kept: list[str] = []
    printer = PdfPrinter(None, on_folder_chosen=kept.append)
    name = "受理回执-990101202611300001.pdf"
    assert printer.print_pdf(b"%PDF-1 first", A4, suggested_name=name) == "saved"
    assert printer.print_pdf(b"%PDF-1 again", A4, suggested_name=name) == "saved"
    assert asked == ["folder"] and kept == [str(tmp_path / "papers")]
    files = sorted(p.name for p in (tmp_path / "papers").iterdir())
    assert files == ["受理回执-990101202611300001-2.pdf", "受理回执-990101202611300001.pdf"]
    assert (tmp_path / "papers" / name).read_bytes() == b"%PDF-1 first"

    later = PdfPrinter(None, pdf_folder=kept[0])  # the next start: the kept folder, no question
    assert later.print_pdf(b"%PDF-1 x", A4, suggested_name="办结通知书-1.pdf") == "saved"
    assert asked == ["folder"]


def test_cancelling_the_folder_question_prints_nothing(
    qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(PdfPrinter, "available_printers", staticmethod(lambda: []))
    monkeypatch.setattr(printing.QFileDialog, "getExistingDirectory", lambda *a, **k: "")
    assert PdfPrinter(None).print_pdf(b"%PDF", A4, suggested_name="x.pdf") == "cancelled"


def test_file_dialog_names_a_folder_in_chinese(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The file list's 类型 column: Qt 6 asks QAbstractFileIconProvider (qtbase_zh_CN lacks it)."""
    assert install_chinese(QApplication.instance())  # type: ignore[arg-type]
    (tmp_path / "文书").mkdir()
    d = QFileDialog(None, "选择文件夹", str(tmp_path))
    d.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    d.setFileMode(QFileDialog.FileMode.Directory)
    qtbot.addWidget(d)
    view = next(v for v in d.findChildren(QTreeView) if v.model() is not None)
    model = view.model()

    def folder_type() -> str:
        root = view.rootIndex()
        for row in range(model.rowCount(root)):
            if model.index(row, 0, root).data() == "文书":
                return str(model.index(row, 2, root).data())
        return ""

    qtbot.waitUntil(lambda: folder_type() != "", timeout=5000)
    assert folder_type() == "文件夹"
