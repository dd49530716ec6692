"""Sign-out and switch user in a real window (Xvfb + openbox, keys typed with xdotool): the lock
keeps a half-typed ID for the clerk who typed it, 切换用户 from the lock dialog (Tab) and from the
window (Ctrl+Shift+U), 退出登录 from the 账号 menu (Alt+A, Q); the next clerk finds none of the
last one's typing (on screen, in the field, on the clipboard) and the app never exits on its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from sqlalchemy import select

from app.db.models import AuditRecord, User
from app.services.audit_keys import forget_cached_keys
from app.services.context import ServiceContext
from tests.ui_window.realwindow import Display, display, missing_tools

ONEWINDOW = str(Path(sys.executable).with_name("onewindow"))
SIGN_IN, LOCKED = "登录 · 一窗通", "已锁定 · 一窗通"
CLERK1, CLERK2 = "王晓燕", "李建国"  # the demo accounts' display names (README)
HALF_ID = "1101011958"  # a resident's ID number, half typed when the clerk stepped away
SESSION = {"login", "logout", "switch_user", "session_locked", "session_unlocked"}


def _trail(url: str) -> list[tuple[str, str, str]]:
    """(action, account, lock reason) of the session records, in the audit chain's order."""
    ctx = ServiceContext.for_url(url)  # the test reads what the app wrote, with the same key file
    try:
        with ctx.uow(read_only=True) as uow:
            rows = uow.session.execute(
                select(AuditRecord.action, User.username, AuditRecord.detail)
                .join(User, User.id == AuditRecord.user_id)
                .order_by(AuditRecord.seq)
            )
            return [(a, u, (d or {}).get("reason", "")) for a, u, d in rows if a in SESSION]
    finally:
        ctx.close()


def _clipboard(d: Display) -> str:
    """The X clipboard as another program on the desk would paste it."""
    code = (
        "from PySide6.QtGui import QGuiApplication\n"
        "app = QGuiApplication([])\n"
        "print(app.clipboard().text(), end='')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=d.env, capture_output=True, text=True, timeout=60
    )
    return done.stdout


def _field_text(d: Display) -> str:
    """The ID field's whole text, read from the running app: F5 puts the cursor in it, End keeps
    what is there, a marker digit is typed after it, Ctrl+A Ctrl+C copies the lot; the marker
    proves the copy happened now, in this field. The marker is taken out again."""
    d.key("F5", "End")
    d.type("9")
    d.key("ctrl+a", "ctrl+c")
    text = _clipboard(d)
    assert text.endswith("9"), text
    d.key("End", "BackSpace")
    return text[:-1]


def _sign_in(d: Display, username: str, name: str) -> str:
    _wait_sign_in(d, 30, "the sign-in dialog")
    d.type(username)
    d.key("Tab")
    d.type("onewindow")
    d.key("Return")
    title = d.counter_window()
    assert name in title, title  # the title says whose session it is
    time.sleep(2)  # the waiting list and the matter list load in the background
    return title


def _wait_sign_in(d: Display, timeout: float, what: str) -> None:
    d.wait_active(lambda t: t == SIGN_IN, timeout, what)


@dataclass
class Desk:
    """The app running on a display, over its own database."""

    d: Display
    app: subprocess.Popen[bytes]
    url: str
    shots: Path


