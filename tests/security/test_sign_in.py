"""Sign-in: Argon2id with scrypt hashes upgraded, lock-out after repeated failures (kept in the
database, so offline too), password policy and age, sign-out and the idle-lock unlock; all audited."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from sqlalchemy import select

from app.config import SecuritySettings
from app.db.models import AuditRecord, User
from app.domain.errors import ValidationError
from app.services.accounts import AccountLocked, AccountService, AuthError
from app.services.context import ServiceContext
from tests.services.conftest import Centre990101, world  # noqa: F401


def _scrypt(password: str) -> str:
    """A hash as the first version of OneWindow made it."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def _user(ctx: ServiceContext, username: str) -> User:
    with ctx.uow(read_only=True) as uow:
        return uow.session.scalars(select(User).where(User.username == username)).one()


def _actions(ctx: ServiceContext) -> list[tuple[str, str]]:
    with ctx.uow(read_only=True) as uow:
        rows = uow.session.scalars(select(AuditRecord).order_by(AuditRecord.seq))
        return [(r.action, r.result) for r in rows if r.seq is not None]


def test_demo_hashes_are_argon2id_and_old_scrypt_hashes_are_upgraded(
    world: Centre990101,  # noqa: F811
) -> None:
    assert _user(world.ctx, "clerk1").password_hash.startswith("$argon2id$")
    with world.ctx.uow() as uow:
        row = uow.session.scalars(select(User).where(User.username == "clerk2")).one()
        row.password_hash = _scrypt("onewindow")
    accounts = AccountService(world.ctx)
    with pytest.raises(AuthError):
        accounts.sign_in("clerk2", "wrong")
    assert _user(world.ctx, "clerk2").password_hash.startswith("scrypt$")  # not on a failure
    signed = accounts.sign_in("clerk2", "onewindow")
    assert signed.username == "clerk2" and not signed.must_change_password
    assert _user(world.ctx, "clerk2").password_hash.startswith("$argon2id$")
    assert accounts.sign_in("clerk2", "onewindow").id == signed.id
    assert ("password_rehashed", "ok") in _actions(world.ctx)


def test_five_failures_lock_the_account_for_fifteen_minutes(world: Centre990101) -> None:  # noqa: F811
    accounts = AccountService(world.ctx)
    for _ in range(4):
        with pytest.raises(AuthError) as caught:
            accounts.sign_in("clerk1", "guess")
        assert not isinstance(caught.value, AccountLocked)
    with pytest.raises(AccountLocked):
        accounts.sign_in("clerk1", "guess")
    # Locked: even the right password is refused, and says until when (China time).
    with pytest.raises(AccountLocked, match="09:15"):
        accounts.sign_in("clerk1", "onewindow")
    # A second desk (another process on the same database) sees the same lock: it is stored.
    other = ServiceContext.for_url(
        str(world.ctx.engine.url.render_as_string(False)), clock=world.clock
    )
    try:
        with pytest.raises(AccountLocked):
            AccountService(other).sign_in("clerk1", "onewindow")
    finally:
        other.close()
    world.clock.advance(minutes=14, seconds=59)
    with pytest.raises(AccountLocked):
        accounts.sign_in("clerk1", "onewindow")
    world.clock.advance(seconds=2)
    assert accounts.sign_in("clerk1", "onewindow").username == "clerk1"
    actions = _actions(world.ctx)
    assert actions.count(("login_failed", "wrong_password")) == 5
    assert ("account_locked", "locked") in actions
    assert actions.count(("login_refused", "locked")) == 3
    assert actions[-1] == ("login", "ok")


def test_settings_change_the_lock_out(world: Centre990101) -> None:  # noqa: F811
    policy = SecuritySettings(lockout_failures=2, lockout_minutes=1)
    accounts = AccountService(world.ctx, policy)
    with pytest.raises(AuthError):
        accounts.sign_in("clerk3", "x")
    with pytest.raises(AccountLocked):
        accounts.sign_in("clerk3", "x")
    world.clock.advance(minutes=1, seconds=1)
    accounts.sign_in("clerk3", "onewindow")


def test_unknown_user_is_refused_with_the_same_words(world: Centre990101) -> None:  # noqa: F811
    with pytest.raises(AuthError, match="用户名或密码错误"):
        AccountService(world.ctx).sign_in("nobody", "onewindow")
    assert ("login_failed", "unknown_user") in _actions(world.ctx)


