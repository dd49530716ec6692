"""Accounts: sign-in with lock-out, password change and policy, sign-out, the idle lock, and the
security administrator's account work. Every step is audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select

from app.config import SecuritySettings
from app.db.models import User
from app.db.types import new_id
from app.domain.errors import ValidationError
from app.kernel.passwords import check_policy, hash_password
from app.services.context import ServiceContext
from app.services.dto import SignedInUser
from app.services.sign_in_checks import (
    AccountLocked,
    AuthError,
    SignInChecks,
)
from app.services.uow import UnitOfWork

ROLES = ("clerk", "supervisor", "system_admin", "audit_admin", "security_admin")
ADMIN_ROLES = frozenset({"system_admin", "audit_admin", "security_admin"})
ROLE_NAMES = {
    "clerk": "窗口人员",
    "supervisor": "值班长",
    "system_admin": "系统管理员",
    "audit_admin": "审计管理员",
    "security_admin": "安全管理员",
}


@dataclass(frozen=True)
class AccountView:
    """A local account as the administrator's account list shows it (no hash)."""

    id: uuid.UUID
    username: str
    display_name: str
    role: str
    role_name: str
    active: bool
    locked_until: datetime | None
    must_change_password: bool


def _view(u: User) -> AccountView:
    return AccountView(
        u.id,
        u.username,
        u.display_name,
        u.role,
        ROLE_NAMES.get(u.role, u.role),
        u.active,
        u.locked_until,
        u.must_change_password,
    )


