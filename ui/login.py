"""The sign-in dialog: user name and password, checked by the centre service off the GUI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit

from ui.background import BackgroundOp
from ui.i18n import tr
from ui.settings import COUNTER_NUMBER

if TYPE_CHECKING:
    from app.services.bootstrap import Services
    from app.services.dto import SignedInUser


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
        window = str(COUNTER_NUMBER.get(QSettings()))
        self.buttons.setEnabled(False)
        BackgroundOp(lambda: services.accounts.sign_in(name, password, window=window)).success(
            self._signed_in
        ).failure(self._failed).run()

    def _signed_in(self, user: SignedInUser) -> None:
        self.user = user
        self.accept()

    def _failed(self, exc: Exception) -> None:
        from app.services.types import database_message

        self.buttons.setEnabled(True)
        self.message.setText(database_message(exc) or str(exc))
        self.password.clear()
        self.password.setFocus()
