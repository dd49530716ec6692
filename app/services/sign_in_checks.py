"""The checks of a sign-in: the password, with failures counted and the account locked after too
many, and at level 3 a second factor that works offline — a TOTP code (RFC 6238, pyotp) from an
authenticator app, enrolled at the account's first level-3 sign-in (the secret shown once as a QR
code) and cleared by the security administrator when a phone is lost. Wrong codes count towards
the lock-out exactly like wrong passwords."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import pyotp

from app.config import SecuritySettings
from app.db.models import User
from app.kernel.passwords import hash_password, needs_rehash, verify_password
from app.services.uow import UnitOfWork


@cache
def _dummy_hash() -> str:
    """Verified against when the user name is unknown, so a wrong name takes as long as a wrong
    password (hashed at the first sign-in, not when the app starts)."""
    return hash_password("onewindow-no-such-account")


ISSUER = "一窗通"
STEP_SECONDS = 30
VALID_WINDOW = 1  # the code of the step before or after is accepted too (clock drift)


class AuthError(Exception):
    """Sign-in refused; the message says why without telling whether the user name exists."""


class AccountLocked(AuthError):
    """Too many wrong passwords: the account is locked until `until`."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class TotpEnrolment:
    """A new second factor, shown once: the secret (to type), its otpauth URI and a QR code (PNG)."""

    secret: str
    uri: str
    qr_png: bytes


class SecondFactorNeeded(AuthError):
    """Level 3: the password was right, now the 6-digit code. With `enrolment` the account has no
    authenticator yet: the dialog shows the QR code once, and the first code confirms it."""

    def __init__(self, message: str, enrolment: TotpEnrolment | None = None) -> None:
        super().__init__(message)
        self.enrolment = enrolment


def _china_time(at: datetime) -> str:
    from app.clock import CHINA_TZ

    return at.astimezone(CHINA_TZ).strftime("%H:%M")


def locked(until: datetime) -> AccountLocked:
    return AccountLocked(
        f"连续输错密码次数过多，账号已锁定，请在 {_china_time(until)} 后再试（或请安全管理员解锁）",
        until,
    )


def _enrolment(user: User) -> TotpEnrolment:
    import qrcode

    assert user.totp_secret is not None
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    buffer = io.BytesIO()
    qrcode.make(uri).save(buffer)
    return TotpEnrolment(user.totp_secret, uri, buffer.getvalue())


def _code_step(user: User, code: str, now: datetime) -> int | None:
    """The time step whose code this is (within the valid window), or None."""
    assert user.totp_secret is not None
    totp = pyotp.TOTP(user.totp_secret)
    typed = "".join(ch for ch in code if ch.isdigit())
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        at = now + timedelta(seconds=offset * STEP_SECONDS)
        if len(typed) == totp.digits and pyotp.utils.strings_equal(totp.at(at), typed):
            return int(totp.timecode(at))
    return None


class SignInChecks:
    """The password and (level 3) code checks of one sign-in, inside the caller's transaction."""

    def __init__(self, uow: UnitOfWork, policy: SecuritySettings, now: datetime) -> None:
        self.uow, self.policy, self.now = uow, policy, now

    def check(
        self, user: User | None, password: str, action: str, code: str | None = None
    ) -> AuthError | None:
        """None when the account may sign in. `code` None: no second factor asked (level 2, or
        unlocking a locked counter); a string (empty when not typed yet): the level-3 code.
        Returns the refusal, raised by the caller after its audit records are committed."""
        uow = self.uow
        if user is None:
            verify_password(password, _dummy_hash())
            uow.audit_result(f"{action}_failed", "unknown_user", user_id=None)
            return AuthError("用户名或密码错误")
        if user.locked_until is not None and user.locked_until > self.now:
            uow.audit_result(
                f"{action}_refused", "locked", user_id=user.id, centre_id=user.centre_id
            )
            return locked(user.locked_until)
        if not user.active or not verify_password(password, user.password_hash):
            return self.failure(user, action, "inactive" if not user.active else "wrong_password")
        if code is not None:
            refusal = self._second_factor(user, code, action)
            if refusal is not None:
                return refusal
        user.failed_logins = 0
        user.locked_until = None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)  # old scrypt hashes become Argon2id
            uow.audit("password_rehashed", user_id=user.id, centre_id=user.centre_id)
        return None

    def failure(self, user: User, action: str, result: str) -> AuthError:
        """Count a failure (wrong password or wrong code); lock the account after too many."""
        user.failed_logins += 1
        self.uow.audit_result(
            f"{action}_failed",
            result,
            user_id=user.id,
            centre_id=user.centre_id,
            failures=user.failed_logins,
        )
        if user.failed_logins >= self.policy.lockout_failures:
            user.locked_until = self.now + timedelta(minutes=self.policy.lockout_minutes)
            user.failed_logins = 0
            self.uow.audit_result(
                "account_locked",
                "locked",
                user_id=user.id,
                centre_id=user.centre_id,
                minutes=self.policy.lockout_minutes,
            )
            return locked(user.locked_until)
        if result == "wrong_code":
            return SecondFactorNeeded("动态验证码错误，请重新输入手机验证器上的6位数字")
        return AuthError("用户名或密码错误")

    def _second_factor(self, user: User, code: str, action: str) -> AuthError | None:
        uow = self.uow
        if user.totp_secret is None:
            user.totp_secret = pyotp.random_base32()
            user.totp_enrolled_at = None
            uow.audit("totp_enrolment_started", user_id=user.id, centre_id=user.centre_id)
        enrolling = user.totp_enrolled_at is None
        if not code.strip():
            return SecondFactorNeeded(
                "请用手机验证器扫描二维码，再输入显示的6位动态验证码"
                if enrolling
                else "请输入手机验证器上的6位动态验证码",
                _enrolment(user) if enrolling else None,
            )
        step = _code_step(user, code, self.now)
        if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
            return self.failure(user, action, "wrong_code")  # a replayed code is a wrong one
        user.totp_last_step = step
        if enrolling:
            user.totp_enrolled_at = self.now
            uow.audit("totp_enrolled", user_id=user.id, centre_id=user.centre_id)
        return None
