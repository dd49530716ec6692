"""Entry points for the hall screens: `onewindow kiosk` and `onewindow board --screen N`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from app.services.bootstrap import Services, bootstrap
from ui.announcer import Announcer
from ui.background import BackgroundOp, install_excepthook
from ui.board import BoardWindow, show_full_screen_on
from ui.kiosk import KioskWindow
from ui.printing import PdfPrinter
from ui.qt_app import make_application
from ui.settings import BOARD_SCREEN, RECEIPT_PRINTER, VOICE_ENABLED

log = logging.getLogger(__name__)


def _application() -> QApplication:
    app = make_application()
    install_excepthook()
    return app


def _prepare(services: Services, start: Callable[[], None]) -> None:
    """Bring the schema up to date off the GUI thread (never seeds a demo centre), then start."""

    def failed(exc: Exception) -> None:
        log.error("database not ready: %s", exc)  # the window shows what the services say
        start()

    BackgroundOp(lambda: services.initialise(seed_demo=False)).success(lambda _r: start()).failure(
        failed
    ).run()


def run_kiosk(url: str) -> int:
    """The ticket kiosk, full screen on the primary (touch) screen, printing to the receipt roll."""
    app = _application()
    settings = QSettings()
    services = bootstrap(url)
    window = KioskWindow(
        services, printer=PdfPrinter(receipt_printer=RECEIPT_PRINTER.get(settings))
    )
    show_full_screen_on(window, None)  # the screen's size even where no window manager sets it
    QTimer.singleShot(0, lambda: _prepare(services, window.load))
    try:
        return app.exec()
    finally:
        BackgroundOp.wait_all(5000)
        services.close()


def run_board(url: str, screen: int | None) -> int:
    """The call board, full screen on `screen` (else the configured BOARD_SCREEN, else primary)."""
    app = _application()
    settings = QSettings()
    services = bootstrap(url)
    announcer = Announcer(enabled=VOICE_ENABLED.get(settings))
    if not announcer.available:
        log.info("board: voice call-out off (%s)", announcer.reason)
    window = BoardWindow(services, announcer=announcer)
    announcer.setParent(window)
    show_full_screen_on(window, screen if screen is not None else BOARD_SCREEN.get(settings))
    QTimer.singleShot(0, lambda: _prepare(services, window.start))
    try:
        return app.exec()
    finally:
        BackgroundOp.wait_all(5000)
        services.close()
