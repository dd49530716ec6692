"""Sign-in protection in a real window (Xvfb + openbox, keys typed with xdotool) at 等保 level 3:
five wrong passwords lock the account, the sign-in dialog asks the authenticator's code after the
password (the QR code on screen at the first level-3 sign-in), Ctrl+Shift+L locks the counter and
only the clerk's password opens it, and an idle counter locks by itself."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import keyring
import pyotp
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from sqlalchemy import select

from app.db.models import AuditRecord, User
from app.services.audit_keys import forget_cached_keys
from app.services.context import ServiceContext
from tests.ui_window.realwindow import display, missing_tools, wait_for

ONEWINDOW = str(Path(sys.executable).with_name("onewindow"))
SIGN_IN, LOCKED = "登录 · 一窗通", "已锁定 · 一窗通"


def _user(url: str, username: str) -> User:
    ctx = ServiceContext.for_url(url)  # the test reads what the app wrote, with the same key file
    try:
        with ctx.uow(read_only=True) as uow:
            return uow.session.scalars(select(User).where(User.username == username)).one()
    finally:
        ctx.close()


def _actions(url: str) -> list[str]:
    ctx = ServiceContext.for_url(url)
    try:
        with ctx.uow(read_only=True) as uow:
            return list(uow.session.scalars(select(AuditRecord.action).order_by(AuditRecord.seq)))
    finally:
        ctx.close()


def test_lock_out_second_factor_and_idle_lock_in_a_real_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = missing_tools()
    assert not missing, f"apt-get install xvfb openbox xdotool x11-utils imagemagick ({missing})"
    config = tmp_path / "onewindow.toml"
    config.write_text("[security]\nlevel = 3\nidle_lock_minutes = 1\n", encoding="utf-8")
    data = tmp_path / "data"
    # The app and this test share the configuration and the key files (no OS keyring here).
    monkeypatch.setenv("ONEWINDOW_CONFIG", str(config))
    monkeypatch.setenv("ONEWINDOW_DATA_DIR", str(data))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    keyring.set_keyring(FailKeyring())  # this process too: keys in 0600 files in the data folder
    forget_cached_keys()
    url = f"sqlite:///{(tmp_path / 'centre.db').as_posix()}"
    subprocess.run([ONEWINDOW, "--db", url, "init-db"], check=True, capture_output=True)
    home = tmp_path / "home"
    home.mkdir()
    with display() as d:
        d.failure_shot = tmp_path / "sign-in-failed.png"
        env = {**d.env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
        log = (tmp_path / "app.log").open("w")
        app = subprocess.Popen([ONEWINDOW, "--db", url], env=env, stdout=log, stderr=log)
        try:
            wait_for(lambda: d.active_window_name() == SIGN_IN, 30, "the sign-in dialog", d)
            d.type("clerk2")
            d.key("Tab")
            for _ in range(5):  # the dialog keeps the name and empties the password each time
                d.type("not-the-password")
                d.key("Return")
                time.sleep(1.5)  # Argon2id takes its time, like a person retyping
            wait_for(lambda: _user(url, "clerk2").locked_until is not None, 20, "lock-out", d)

            d.key("shift+Tab", "ctrl+a")
            d.type("clerk1")
            d.key("Tab")
            d.type("onewindow")
            d.key("Return")  # the password is right: the QR code and the code field appear
            secret = wait_for(lambda: _user(url, "clerk1").totp_secret, 20, "enrolment", d)
            assert isinstance(secret, str)
            time.sleep(1)
            assert d.active_window_name() == SIGN_IN
            d.type(pyotp.TOTP(secret).now())
            d.key("Return")
            main = d.counter_window()
            assert _user(url, "clerk1").totp_enrolled_at is not None

            d.key("ctrl+shift+l")
            wait_for(lambda: d.active_window_name() == LOCKED, 10, "the lock dialog", d)
            d.type("wrong")
            d.key("Return")
            time.sleep(1.5)
            assert d.active_window_name() == LOCKED  # still locked
            d.type("onewindow")
            d.key("Return")
            d.wait_active(lambda t: t == main, 20, "unlocked")

            # untouched for a minute: the counter locks by itself
            wait_for(lambda: d.active_window_name() == LOCKED, 100, "the idle lock", d)
            d.type("onewindow")
            d.key("Return")
            d.wait_active(lambda t: t == main, 20, "unlocked again")
        finally:
            app.terminate()
            app.wait(10)
            log.close()
    actions = _actions(url)
    assert actions.count("login_failed") == 5 and "account_locked" in actions
    assert "totp_enrolled" in actions and "login" in actions
    assert actions.count("session_locked") == 2 and actions.count("session_unlocked") == 2
    assert "unlock_failed" in actions
