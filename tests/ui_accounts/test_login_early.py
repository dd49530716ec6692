"""The sign-in window opens before the database: a name and password entered meanwhile are
checked as soon as the services are ready; a wrong password is still refused then."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from app.services.bootstrap import Services
from ui.background import BackgroundOp
from ui.login import LoginDialog


def test_sign_in_asked_before_the_services_are_open_goes_ahead_after(
    qtbot, sqlite_url: str
) -> None:  # type: ignore[no-untyped-def]
    BackgroundOp.run_inline(True)
    services = Services.for_url(sqlite_url)
    try:
        services.initialise()
        dialog = LoginDialog(None)
        qtbot.addWidget(dialog)
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        dialog.username.setText("clerk1")
        dialog.password.setText("wrong")
        ok.click()
        assert dialog.user is None and not ok.isEnabled() and "数据库" in dialog.message.text()
        dialog.set_services(services)  # the wrong password is refused once it can be checked
        assert dialog.user is None and ok.isEnabled() and dialog.password.text() == ""
        dialog.password.setText("onewindow")
        ok.click()
        assert dialog.user is not None and dialog.user.username == "clerk1"
        assert dialog.result() == LoginDialog.DialogCode.Accepted
    finally:
        BackgroundOp.run_inline(False)
        services.close()


def test_a_late_sign_in_goes_ahead_when_the_services_arrive(qtbot, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    BackgroundOp.run_inline(True)
    services = Services.for_url(sqlite_url)
    try:
        services.initialise()
        dialog = LoginDialog(None)
        qtbot.addWidget(dialog)
        dialog.username.setText("clerk1")
        dialog.password.setText("onewindow")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert dialog.user is None
        dialog.set_services(services)
        assert dialog.user is not None and dialog.user.username == "clerk1"
    finally:
        BackgroundOp.run_inline(False)
        services.close()
