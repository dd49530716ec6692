"""The sign-in dialog: user name and password, checked by the centre service off the GUI thread; at
等保 level 3 it then asks the authenticator's 6-digit code (with the QR code to scan, once, at the
account's first level-3 sign-in)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit

from ui.background import BackgroundOp
from ui.i18n import tr
from ui.settings import COUNTER_NUMBER

if TYPE_CHECKING:
    from app.services.bootstrap import Services
    from app.services.dto import SignedInUser
    from app.services.types import TotpEnrolment


class LoginDialog(QDialog):
    """The sign-in dialog shown at start. At the first start it opens before the services are
    ready (the database is opened behind it, see ui/app.py): a name and password entered before
    then are checked as soon as `set_services` hands them in."""

    def __init__(self, services: Services | None) -> None:
        super().__init__()
        self.services = services
        self.user: SignedInUser | None = None
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.try_sign_in)
        self.buttons.rejected.connect(self.reject)
        self.form = QFormLayout(self)
        self.username_label = QLabel()
        self.password_label = QLabel()
        self.form.addRow(self.username_label, self.username)
        self.form.addRow(self.password_label, self.password)
        # Level 3: the second factor, shown once the password was accepted.
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.secret = QLabel()
        self.secret.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_label = QLabel()
        self.code = QLineEdit()
        self.code.setMaxLength(6)
        self._asking = False
        self.form.addRow(self.qr)
        self.form.addRow(self.secret)
        self.form.addRow(self.code_label, self.code)
        for widget in (self.qr, self.secret, self.code_label, self.code):
            widget.hide()
        self.form.addRow(self.message)
        self.form.addRow(self.buttons)
        self.translateUI()
        self._waiting = False  # OK pressed before the services were ready

    def set_services(self, services: Services) -> None:
        """The services are ready: a sign-in asked for meanwhile goes ahead now."""
        self.services = services
        if self._waiting:
            self._waiting = False
            self.try_sign_in()

    def translateUI(self) -> None:
        self.setWindowTitle(tr("登录 · 一窗通"))
        self.username_label.setText(tr("用户名"))
        self.password_label.setText(tr("密码"))
        self.code_label.setText(tr("动态验证码"))

    def try_sign_in(self) -> None:
        services = self.services
        if services is None:  # the database is still being opened: sign in once it is
            self._waiting = True
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            self.message.setText(tr("正在打开数据库，稍候即登录…"))
            return
        self.message.clear()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        name, password = self.username.text(), self.password.text()
        code = self.code.text().strip() if self._asking else ""
        window = str(COUNTER_NUMBER.get(QSettings()))
        self.buttons.setEnabled(False)
        BackgroundOp(
            lambda: services.accounts.sign_in(name, password, window=window, code=code)
        ).success(self._signed_in).failure(self._failed).run()

    def asks_code(self) -> bool:
        """Whether the dialog is asking the second factor (level 3)."""
        return self._asking

    def _signed_in(self, user: SignedInUser) -> None:
        self.user = user
        self.password.clear()  # not kept in memory for the session's length
        self.code.clear()
        self.accept()

    def _failed(self, exc: Exception) -> None:
        from app.services.types import SecondFactorNeeded, database_message

        self.buttons.setEnabled(True)
        self.message.setText(database_message(exc) or str(exc))
        if isinstance(exc, SecondFactorNeeded):
            if exc.enrolment is not None:
                self._show_enrolment(exc.enrolment)
            self._asking = True
            self.username.setReadOnly(True)
            self.password.setReadOnly(True)
            self.code_label.show()
            self.code.show()
            self.code.clear()
            self.code.setFocus()
            return
        self._reset_code()
        self.password.clear()
        self.password.setFocus()

    def _show_enrolment(self, enrolment: TotpEnrolment) -> None:
        """The new authenticator's QR code and secret, shown until the first code confirms it."""
        picture = QPixmap()
        picture.loadFromData(enrolment.qr_png, "PNG")
        self.qr.setPixmap(picture.scaledToWidth(220, Qt.TransformationMode.SmoothTransformation))
        self.secret.setText(tr("无法扫码时手动输入密钥：") + enrolment.secret)
        self.qr.show()
        self.secret.show()

    def _reset_code(self) -> None:
        """Back to the password (a lock-out, or another refusal): the code is asked again after it."""
        self._asking = False
        for widget in (self.qr, self.secret, self.code_label, self.code):
            widget.hide()
        self.code.clear()
        self.qr.clear()
        self.secret.clear()
        self.username.setReadOnly(False)
        self.password.setReadOnly(False)
