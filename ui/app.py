"""Starting the GUI: the QApplication, the database on first start, sign-in and the main window."""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from ui.background import BackgroundOp, install_excepthook, retire_window
from ui.i18n import tr
from ui.qt_app import make_application
from ui.settings import RATING_SCREEN, upgrade_settings

if TYPE_CHECKING:
    from app.services.bootstrap import Services

log = logging.getLogger(__name__)

# Set: print "sign-in shown" when the sign-in window is first on screen, then "sign-in ready" when
# the services are open behind it (OK enabled), each with the time and the names of the modules
# loaded by then, and quit. The start benchmark (benchmarks/bench_start.py) times both lines, and
# tests/spine/test_start.py checks that no heavy module is loaded by then.
START_PROBE = "ONEWINDOW_START_PROBE"


def _probe_line(what: str, modules: bool = False) -> None:
    loaded = " ".join(sorted(sys.modules)) if modules else ""
    print(f"sign-in {what} {time.time():.6f} {loaded}".rstrip(), flush=True)


def open_services(url: str) -> Services:
    """The composition root over the database, schema checked (one query when it is current) and
    first-start data seeded; imported here, behind the sign-in window (SQLAlchemy and the models
    are most of the start's imports)."""
    from app.services.bootstrap import Services

    services = Services.for_url(url)
    try:
        services.initialise()
    except BaseException:
        services.close()
        raise
    return services


def run_self_test(url: str) -> int:
    """Build the real main window offscreen over the real database, then exit."""
    if QApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a self-test needs no screen
    from ui.main_window import MainWindow

    app = make_application()
    BackgroundOp.run_inline(True)
    services = open_services(url)
    try:
        window = MainWindow(services)
        window.load()
        window.show()
        app.processEvents()
        assert window.overview is not None and window.overview.matters, "catalogue not loaded"
        window.close()
    finally:
        services.close()
    print("self-test ok")
    return 0


def run_gui(url: str, *, self_test: bool = False) -> int:
    if self_test:
        return run_self_test(url)
    app = make_application()
    install_excepthook()
    upgrade_settings(QSettings())
    from ui.login import LoginDialog

    window: list[QMainWindow] = []
    opened: list[Services] = []  # the services, once open behind the first sign-in window
    dialogs: list[LoginDialog] = []
    probe = bool(os.environ.get(START_PROBE))

    def sign_in() -> None:
        """The sign-in dialog; after sign-out or switch user it comes back, the app stays open.
        The first one opens at once and waits for the services (OK disabled until then)."""
        dialog = LoginDialog(opened[0] if opened else None)
        for old_dialog in dialogs:  # the last sign-in's dialog, hidden since
            old_dialog.deleteLater()
        dialogs[:] = [dialog]
        dialog.finished.connect(lambda result: signed_in(dialog, result))
        dialog.open()
        if probe and not opened:
            QTimer.singleShot(0, lambda: _probe_line("shown", modules=True))
        while window:  # the last session's window closes once the dialog is on screen
            retire_window(window.pop())

    def signed_in(dialog: LoginDialog, result: int) -> None:
        user = dialog.user
        if result != LoginDialog.DialogCode.Accepted or user is None or not opened:
            app.quit()
            return
        services = opened[0]
        # the windows after sign-in are imported once someone has signed in
        from ui.admin_window import ADMIN_ROLES, AdminWindow
        from ui.lock_screen import ChangePasswordDialog, SessionControls
        from ui.main_window import MainWindow
        from ui.rating_window import SecondScreenRatingRequester

        if user.must_change_password:  # a first or expired password: nothing else before it
            change = ChangePasswordDialog(services, user)
            if change.exec() != ChangePasswordDialog.DialogCode.Accepted:
                services.accounts.sign_out(user)
                sign_in()
                return
            user = change.user
        if user.role in ADMIN_ROLES:  # administrators do no counter work: their own window
            admin = AdminWindow(services, user)
            admin_session = SessionControls(admin, services, user)
            admin_session.ended.connect(lambda _switching: sign_in())
            window.append(admin)
            admin.show()
            admin.load()
            return
        settings = QSettings()
        rating = SecondScreenRatingRequester(
            services,
            user,
            screen=RATING_SCREEN.get(settings),
            # On a single-screen desk the rating window must not cover the clerk's own screen.
            full_screen=len(QGuiApplication.screens()) > 1,
        )
        main = MainWindow(services, user, rating=rating, settings=settings)
        session = SessionControls(main, services, user)
        session.ended.connect(lambda _switching: rating.retire())
        session.ended.connect(lambda _switching: sign_in())
        window.append(main)
        main.showMaximized()  # a counter desktop gives the whole screen to the workspace
        main.load()

    def started(services: Services) -> None:
        opened.append(services)
        for dialog in dialogs:
            dialog.set_services(services)
        if probe:
            _probe_line("ready", modules=True)
            app.quit()

    def failed(exc: Exception) -> None:
        from app.services.types import database_message

        log.warning("start failed", exc_info=exc)
        message = database_message(exc) or tr("无法打开数据库，请联系区信息中心。")
        QMessageBox.critical(None, tr("一窗通"), message)
        app.quit()

    sign_in()
    QTimer.singleShot(
        0, lambda: BackgroundOp(lambda: open_services(url)).success(started).failure(failed).run()
    )
    rc = app.exec()
    for services in opened:
        services.close()
    return rc
