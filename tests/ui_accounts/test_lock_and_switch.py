"""In the real window: the idle lock keeps the half-typed intake for the same clerk, wrong passwords
lock the account, switch user and sign-out end the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.services.accounts import AccountLocked
from tests.ui_counter.conftest import ELDER, Counter, open_counter
from ui.background import BackgroundOp
from ui.lock_screen import ChangePasswordDialog, LockDialog, SessionControls


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


def test_switch_user_and_sign_out_from_the_menu(desk) -> None:  # type: ignore[no-untyped-def]
    c, session = desk
    ended: list[bool] = []
    session.ended.connect(ended.append)
    session.switch_action.trigger()
    session.sign_out_action.trigger()
    assert ended == [True, False]
    auditor = c.services.accounts.sign_in("auditor", "onewindow")
    actions = [r.action for r in c.services.audit.records(auditor)]
    assert "switch_user" in actions and "logout" in actions


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
