"""The session controls offscreen: the idle lock keeps the half-typed intake for the same clerk,
wrong passwords lock the account, switch user and sign-out end the session once, by menu, key or
the lock dialog, and leave the next clerk no dialog, clipboard or rating window of the last one
(the same in a real window: tests/ui_window/test_real_sign_out.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from app.services.accounts import AccountLocked
from app.services.bootstrap import Services
from tests.ui_counter.conftest import ELDER, Counter, open_counter
from ui.actions import ActionId
from ui.admin_window import AdminWindow
from ui.background import BackgroundOp
from ui.lock_screen import ChangePasswordDialog, LockDialog, SessionControls
from ui.main_window import MainWindow
from ui.rating_window import SecondScreenRatingRequester

_CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def desk(qtbot, sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Counter, SessionControls]]:  # type: ignore[no-untyped-def]
    BackgroundOp.run_inline(True)
    c = open_counter(sqlite_url, tmp_path)
    qtbot.addWidget(c.window)
    c.window.show()
    c.window.load()
    session = SessionControls(c.window, c.services, c.user)
    yield c, session
    session.watcher.stop()
    if c.window.workspace.poller is not None:
        c.window.workspace.poller.timer.stop()
    BackgroundOp.run_inline(False)
    c.services.ctx.close()


def test_idle_lock_keeps_the_half_typed_intake(desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    c, session = desk
    identify = c.window.workspace.identify
    identify.id_edit.setText(ELDER[:10])  # half typed when the clerk walked away
    session.watcher.minutes = 0.001  # 60 ms
    session.watcher.poke()
    qtbot.waitUntil(lambda: session.locked is not None, timeout=3000)
    dialog = session.locked
    assert isinstance(dialog, LockDialog) and dialog.isVisible()
    assert QApplication.activeModalWidget() is dialog  # the window below takes no input
    dialog.password.setText("not-it")
    dialog.try_unlock()
    assert "密码错误" in dialog.message.text() and session.locked is dialog
    dialog.password.setText("onewindow")
    dialog.try_unlock()
    assert session.locked is None and not dialog.isVisible()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=3000)  # the password with it
    assert identify.id_edit.text() == ELDER[:10]  # the same state, the typing kept
    assert session.watcher.timer.isActive()


def test_five_wrong_unlocks_lock_the_account_and_end_the_session(desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    c, session = desk
    ended: list[bool] = []
    session.ended.connect(ended.append)
    session.lock()
    dialog = session.locked
    assert dialog is not None
    for _ in range(5):
        dialog.password.setText("guess")
        dialog.try_unlock()
    assert "已锁定" in dialog.message.text() and not dialog.unlock_button.isEnabled()
    with pytest.raises(AccountLocked):
        c.services.accounts.sign_in("clerk1", "onewindow")
    dialog.switch_button.click()
    assert ended == [True]


def _session_trail(services: Services) -> list[tuple[str, str]]:
    auditor = services.accounts.sign_in("auditor", "onewindow")
    wanted = {"login", "logout", "switch_user", "session_locked", "session_unlocked"}
    rows = sorted(services.audit.records(auditor), key=lambda r: r.seq or 0)
    return [(r.action, r.username) for r in rows if r.action in wanted]


def test_switch_user_and_sign_out_from_the_menu(desk, qtbot, sqlite_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    c, session = desk
    ended: list[bool] = []
    session.ended.connect(ended.append)
    assert session.menu.title() == "账号(&A)"  # Alt+A
    items = {a.text(): a.shortcut().toString() for a in session.menu.actions() if a.text()}
    assert items == {
        "锁定窗口(&L)": "Ctrl+Shift+L",
        "修改密码(&P)…": "",
        "切换用户(&U)": "Ctrl+Shift+U",
        "退出登录(&Q)": "Ctrl+Shift+Q",
    }
    assert all(a.isEnabled() for a in session.menu.actions())
    session.switch_action.trigger()
    session.sign_out_action.trigger()  # the session is over: its keys are dark, nothing twice
    session.lock()
    assert ended == [True] and session.locked is None
    assert not any(a.isEnabled() for a in session.menu.actions() if not a.isSeparator())

    other = open_counter(sqlite_url, tmp_path, "clerk2")  # the next clerk's window and session
    qtbot.addWidget(other.window)
    second = SessionControls(other.window, other.services, other.user)
    second.ended.connect(ended.append)
    other.window.show()
    qtbot.waitExposed(other.window)
    other.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is other.window, timeout=3000)
    QTest.keyClick(other.window, Qt.Key.Key_Q, _CTRL_SHIFT)  # 退出登录's key reaches the session
    assert ended == [True, False]
    second.watcher.stop()
    other.services.ctx.close()
    trail = _session_trail(c.services)
    assert ("switch_user", "clerk1") in trail and ("logout", "clerk2") in trail
    assert trail.index(("switch_user", "clerk1")) < trail.index(("logout", "clerk2"))


def test_session_keys_work_only_while_someone_is_signed_in(desk, qtbot, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    c, _session = desk
    ids = (ActionId.LOCK, ActionId.SWITCH_USER, ActionId.SIGN_OUT)
    bare = MainWindow(Services.for_url(sqlite_url))  # no one signed in (the self-test's window)
    qtbot.addWidget(bare)
    assert not any(bare.registry.action(a).isEnabled() for a in ids)
    assert all(c.window.registry.action(a).isEnabled() for a in ids)
    assert [row[0] for row in c.window.registry.help_rows()][-3:] == [
        "Ctrl+Shift+L",
        "Ctrl+Shift+U",
        "Ctrl+Shift+Q",
    ]  # F1 lists them, without the menu's access keys
    assert [row[1] for row in c.window.registry.help_rows()][-3:] == [
        "锁定窗口",
        "切换用户",
        "退出登录",
    ]
    bare.services.ctx.close()


def test_an_administrators_window_has_the_same_keys(desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    c, _session = desk
    admin = AdminWindow(c.services, c.services.accounts.sign_in("secadmin", "onewindow"))
    qtbot.addWidget(admin)
    admin.show()
    qtbot.waitExposed(admin)
    admin.activateWindow()
    session = SessionControls(admin, c.services, admin.user)
    ended: list[bool] = []
    session.ended.connect(ended.append)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is admin, timeout=3000)
    QTest.keyClick(admin, Qt.Key.Key_U, _CTRL_SHIFT)
    assert ended == [True]
    session.watcher.stop()


def test_lock_dialog_switch_by_access_key_tab_or_shortcut(desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    c, session = desk
    ended: list[bool] = []
    session.ended.connect(ended.append)
    session.lock_action.trigger()  # Ctrl+Shift+L / the menu: the clerk's own lock
    assert session.locked is not None
    session.locked.password.setText("onewindow")
    session.locked.try_unlock()
    assert session.locked is None and ended == []
    for how in ("alt+u", "tab", "ctrl+shift+u"):
        session.over = False  # a fresh session each round (as after signing in again)
        session.lock()
        dialog = session.locked
        assert isinstance(dialog, LockDialog)
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(lambda d=dialog: QApplication.activeWindow() is d, timeout=3000)
        assert dialog.geometry() == c.window.geometry()  # it covers the locked window
        assert dialog.switch_button.text() == "切换用户(&U)"
        if how == "alt+u":
            QTest.keyClick(dialog.password, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
        elif how == "tab":
            dialog.password.setFocus()
            QTest.keyClick(dialog.password, Qt.Key.Key_Tab)
            assert QApplication.focusWidget() is dialog.unlock_button
            QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            assert QApplication.focusWidget() is dialog.switch_button
            QTest.keyClick(dialog.switch_button, Qt.Key.Key_Space)
        else:
            QTest.keyClick(dialog.password, Qt.Key.Key_U, _CTRL_SHIFT)
        qtbot.waitUntil(lambda: session.locked is None, timeout=3000)  # a mnemonic animates
        qtbot.waitUntil(lambda d=dialog: not shiboken6.isValid(d), timeout=3000)  # gone
    assert ended == [True, True, True]
    auditor = c.services.accounts.sign_in("auditor", "onewindow")
    rows = sorted(c.services.audit.records(auditor), key=lambda r: r.seq or 0)
    reasons = [r.detail for r in rows if r.action == "session_locked"]
    # session.lock() is what the idle timer calls; the key and the menu say it was the clerk
    assert reasons == ["reason=manual", "reason=idle", "reason=idle", "reason=idle"]


def test_sign_out_leaves_no_dialog_and_no_clipboard_to_the_next_clerk(desk, qtbot) -> None:  # type: ignore[no-untyped-def]
    c, session = desk
    QApplication.clipboard().setText(ELDER)  # the clerk copied a resident's ID number
    left_open: list[int] = []
    consult = QDialog(c.window)  # a dialog the clerk left open (exec: its own event loop)

    def lock_then_switch() -> None:
        session.lock()
        assert session.locked is not None
        session.locked.switch_button.click()

    QTimer.singleShot(0, lock_then_switch)
    # the test fails instead of hanging; tied to the dialog, the timer dies with it
    QTimer.singleShot(20_000, consult, lambda: consult.done(42))
    left_open.append(consult.exec())  # returns once the session ends
    assert left_open == [QDialog.DialogCode.Rejected] and not consult.isVisible()
    assert session.over and QApplication.clipboard().text() == ""


def test_the_rating_window_outlives_a_sign_out_only_until_the_resident_answers(desk) -> None:  # type: ignore[no-untyped-def]
    c, _session = desk
    requester = SecondScreenRatingRequester(c.services, c.user, screen=None, full_screen=False)
    idle = requester.window
    assert idle is not None
    requester.retire()  # nobody rating: it goes at once
    assert requester.window is None and idle.retiring and not idle.isVisible()

    asking = SecondScreenRatingRequester(c.services, c.user, screen=None, full_screen=False)
    asking.request_rating(uuid.uuid4(), None, "王晓燕", 3, "")
    window = asking.window
    assert window is not None and window.page() == "ask"
    asking.retire()  # the resident is rating: a sign-out does not take the question away
    assert window.isVisible() and window.page() == "ask"
    window.go_idle()  # answered (or timed out): now it goes
    assert not window.isVisible()


def test_change_password_dialog_follows_the_policy(desk) -> None:  # type: ignore[no-untyped-def]
    c, _session = desk
    dialog = ChangePasswordDialog(c.services, c.user, c.window)
    dialog.old.setText("onewindow")
    dialog.new.setText("short")
    dialog.repeat.setText("short")
    dialog.try_change()
    assert "至少" in dialog.message.text()
    dialog.new.setText("Counter-2026!")
    dialog.repeat.setText("Counter-2026?")
    dialog.try_change()
    assert "不一致" in dialog.message.text()
    dialog.repeat.setText("Counter-2026!")
    dialog.try_change()
    assert dialog.result() == ChangePasswordDialog.DialogCode.Accepted
    assert c.services.accounts.sign_in("clerk1", "Counter-2026!").id == c.user.id