class AccountService:
    """Sign-in, sessions and local accounts of the centre."""

    def __init__(self, ctx: ServiceContext, policy: SecuritySettings | None = None) -> None:
        self.ctx = ctx
        self.policy = policy or ctx.security

    # -- signing in and out ---------------------------------------------------------------------

    def _check(
        self,
        uow: UnitOfWork,
        user: User | None,
        password: str,
        action: str,
        code: str | None = None,
    ) -> AuthError | None:
        """The password (and at level 3 the code) of `user`; failures counted, see SignInChecks."""
        return SignInChecks(uow, self.policy, self.ctx.clock()).check(user, password, action, code)

    def _signed_in(self, user: User, window: str) -> SignedInUser:
        changed = user.password_changed_at or user.created_at
        max_age = self.policy.password_max_age_days
        expired = max_age > 0 and self.ctx.clock() - changed > timedelta(days=max_age)
        return SignedInUser(
            user.id,
            user.username,
            user.display_name,
            user.role,
            user.centre_id,
            must_change_password=user.must_change_password or expired,
            window=window,
        )

    def sign_in(
        self, username: str, password: str, *, window: str = "", code: str = ""
    ) -> SignedInUser:
        """At level 3 the password is followed by a TOTP code (`code`; SecondFactorNeeded asks
        for it, with the QR code to enrol at the account's first level-3 sign-in)."""
        with self.ctx.uow() as uow:
            uow.window = window
            user = uow.session.scalars(
                select(User).where(User.username == username.strip()).with_for_update()
            ).one_or_none()
            second = code if self.ctx.level == 3 else None
            refusal = self._check(uow, user, password, "login", second)
            if refusal is None and user is not None:
                signed = self._signed_in(user, window)
                uow.audit(
                    "login",
                    user_id=user.id,
                    centre_id=user.centre_id,
                    must_change=signed.must_change_password,
                )
                return signed
        raise refusal or AuthError("用户名或密码错误")

    def unlock_session(self, user: SignedInUser, password: str) -> SignedInUser:
        """The same clerk signs back in at a locked counter (wrong passwords count and lock)."""
        with self.ctx.uow() as uow:
            uow.window = user.window
            row = uow.session.scalars(
                select(User).where(User.id == user.id).with_for_update()
            ).one_or_none()
            refusal = self._check(uow, row, password, "unlock")
            if refusal is None and row is not None:
                uow.audit("session_unlocked", user_id=row.id, centre_id=row.centre_id)
                return self._signed_in(row, user.window)
        raise refusal if isinstance(refusal, AccountLocked) else AuthError("密码错误")

    def record_idle_lock(self, user: SignedInUser, *, manual: bool = False) -> None:
        """The counter locked: by itself after the idle time, or by the clerk (`manual`)."""
        with self.ctx.uow() as uow:
            uow.window = user.window
            reason = "manual" if manual else "idle"
            uow.audit("session_locked", user_id=user.id, centre_id=user.centre_id, reason=reason)

    def sign_out(self, user: SignedInUser, *, switching: bool = False) -> None:
        with self.ctx.uow() as uow:
            uow.window = user.window
            uow.audit(
                "switch_user" if switching else "logout", user_id=user.id, centre_id=user.centre_id
            )

    def change_password(self, user: SignedInUser, old: str, new: str) -> SignedInUser:
        """The account's own password; the new one must follow the policy and differ from the old."""
        check_policy(new, self.policy, username=user.username)
        if new == old:
            raise ValidationError("PASSWORD_SAME", "新密码不能与原密码相同", "password")
        with self.ctx.uow() as uow:
            uow.window = user.window
            row = uow.session.scalars(
                select(User).where(User.id == user.id).with_for_update()
            ).one_or_none()
            refusal = self._check(uow, row, old, "password_change")
            if refusal is None and row is not None:
                row.password_hash = hash_password(new)
                row.password_changed_at = self.ctx.clock()
                row.must_change_password = False
                uow.audit("password_changed", user_id=row.id, centre_id=row.centre_id)
                return replace(user, must_change_password=False)
        raise refusal if isinstance(refusal, AccountLocked) else AuthError("原密码错误")

    def count_accounts(self) -> int:
        """How many accounts exist (none yet: the database is being installed)."""
        from sqlalchemy import func

        with self.ctx.uow(read_only=True) as uow:
            return int(uow.session.scalar(select(func.count()).select_from(User)) or 0)

    # -- the security administrator's work ------------------------------------------------------

    def list_accounts(self, user: SignedInUser) -> list[AccountView]:
        with self.ctx.uow() as uow:
            rows = list(uow.session.scalars(select(User).order_by(User.username)))
            uow.audit("accounts_listed", user_id=user.id, centre_id=user.centre_id, rows=len(rows))
            return [_view(u) for u in rows]

    def create_account(
        self,
        user: SignedInUser,
        username: str,
        display_name: str,
        role: str,
        temporary_password: str,
    ) -> AccountView:
        """A new local account; its first sign-in must set a password of its own."""
        username, display_name = username.strip(), display_name.strip()
        if not username or not display_name:
            raise ValidationError("ACCOUNT_NAME", "请填写用户名和姓名", "username")
        if role not in ROLES:
            raise ValidationError("ROLE_UNKNOWN", f"没有“{role}”这个角色", "role")
        check_policy(temporary_password, self.policy, username=username)
        with self.ctx.uow() as uow:
            s = uow.session
            if s.scalars(select(User.id).where(User.username == username)).first():
                raise ValidationError("ACCOUNT_EXISTS", f"用户名 {username} 已存在", "username")
            row = User(
                id=new_id(),
                centre_id=user.centre_id,
                username=username,
                display_name=display_name,
                role=role,
                password_hash=hash_password(temporary_password),
                password_changed_at=self.ctx.clock(),
                must_change_password=True,
            )
            s.add(row)
            s.flush()
            uow.audit(
                "account_created",
                user_id=user.id,
                centre_id=user.centre_id,
                subject_type="account",
                subject_id=row.id,
                role=role,
            )
            return _view(row)

    def _target(self, uow: UnitOfWork, account_id: uuid.UUID) -> User:
        row = uow.session.get(User, account_id, with_for_update=True)
        if row is None:
            raise ValidationError("ACCOUNT_NOT_FOUND", "找不到该账号", "account")
        return row

    def set_role(self, user: SignedInUser, account_id: uuid.UUID, role: str) -> AccountView:
        """One role per account: giving an administrator role replaces the old role, so nobody
        holds two administrator roles; nobody changes their own role."""
        if role not in ROLES:
            raise ValidationError("ROLE_UNKNOWN", f"没有“{role}”这个角色", "role")
        if account_id == user.id:
            raise ValidationError("ROLE_SELF", "不能修改自己的角色", "role")
        with self.ctx.uow() as uow:
            row = self._target(uow, account_id)
            old, row.role = row.role, role
            uow.audit(
                "role_changed",
                user_id=user.id,
                centre_id=user.centre_id,
                subject_type="account",
                subject_id=row.id,
                old=old,
                new=role,
            )
            return _view(row)

    def reset_password(
        self, user: SignedInUser, account_id: uuid.UUID, temporary_password: str
    ) -> AccountView:
        with self.ctx.uow() as uow:
            row = self._target(uow, account_id)
            check_policy(temporary_password, self.policy, username=row.username)
            row.password_hash = hash_password(temporary_password)
            row.password_changed_at = self.ctx.clock()
            row.must_change_password = True
            row.failed_logins, row.locked_until = 0, None
            uow.audit(
                "password_reset",
                user_id=user.id,
                centre_id=user.centre_id,
                subject_type="account",
                subject_id=row.id,
            )
            return _view(row)

    def unlock_account(self, user: SignedInUser, account_id: uuid.UUID) -> AccountView:
        with self.ctx.uow() as uow:
            row = self._target(uow, account_id)
            row.failed_logins, row.locked_until = 0, None
            uow.audit(
                "account_unlocked",
                user_id=user.id,
                centre_id=user.centre_id,
                subject_type="account",
                subject_id=row.id,
            )
            return _view(row)

    def reset_second_factor(self, user: SignedInUser, account_id: uuid.UUID) -> AccountView:
        """A lost or replaced phone: the account enrols a new authenticator at its next sign-in."""
        with self.ctx.uow() as uow:
            row = self._target(uow, account_id)
            row.totp_secret, row.totp_enrolled_at, row.totp_last_step = None, None, None
            uow.audit(
                "totp_reset",
                user_id=user.id,
                centre_id=user.centre_id,
                subject_type="account",
                subject_id=row.id,
            )
            return _view(row)

    def set_active(self, user: SignedInUser, account_id: uuid.UUID, active: bool) -> AccountView:
        if account_id == user.id:
            raise ValidationError("ACCOUNT_SELF", "不能停用自己的账号", "account")
        with self.ctx.uow() as uow:
            row = self._target(uow, account_id)
            row.active = active
            uow.audit(
                "account_enabled" if active else "account_disabled",
                user_id=user.id,
                centre_id=user.centre_id,
                subject_type="account",
                subject_id=row.id,
            )
            return _view(row)


