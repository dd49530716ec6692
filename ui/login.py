"""The sign-in dialog: user name and password, checked by the centre service off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit

from app.services.bootstrap import Services
from app.services.dto import SignedInUser
from app.services.types import database_message
from ui.background import BackgroundOp
from ui.i18n import tr
from ui.settings import COUNTER_NUMBER


class LoginDialog(QDialog):
    """The sign-in dialog shown at start."""

    def __init__(self, services: Services) -> None:
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
        self.form.addRow(self.message)
        self.form.addRow(self.buttons)
        self.translateUI()

    def translateUI(self) -> None:
        self.setWindowTitle(tr("登录 · 一窗通"))
        self.username_label.setText(tr("用户名"))
        self.password_label.setText(tr("密码"))

    def try_sign_in(self) -> None:
        name, password = self.username.text(), self.password.text()
        window = str(COUNTER_NUMBER.get(QSettings()))
        self.buttons.setEnabled(False)
        BackgroundOp(lambda: self.services.accounts.sign_in(name, password, window=window)).success(
            self._signed_in
        ).failure(self._failed).run()

    def _signed_in(self, user: SignedInUser) -> None:
        self.user = user
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(database_message(exc) or str(exc))
        self.password.clear()
        self.password.setFocus()