@contextmanager
def _desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, idle_minutes: int) -> Iterator[Desk]:
    missing = missing_tools()
    assert not missing, f"apt-get install xvfb openbox xdotool x11-utils imagemagick ({missing})"
    config = tmp_path / "onewindow.toml"
    config.write_text(f"[security]\nidle_lock_minutes = {idle_minutes}\n", encoding="utf-8")
    # The app and this test share the configuration and the key files (no OS keyring here).
    monkeypatch.setenv("ONEWINDOW_CONFIG", str(config))
    monkeypatch.setenv("ONEWINDOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    keyring.set_keyring(FailKeyring())  # this process too: keys in 0600 files in the data folder
    forget_cached_keys()
    url = f"sqlite:///{(tmp_path / 'centre.db').as_posix()}"
    subprocess.run([ONEWINDOW, "--db", url, "init-db"], check=True, capture_output=True)
    shots = Path(os.environ.get("ONEWINDOW_SHOTS", tmp_path))
    home = tmp_path / "home"
    home.mkdir()
    with display() as d:
        d.failure_shot = shots / f"sign-out-failed-{tmp_path.name}.png"
        env = {**d.env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
        log = (tmp_path / "app.log").open("w")
        app = subprocess.Popen([ONEWINDOW, "--db", url], env=env, stdout=log, stderr=log)
        try:
            yield Desk(d, app, url, shots)
        finally:
            if app.poll() is None:
                app.terminate()
                app.wait(10)
            log.close()


def _stacking(d: Display) -> list[int]:
    """The windows bottom to top, as the window manager stacks them (EWMH)."""
    done = subprocess.run(
        ["xprop", "-root", "_NET_CLIENT_LIST_STACKING"],
        env=d.env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [int(w, 16) for w in done.stdout.split("#", 1)[1].replace(",", " ").split()]


def test_lock_switch_user_and_sign_out_in_a_real_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _desk(tmp_path, monkeypatch, idle_minutes=10) as desk:
        d, app, shots = desk.d, desk.app, desk.shots
        main = _sign_in(d, "clerk1", CLERK1)
        main_window = d._xdotool("getactivewindow").strip()
        d.key("F5")
        d.type(HALF_ID)  # the resident's ID, half typed
        d.shot(shots / "sign-out-1-half-typed.png")

        # Ctrl+Shift+L: the lock covers the window; the clerk's password opens it as it was
        d.key("ctrl+shift+l")
        d.wait_active(lambda t: t == LOCKED, 20, "the lock dialog")
        time.sleep(1)
        covered, lock = d.geometry(main_window), d.geometry()  # within a frame's border
        assert abs(lock["X"] - covered["X"]) <= 2 and abs(lock["Y"] - covered["Y"]) <= 2
        assert lock["WIDTH"] >= covered["WIDTH"] - 2, (lock, covered)
        assert lock["HEIGHT"] >= covered["HEIGHT"] - 2, (lock, covered)
        d.shot(shots / "sign-out-2-locked.png")
        d.type("onewindow")
        d.key("Return")
        d.wait_active(lambda t: t == main, 30, "unlocked")
        d.type("0307")  # the cursor is where the clerk left it: the typing goes on
        assert _field_text(d) == HALF_ID + "0307"
        d.key("F5")  # the ID selected: the clerk's own copy (Ctrl+C) sits on the clipboard
        d.key("ctrl+c")
        assert _clipboard(d) == HALF_ID + "0307"
        d.shot(shots / "sign-out-3-unlocked.png")

        # locked again; 切换用户 by Tab (password → 解锁 → 切换用户) and Space
        d.key("ctrl+shift+l")
        d.wait_active(lambda t: t == LOCKED, 20, "the lock dialog again")
        d.key("Tab", "Tab", "space")
        _wait_sign_in(d, 30, "sign-in after 切换用户")
        time.sleep(1)
        assert app.poll() is None, "the app exited"
        assert len(d.windows_of(app.pid)) == 1, "the last clerk's window is still shown"
        assert d.active_window_name() == SIGN_IN  # the dialog kept the keyboard
        assert HALF_ID not in _clipboard(d)  # the clerk's copy left with the clerk
        d.shot(shots / "sign-out-4-sign-in-after-switch.png")

        second = _sign_in(d, "clerk2", CLERK2)
        assert CLERK1 not in second
        assert _field_text(d) == ""  # nothing of the last clerk's typing
        d.shot(shots / "sign-out-5-clerk2.png")

        # 退出登录 from the 账号 menu: Alt+A opens it, Q is the item's access key
        d.key("alt+a")
        time.sleep(0.5)
        d.shot(shots / "sign-out-6-account-menu.png")
        d.key("q")
        _wait_sign_in(d, 30, "sign-in after 退出登录")
        time.sleep(1)
        assert app.poll() is None, "the app exited"
        assert len(d.windows_of(app.pid)) == 1

        # signing in again works; Ctrl+Shift+U switches user straight from the window
        again = _sign_in(d, "clerk1", CLERK1)
        assert _field_text(d) == ""  # a new session starts clean, for the same clerk too
        d.key("ctrl+shift+u")
        _wait_sign_in(d, 30, "sign-in after Ctrl+Shift+U")
        assert again == main
        d.key("Escape")  # cancelling the sign-in is how the app is closed
        assert app.wait(20) == 0
    assert _trail(desk.url) == [
        ("login", "clerk1", ""),
        ("session_locked", "clerk1", "manual"),
        ("session_unlocked", "clerk1", ""),
        ("session_locked", "clerk1", "manual"),
        ("switch_user", "clerk1", ""),
        ("login", "clerk2", ""),
        ("logout", "clerk2", ""),
        ("login", "clerk1", ""),
        ("switch_user", "clerk1", ""),
    ]


def test_the_idle_lock_covers_an_open_dialog_and_switching_closes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clerk walked away from the 咨询登记 dialog with a note half typed: the idle lock lies
    over it (the window manager stacks the lock on top), and 切换用户 takes the dialog away with
    the session instead of leaving it, note and all, to the next clerk."""
    with _desk(tmp_path, monkeypatch, idle_minutes=1) as desk:
        d, app = desk.d, desk.app
        main = _sign_in(d, "clerk1", CLERK1)
        d.key("F12")
        note = d.wait_active(lambda t: t not in (main, ""), 20, "the 咨询登记 dialog")
        consult = int(d._xdotool("getactivewindow"))
        d.type("pension transfer, ID 1101011958")  # ASCII: a note, half typed
        d.shot(desk.shots / "sign-out-7-consult-open.png")
        assert len(d.windows_of(app.pid)) == 2

        # untouched for a minute: the lock comes over the dialog as well as the window
        d.wait_active(lambda t: t == LOCKED, 100, "the idle lock")
        time.sleep(1)
        lock = int(d._xdotool("getactivewindow"))
        stack = _stacking(d)
        assert stack.index(lock) > stack.index(consult), stack
        d.shot(desk.shots / "sign-out-8-idle-lock-over-dialog.png")

        d.key("alt+u")  # 切换用户 by its access key
        _wait_sign_in(d, 30, "sign-in after 切换用户 from the idle lock")
        time.sleep(1)
        assert len(d.windows_of(app.pid)) == 1, "a dialog of the last session is still shown"

        second = _sign_in(d, "clerk2", CLERK2)
        assert note not in second
        assert len(d.windows_of(app.pid)) == 1  # clerk2's window only: no 咨询登记 of clerk1's
        d.shot(desk.shots / "sign-out-9-clerk2-after-idle-switch.png")
        d.key("ctrl+shift+q")  # 退出登录 from the window's key
        _wait_sign_in(d, 30, "sign-in after Ctrl+Shift+Q")
        assert app.poll() is None
    trail = _trail(desk.url)
    assert trail == [
        ("login", "clerk1", ""),
        ("session_locked", "clerk1", "idle"),
        ("switch_user", "clerk1", ""),
        ("login", "clerk2", ""),
        ("logout", "clerk2", ""),
    ], trail