def create_first_security_admin(
    ctx: ServiceContext, username: str = "secadmin", display_name: str = "安全管理员"
) -> tuple[AccountView, str]:
    """At install of a standalone centre (no district accounts): the local security administrator,
    with a one-time password that must be changed at the first sign-in. Refused once an active
    security administrator exists (from then on accounts are made in the app)."""
    import secrets

    password = f"Ow-{secrets.token_urlsafe(12)}-7a"
    with ctx.uow() as uow:
        s = uow.session
        existing = s.scalars(
            select(User.id).where(User.role == "security_admin", User.active.is_(True))
        ).first()
        if existing is not None:
            raise ValidationError(
                "SECURITY_ADMIN_EXISTS", "已有安全管理员，请由其在程序中创建账号", "username"
            )
        if s.scalars(select(User.id).where(User.username == username)).first() is not None:
            raise ValidationError("ACCOUNT_EXISTS", f"用户名 {username} 已存在", "username")
        from app.db.models import Centre

        centre_id = s.scalars(select(Centre.id).order_by(Centre.created_at)).first()
        row = User(
            id=new_id(),
            centre_id=centre_id,
            username=username,
            display_name=display_name,
            role="security_admin",
            password_hash=hash_password(password),
            password_changed_at=ctx.clock(),
            must_change_password=True,
        )
        s.add(row)
        s.flush()
        uow.audit_result(
            "account_created",
            "ok",
            user_id=None,
            window="cli",
            subject_type="account",
            subject_id=row.id,
            role="security_admin",
            by="install",
        )
        return _view(row), password
