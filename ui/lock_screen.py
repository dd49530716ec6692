"""The counter's session controls: idle lock (the window stays as it was under a lock dialog), change
password, switch user and sign out, without closing the app."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QClipboard, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.bootstrap import Services
from app.services.dto import SignedInUser
from app.services.types import AccountLocked, database_message
from ui.actions import SESSION_ACTIONS, SPECS, ActionId, ActionRegistry
from ui.background import BackgroundOp
from ui.i18n import tr


def _message(exc: Exception) -> str:
    return database_message(exc) or getattr(exc, "message", None) or str(exc)


_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Emits `idle` when no key, mouse or touch event reached the application for `minutes`."""

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle.emit)
        self.minutes = minutes
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.poke()

    def poke(self) -> None:
        if self.minutes > 0:
            self.timer.start(int(self.minutes * 60_000))

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self.timer.isActive():
            self.timer.start()
        return False


class LockDialog(QDialog):
    """The locked counter: only the same account's password opens it again; 切换用户 ends the session
    (a different person never sees what the clerk left on screen). It covers the window it locks,
    so what was typed stays in place but out of sight."""

    def __init__(self, services: Services, user: SignedInUser, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.services = services
        self.user = user
        self.switch_requested = False
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.setWindowTitle(tr("已锁定 · 一窗通"))
        self.label = QLabel(
            tr("窗口已锁定。{name} 请输入密码解锁。").format(name=user.display_name)
        )
        self.label.setStyleSheet("font-size: 18px;")
        self.label.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.try_unlock)
        self.message = QLabel()
        self.message.setStyleSheet("color: #b00020;")
        self.message.setWordWrap(True)
        self.unlock_button = QPushButton(tr("解锁"))
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.try_unlock)
        switch = SPECS[ActionId.SWITCH_USER]
        # Alt+U (the access key), Tab to it, or the window's own Ctrl+Shift+U
        self.switch_button = QPushButton(f"{tr(switch.text)}(&{switch.access})")
        self.switch_button.setToolTip(f"{tr(switch.tip)}（{switch.shortcut}）")
        self.switch_button.clicked.connect(self.switch_user)
        QShortcut(QKeySequence(switch.shortcut), self, self.switch_user)
        buttons = QDialogButtonBox()
        buttons.addButton(self.unlock_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.switch_button, QDialogButtonBox.ButtonRole.ResetRole)
        panel = QWidget()
        panel.setFixedWidth(480)  # the message wraps inside it, however large the dialog
        inner = QVBoxLayout(panel)
        inner.addWidget(self.label)
        inner.addWidget(self.password)
        inner.addWidget(self.message)
        inner.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(panel, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        QWidget.setTabOrder(self.password, self.unlock_button)
        QWidget.setTabOrder(self.unlock_button, self.switch_button)
        self.password.setFocus()

    def cover(self, window: QWidget) -> None:
        """Lie over `window` (its frame too when the dialog has one of the same size), so the
        half-typed intake under it cannot be read while the clerk is away."""
        if window.isVisible() and not window.isMinimized():
            self.setGeometry(window.geometry())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            return  # Esc never opens a locked counter
        super().keyPressEvent(event)

    def try_unlock(self) -> None:
        password = self.password.text()
        self.unlock_button.setEnabled(False)
        BackgroundOp(lambda: self.services.accounts.unlock_session(self.user, password)).success(
            self._unlocked
        ).failure(self._failed).run()

    def _unlocked(self, user: SignedInUser) -> None:
        self.user = user
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.unlock_button.setEnabled(True)
        self.password.clear()
        self.message.setText(_message(exc))
        if isinstance(exc, AccountLocked):  # the account is locked now: the session ends
            self.unlock_button.setEnabled(False)
            self.password.setEnabled(False)

    def switch_user(self) -> None:
        self.switch_requested = True
        self.reject()


class ChangePasswordDialog(QDialog):
    """The account's own password; a first or expired password must be changed before any work."""

    def __init__(
        self, services: Services, user: SignedInUser, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.user = user
        self.setWindowTitle(tr("修改密码 · 一窗通"))
        self.old = QLineEdit()
        self.new = QLineEdit()
        self.repeat = QLineEdit()
        for edit in (self.old, self.new, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setStyleSheet("color: #b00020;")
        self.message.setWordWrap(True)
        policy = services.ctx.security
        hint = tr("至少 {n} 位，含小写字母、大写字母、数字、符号中的至少 {k} 类").format(
            n=policy.password_min_length, k=policy.password_min_classes
        )
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.try_change)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        if user.must_change_password:
            form.addRow(QLabel(tr("首次登录或密码已过期，请先设置新密码。")))
        form.addRow(tr("原密码"), self.old)
        form.addRow(tr("新密码"), self.new)
        form.addRow(tr("再输一次"), self.repeat)
        form.addRow(QLabel(hint))
        form.addRow(self.message)
        form.addRow(self.buttons)

    def try_change(self) -> None:
        if self.new.text() != self.repeat.text():
            self.message.setText(tr("两次输入的新密码不一致"))
            return
        old, new = self.old.text(), self.new.text()
        self.buttons.setEnabled(False)
        BackgroundOp(lambda: self.services.accounts.change_password(self.user, old, new)).success(
            self._changed
        ).failure(self._failed).run()

    def _changed(self, user: SignedInUser) -> None:
        self.user = user
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(_message(exc))


def _belongs(widget: QWidget, window: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if parent is window:
            return True
        parent = parent.parentWidget()
    return False


class SessionControls(QObject):
    """The 账号 menu of a main window (Alt+A), its keys and its idle lock. `ended` carries True
    for 切换用户. The keys are the action registry's (ui/actions.py), enabled while the session
    lasts."""

    ended = Signal(bool)
    lock_dialog: type[LockDialog] = LockDialog  # tests answer it without a screen

    def __init__(self, window: QMainWindow, services: Services, user: SignedInUser) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.user = user
        self.locked: LockDialog | None = None
        self.over = False
        self.watcher = IdleWatcher(services.ctx.security.idle_lock_minutes, self)
        self.watcher.idle.connect(self.lock)
        registry = getattr(window, "registry", None)
        if not isinstance(registry, ActionRegistry):  # an administrator's window has no F-keys
            registry = ActionRegistry(window)
            window.addActions([registry.action(a) for a in SESSION_ACTIONS])
        self.registry = registry
        self.lock_action = registry.bind(ActionId.LOCK, lambda: self.lock(manual=True))
        self.switch_action = registry.bind(ActionId.SWITCH_USER, lambda: self.end(True))
        self.sign_out_action = registry.bind(ActionId.SIGN_OUT, lambda: self.end(False))
        self.password_action = QAction(tr("修改密码") + "(&P)…", window)
        self.password_action.triggered.connect(lambda _c=False: self.change_password())
        self.menu = window.menuBar().addMenu(tr("账号") + "(&A)")
        self.menu.addAction(self.lock_action)
        self.menu.addAction(self.password_action)
        self.menu.addSeparator()
        self.menu.addAction(self.switch_action)
        self.menu.addAction(self.sign_out_action)
        for action_id in SESSION_ACTIONS:
            registry.action(action_id).setEnabled(True)

    def lock(self, *, manual: bool = False) -> None:
        """Lock now: the window and everything typed in it stay as they are under the dialog."""
        if self.locked is not None or self.over:
            return
        self.watcher.timer.stop()
        user = self.user
        BackgroundOp(lambda: self.services.accounts.record_idle_lock(user, manual=manual)).run()
        dialog = self.lock_dialog(self.services, self.user, self.window)
        self.locked = dialog
        dialog.finished.connect(self._lock_finished)
        if isinstance(dialog, LockDialog):
            dialog.cover(self.window)
        dialog.open()

    def _lock_finished(self, result: int) -> None:
        dialog, self.locked = self.locked, None
        if dialog is None:
            return
        dialog.deleteLater()  # nothing typed into it stays behind in the window
        if result == QDialog.DialogCode.Accepted:
            self.user = dialog.user
            self.watcher.poke()
            return
        self.end(True)

    def change_password(self) -> None:
        dialog = ChangePasswordDialog(self.services, self.user, self.window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.user = dialog.user

    def end(self, switching: bool) -> None:
        """Sign out (or hand the desk to another account): the window closes, the app stays.
        Once only: the session's keys go dark at once, every dialog the session left open is
        closed and the clipboard is emptied, so the next person finds none of it."""
        if self.over:
            return
        self.over = True
        for action_id in SESSION_ACTIONS:
            self.registry.action(action_id).setEnabled(False)
        self.password_action.setEnabled(False)
        self.watcher.stop()
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible() and _belongs(widget, self.window):
                if isinstance(widget, QDialog):
                    widget.reject()
                else:
                    widget.close()
        # Whatever was copied in the session goes with it, as when a desktop switches users (not
        # only what this app owns: some platforms cannot tell, and the PC is the counter's).
        clipboard = QApplication.clipboard()
        clipboard.clear()
        if clipboard.supportsSelection():
            clipboard.clear(QClipboard.Mode.Selection)
        user = self.user
        BackgroundOp(lambda: self.services.accounts.sign_out(user, switching=switching)).run()
        self.ended.emit(switching)
