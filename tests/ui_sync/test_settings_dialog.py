"""Printers, paper and preview are chosen in a dialog and take effect in the open window at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QSettings

from app.services.bootstrap import Services
from app.services.setup import DEMO_PASSWORD, initialise
from ui.background import BackgroundOp
from ui.counter.documents_glue import PrinterSink
from ui.main_window import MainWindow
from ui.settings import A4_PRINTER, COUNTER_NUMBER, PRINT_PREVIEW, RECEIPT_PAPER, RECEIPT_PRINTER
from ui.settings_dialog import SettingsDialog


@contextmanager
def signed_in_window(qtbot, sqlite_url: str, settings: QSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    """clerk1's main window on a fresh demo centre, background work run inline."""
    BackgroundOp.run_inline(True)
    services = Services.for_url(sqlite_url)
    try:
        initialise(services.ctx)
        window = MainWindow(
            services, services.centre.sign_in("clerk1", DEMO_PASSWORD), settings=settings
        )
        qtbot.addWidget(window)
        yield window
    finally:
        BackgroundOp.run_inline(False)
        services.ctx.close()


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
    assert (
        RECEIPT_PRINTER.get(settings) == "EPSON TM-T82"
        and A4_PRINTER.get(settings) == "HP LaserJet"
    )
    assert RECEIPT_PAPER.get(settings) == "A4" and PRINT_PREVIEW.get(settings) is True

    with signed_in_window(qtbot, sqlite_url, settings) as window:
        assert window.printer.receipt_printer == "EPSON TM-T82"
        assert isinstance(window.desk.sink, PrinterSink) and window.desk.sink.preview
        PRINT_PREVIEW.set(settings, False)
        RECEIPT_PRINTER.set(settings, "")
        window.apply_settings()
        assert not window.desk.sink.preview and window.printer.receipt_printer == ""
        assert window.settings_menu.title() == "设置(&S)"  # Alt+S opens it


def test_this_desks_window_is_chosen_and_a_missing_one_is_shown(
    qtbot, sqlite_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat)
    COUNTER_NUMBER.set(
        settings, 99
    )  # a window that does not exist (closed, or a restored database)
    with signed_in_window(qtbot, sqlite_url, settings) as window:
        window.set_overview(window.services.centre.overview())  # what load() does in the background
        assert window.workspace.counter_id is None
        assert "99 号窗口不存在或已停用" in window.status_window.text()
        assert window.overview is not None
        windows = [(c.number, c.name) for c in window.overview.counters]
        dialog = SettingsDialog(settings, printers=[], windows=windows)
        qtbot.addWidget(dialog)
        assert (
            "不存在或已停用" in dialog.desk_window.currentText()
            and dialog.desk_window.count() == len(windows) + 1
        )
        dialog.desk_window.setCurrentIndex(dialog.desk_window.findData(2))
        dialog.save()
        assert COUNTER_NUMBER.get(settings) == 2
        window.apply_settings()
        second = next(c for c in window.overview.counters if c.number == 2)
        assert window.workspace.counter_id == second.id and window.workspace.window_number == 2
        assert window.status_window.text() == "2 号窗口"
