"""Printers, paper and preview are chosen in a dialog and take effect in the open window at once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from app.services.setup import DEMO_PASSWORD, initialise
from ui.background import BackgroundOp
from ui.counter.documents_glue import PrinterSink
from ui.main_window import MainWindow
from ui.services_facade import Services
from ui.settings import A4_PRINTER, PRINT_PREVIEW, RECEIPT_PAPER, RECEIPT_PRINTER
from ui.settings_dialog import SettingsDialog


def test_dialog_saves_and_window_applies(qtbot, sqlite_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat)
    RECEIPT_PRINTER.set(settings, "Old roll printer")
    dialog = SettingsDialog(settings, printers=["EPSON TM-T82", "HP LaserJet"])
    qtbot.addWidget(dialog)
    assert "未安装" in dialog.receipt_printer.currentText()  # a configured printer that vanished
    dialog.receipt_printer.setCurrentIndex(dialog.receipt_printer.findData("EPSON TM-T82"))
    dialog.a4_printer.setCurrentIndex(dialog.a4_printer.findData("HP LaserJet"))
    dialog.receipt_paper.setCurrentIndex(dialog.receipt_paper.findData("A4"))
    dialog.preview.setChecked(True)
    dialog.save()
    assert RECEIPT_PRINTER.get(settings) == "EPSON TM-T82" and A4_PRINTER.get(settings) == "HP LaserJet"
    assert RECEIPT_PAPER.get(settings) == "A4" and PRINT_PREVIEW.get(settings) is True

    BackgroundOp.run_inline(True)
    services = Services.for_url(sqlite_url)
    try:
        initialise(services.ctx)
        user = services.centre.sign_in("clerk1", DEMO_PASSWORD)
        window = MainWindow(services, user, settings=settings)
        qtbot.addWidget(window)
        assert window.printer.receipt_printer == "EPSON TM-T82"
        assert isinstance(window.desk.sink, PrinterSink) and window.desk.sink.preview
        PRINT_PREVIEW.set(settings, False)
        RECEIPT_PRINTER.set(settings, "")
        window.apply_settings()
        assert not window.desk.sink.preview and window.printer.receipt_printer == ""
        assert window.settings_menu.title() == "设置"
    finally:
        BackgroundOp.run_inline(False)
        services.ctx.close()
