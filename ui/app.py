"""Starting the GUI: the QApplication, the database on first start, sign-in and the main window."""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from app.services.bootstrap import Services
from app.services.types import database_message
from ui.background import BackgroundOp, install_excepthook
from ui.i18n import tr
from ui.main_window import MainWindow
from ui.qt_app import make_application
from ui.settings import RATING_SCREEN, upgrade_settings

log = logging.getLogger(__name__)


def run_self_test(url: str) -> int:
    """Build the real main window offscreen over the real database, then exit."""
    if QApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a self-test needs no screen
    app = make_application()
    services = Services.for_url(url)
    BackgroundOp.run_inline(True)
    try:
        services.initialise()
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
    services = Services.for_url(url)
    from ui.admin_window import ADMIN_ROLES, AdminWindow
    from ui.lock_screen import ChangePasswordDialog, SessionControls
    from ui.login import LoginDialog
    from ui.rating_window import SecondScreenRatingRequester

    window: list[QMainWindow] = []

    def sign_in() -> None:
        """The sign-in dialog; after sign-out or switch user it comes back, the app stays open."""
        dialog = LoginDialog(services)
        dialog.finished.connect(lambda result: signed_in(dialog, result))
        dialog.open()
        while window:  # the last session's window closes once the dialog is on screen
            old = window.pop()
            old.close()
            old.deleteLater()

    def signed_in(dialog: LoginDialog, result: int) -> None:
        user = dialog.user
        if result != LoginDialog.DialogCode.Accepted or user is None:
            app.quit()
            return
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
        session.ended.connect(lambda _switching: sign_in())
        window.append(main)
        main.showMaximized()  # a counter desktop gives the whole screen to the workspace
        main.load()

    def started(_seeded: bool) -> None:
        sign_in()

    def failed(exc: Exception) -> None:
        log.warning("start failed", exc_info=exc)
        message = database_message(exc) or tr("无法打开数据库，请联系区信息中心。")
        QMessageBox.critical(None, tr("一窗通"), message)
        app.quit()

    QTimer.singleShot(
        0,
        lambda: BackgroundOp(services.initialise).success(started).failure(failed).run(),
    )
    rc = app.exec()
    services.close()
    return rc
