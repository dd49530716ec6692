"""Level 3's second factor (TOTP, offline): enrolled at the first level-3 sign-in with a QR code,
asked after the password, replay refused, wrong codes counted towards the lock-out; a security
administrator resets it for a lost phone; level 2 signs in with the password alone, as before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from app.config import SecuritySettings
from app.db.models import User
from app.services.accounts import AccountLocked, AccountService
from app.services.context import ServiceContext
from app.services.setup import initialise
from app.services.sign_in_checks import SecondFactorNeeded
from tests.services.conftest import START, MovableClock


@pytest.fixture
def level3(sqlite_url: str) -> Iterator[tuple[ServiceContext, MovableClock]]:
    clock = MovableClock(START)
    ctx = ServiceContext.for_url(sqlite_url, clock=clock, security=SecuritySettings(level=3))
    initialise(ctx)
    yield ctx, clock
    ctx.close()


def enrol(accounts: AccountService, clock: MovableClock, username: str = "clerk1") -> str:
    with pytest.raises(SecondFactorNeeded) as asked:
        accounts.sign_in(username, "onewindow")
    enrolment = asked.value.enrolment
    assert enrolment is not None and enrolment.qr_png.startswith(b"\x89PNG")
    assert enrolment.uri.startswith("otpauth://totp/") and username in enrolment.uri
    signed = accounts.sign_in(username, "onewindow", code=pyotp.TOTP(enrolment.secret).at(clock()))
    assert signed.username == username
    return enrolment.secret


def test_level3_asks_a_code_after_the_password_and_refuses_a_replay(level3) -> None:  # type: ignore[no-untyped-def]
    ctx, clock = level3
    accounts = AccountService(ctx)
    secret = enrol(accounts, clock)
    with ctx.engine.connect() as conn:  # the secret is encrypted at rest like personal data
        stored = conn.exec_driver_sql("SELECT totp_secret FROM app_user WHERE username='clerk1'")
        assert stored.scalar_one().startswith("sm4g1:")
    clock.advance(seconds=60)
    with pytest.raises(SecondFactorNeeded) as asked:  # the password alone is not enough
        accounts.sign_in("clerk1", "onewindow")
    assert asked.value.enrolment is None and "动态验证码" in str(asked.value)
    code = pyotp.TOTP(secret).at(clock())
    assert accounts.sign_in("clerk1", "onewindow", code=code).username == "clerk1"
    with pytest.raises(SecondFactorNeeded, match="动态验证码错误"):
        accounts.sign_in("clerk1", "onewindow", code=code)  # the same code again: replayed
    clock.advance(seconds=30)
    ok = accounts.sign_in("clerk1", "onewindow", code=pyotp.TOTP(secret).at(clock()))
    assert ok.username == "clerk1"


def test_wrong_codes_count_towards_the_lock_out(level3) -> None:  # type: ignore[no-untyped-def]
    ctx, clock = level3
    accounts = AccountService(ctx)
    secret = enrol(accounts, clock)
    right = pyotp.TOTP(secret)
    wrong = f"{(int(right.at(clock())) + 1) % 1_000_000:06d}"
    for _ in range(4):
        with pytest.raises(SecondFactorNeeded):
            accounts.sign_in("clerk1", "onewindow", code=wrong)
    with pytest.raises(AccountLocked):
        accounts.sign_in("clerk1", "onewindow", code=wrong)
    with pytest.raises(AccountLocked):  # even the right password and code, until it expires
        accounts.sign_in("clerk1", "onewindow", code=right.at(clock()))
    clock.advance(minutes=16)
    assert accounts.sign_in("clerk1", "onewindow", code=right.at(clock())).username == "clerk1"


def test_the_security_admin_resets_a_lost_authenticator(level3) -> None:  # type: ignore[no-untyped-def]
    ctx, clock = level3
    accounts = AccountService(ctx)
    first = enrol(accounts, clock)
    admin_secret = enrol(accounts, clock, "secadmin")
    clock.advance(seconds=60)
    admin = accounts.sign_in("secadmin", "onewindow", code=pyotp.TOTP(admin_secret).at(clock()))
    with ctx.uow(read_only=True) as uow:
        clerk_id = uow.session.scalars(select(User.id).where(User.username == "clerk1")).one()
    accounts.reset_second_factor(admin, clerk_id)
    clock.advance(seconds=60)
    assert enrol(accounts, clock) != first  # a new secret, enrolled again


def test_level2_signs_in_with_the_password_alone(sqlite_url: str) -> None:
    ctx = ServiceContext.for_url(sqlite_url, security=SecuritySettings(level=2))
    initialise(ctx)
    try:
        assert AccountService(ctx).sign_in("clerk1", "onewindow").username == "clerk1"
        with ctx.uow(read_only=True) as uow:
            assert uow.session.scalars(select(User.totp_secret)).all() == [None] * 7
    finally:
        ctx.close()


def test_the_clock_window_accepts_the_neighbouring_step_only(level3) -> None:  # type: ignore[no-untyped-def]
    ctx, clock = level3
    accounts = AccountService(ctx)
    secret = enrol(accounts, clock)
    clock.advance(minutes=5)
    stale = pyotp.TOTP(secret).at(clock() - timedelta(seconds=90))
    with pytest.raises(SecondFactorNeeded, match="动态验证码错误"):
        accounts.sign_in("clerk1", "onewindow", code=stale)
    late = pyotp.TOTP(secret).at(clock() - timedelta(seconds=30))  # a phone 30 s behind
    assert accounts.sign_in("clerk1", "onewindow", code=late).username == "clerk1"