def test_password_policy_and_forced_change(world: Centre990101) -> None:  # noqa: F811
    accounts = AccountService(world.ctx)
    boss = accounts.sign_in("secadmin", "onewindow")
    for weak, code in (("Ab1!", "PASSWORD_SHORT"), ("abcdefgh12", "PASSWORD_WEAK")):
        with pytest.raises(ValidationError) as caught:
            accounts.create_account(boss, "clerk9", "周敏", "clerk", weak)
        assert caught.value.code == code
    created = accounts.create_account(boss, "clerk9", "周敏", "clerk", "Temp-2026-pass")
    assert created.must_change_password
    first = accounts.sign_in("clerk9", "Temp-2026-pass")
    assert first.must_change_password
    with pytest.raises(ValidationError):
        accounts.change_password(first, "Temp-2026-pass", "clerk9-Pass-1")  # holds the name
    with pytest.raises(AuthError):
        accounts.change_password(first, "wrong", "Own-Secret-77")
    done = accounts.change_password(first, "Temp-2026-pass", "Own-Secret-77")
    assert not done.must_change_password
    assert not accounts.sign_in("clerk9", "Own-Secret-77").must_change_password


def test_passwords_expire_after_the_maximum_age(world: Centre990101) -> None:  # noqa: F811
    accounts = AccountService(world.ctx, SecuritySettings(password_max_age_days=30))
    assert not accounts.sign_in("clerk1", "onewindow").must_change_password
    world.clock.advance(days=31)
    assert accounts.sign_in("clerk1", "onewindow").must_change_password


def test_sign_out_switch_user_and_idle_unlock(world: Centre990101) -> None:  # noqa: F811
    accounts = AccountService(world.ctx)
    clerk = accounts.sign_in("clerk1", "onewindow", window="3")
    accounts.record_idle_lock(clerk)
    with pytest.raises(AuthError):
        accounts.unlock_session(clerk, "onewindow-wrong")
    assert accounts.unlock_session(clerk, "onewindow").id == clerk.id
    accounts.sign_out(clerk, switching=True)
    other = accounts.sign_in("clerk2", "onewindow", window="3")
    accounts.sign_out(other)
    actions = [a for a, _ in _actions(world.ctx)]
    tail = actions[actions.index("session_locked") :]
    assert tail == [
        "session_locked",
        "unlock_failed",
        "session_unlocked",
        "switch_user",
        "login",
        "logout",
    ]
    with world.ctx.uow(read_only=True) as uow:
        windows = {
            r.window
            for r in uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "session_locked")
            )
        }
    assert windows == {"3"}


def test_roles_one_per_account_and_never_ones_own(world: Centre990101) -> None:  # noqa: F811
    accounts = AccountService(world.ctx)
    boss = accounts.sign_in("secadmin", "onewindow")
    clerk = _user(world.ctx, "clerk3")
    view = accounts.set_role(boss, clerk.id, "audit_admin")
    assert view.role == "audit_admin"  # replaced, not added: one role per account
    with pytest.raises(ValidationError):
        accounts.set_role(boss, boss.id, "system_admin")
    with pytest.raises(ValidationError):
        accounts.set_role(boss, clerk.id, "superuser")
    assert ("role_changed", "ok") in _actions(world.ctx)


def test_standalone_centre_gets_a_local_security_admin_with_a_forced_change(
    tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    url = f"sqlite:///{(tmp_path / 'standalone.db').as_posix()}"
    assert main(["--db", url, "init-db", "--no-demo"]) == 0
    assert main(["--db", url, "create-security-admin"]) == 0
    out = capsys.readouterr().out
    password = out.split("一次性密码：")[1].split()[0]
    assert "onewindow" not in password
    ctx = ServiceContext.for_url(url)
    try:
        accounts = AccountService(ctx)
        first = accounts.sign_in("secadmin", password)
        assert first.must_change_password and first.role == "security_admin"
        assert accounts.count_accounts() == 1  # no demo accounts, no demo password
    finally:
        ctx.close()
    assert main(["--db", url, "create-security-admin", "--username", "second"]) == 1
    assert "已有安全管理员" in capsys.readouterr().err
