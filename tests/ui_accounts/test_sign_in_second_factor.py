"""The sign-in dialog at level 3 (offscreen Qt): after the password it shows the QR code to enrol,
asks the 6-digit code, and signs in with it; a wrong code keeps asking."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest

from app.config import SecuritySettings
from app.services.bootstrap import Services
from app.services.context import ServiceContext
from ui.background import BackgroundOp
from ui.login import LoginDialog


@pytest.fixture
def services(sqlite_url: str) -> Iterator[Services]:
    BackgroundOp.run_inline(True)
    ctx = ServiceContext.for_url(sqlite_url, security=SecuritySettings(level=3))
    s = Services(ctx)
    s.initialise()
    yield s
    BackgroundOp.run_inline(False)
    s.close()


def test_the_dialog_asks_the_code_after_the_password(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("clerk1")
    dialog.password.setText("onewindow")
    dialog.try_sign_in()
    assert dialog.asks_code() and dialog.code.isVisible() and dialog.qr.isVisible()
    assert dialog.qr.pixmap() is not None and not dialog.qr.pixmap().isNull()
    assert "扫描二维码" in dialog.message.text()
    secret = dialog.secret.text().split("：")[-1]
    assert dialog.user is None and dialog.isVisible()

    dialog.code.setText("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    dialog.try_sign_in()
    assert "动态验证码错误" in dialog.message.text() and dialog.asks_code()
    assert dialog.user is None

    dialog.code.setText(pyotp.TOTP(secret).now())
    dialog.try_sign_in()
    assert dialog.user is not None and dialog.user.username == "clerk1"
    assert dialog.password.text() == dialog.code.text() == ""  # not kept for the session
    assert services.session.user is not None and services.session.user.username == "clerk1"
