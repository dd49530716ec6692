"""Open a screen of the app in a real window (run under Xvfb) and save a screenshot of the X screen.

    xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python packaging/dev/screenshot.py main out.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.services.setup import initialise
from ui.background import BackgroundOp
from ui.services_facade import Services


def build(screen: str, services: Services):  # type: ignore[no-untyped-def]
    from ui.main_window import MainWindow

    if screen == "main":
        w = MainWindow(services, services.centre.sign_in("clerk1", "onewindow"))
        w.load()
        w.search.setText("低保")
        w.matter_view.selectRow(0)
        return w
    raise SystemExit(f"unknown screen {screen}")


def main() -> None:
    screen, out = sys.argv[1], Path(sys.argv[2])
    app = QApplication(sys.argv[:1])
    BackgroundOp.run_inline(True)
    db = Path(tempfile.mkdtemp()) / "shot.db"
    services = Services.for_url(f"sqlite:///{db}")
    initialise(services.ctx)
    window = build(screen, services)
    window.showMaximized()

    def shoot() -> None:
        app.primaryScreen().grabWindow(0).save(str(out))
        app.quit()

    QTimer.singleShot(1500, shoot)
    app.exec()


if __name__ == "__main__":
    main()
