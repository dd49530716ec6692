"""A window title never repeats itself: Qt adds " — 一窗通" (the application's display name) to
every title that does not already end with it, so no title may say 一窗通 elsewhere."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget

from app.services.bootstrap import Services
from tests.ui_counter.conftest import Counter
from ui.admin_window import AdminWindow
from ui.board import BoardWindow
from ui.kiosk import KioskWindow

NAME = "一窗通"


def shown_title(w: QWidget) -> str:
    """The title as the platform shows it (QPlatformWindow::formatWindowTitle)."""
    title = w.windowTitle()
    return title if title.endswith(NAME) else f"{title} — {NAME}"


def test_no_title_repeats_the_application_name(counter: Counter, qtbot) -> None:  # type: ignore[no-untyped-def]
    QApplication.setApplicationDisplayName(NAME)
    s: Services = counter.services
    admin = AdminWindow(s, s.accounts.sign_in("secadmin", "onewindow"))
    board, kiosk = BoardWindow(s), KioskWindow(s)
    for w in (admin, board, kiosk):
        qtbot.addWidget(w)
    main = counter.window
    assert main.overview is not None and main.user is not None
    assert main.windowTitle() == f"{main.overview.centre.name} · {main.user.display_name}"
    for w in (main, admin, board, kiosk):
        assert shown_title(w).count(NAME) == 1, shown_title(w)
