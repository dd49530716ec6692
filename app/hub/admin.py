"""District administration at the hub: centres, enrolment codes and devices, staff, heartbeats
(publishing district data to the centres is app/hub/publish.py)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from app.hub.models import (
    HubCentre,
    HubDevice,
    HubEnrolCode,
    HubLoginThrottle,
    HubStaff,
    HubStaffSession,
)
from app.kernel.passwords import hash_password, verify_password
from app.sync.protocol import EnrolResponse, HeartbeatRequest

ENROL_CODE_TTL = timedelta(hours=72)
STAFF_SESSION_TTL = timedelta(hours=10)
LOGIN_WINDOW = timedelta(
    minutes=15
)  # failed sign-ins are counted over this span from the first one
LOGIN_LOCKOUT = timedelta(minutes=15)  # how long a user name / client address is then refused
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_CLIENT = 20  # an office signs in from one address: room for several people's typos
SILENT_AFTER = timedelta(hours=24)


class HubError(Exception):
    """A refusal with an HTTP status and a message for people (Chinese)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ensure_centre(s: Session, code: str, name: str = "") -> HubCentre:
    centre = s.scalars(select(HubCentre).where(HubCentre.code == code)).first()
    if centre is None:
        centre = HubCentre(id=uuid.uuid4(), code=code, name=name or code)
        s.add(centre)
        s.flush()
    elif name:
        centre.name = name
    return centre


def new_enrol_code(
    s: Session, centre_code: str, now: datetime, ttl: timedelta = ENROL_CODE_TTL
) -> str:
    """A one-time code for one device of the centre; shown once, only its hash is stored."""
    centre = ensure_centre(s, centre_code)
    code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
    s.add(
        HubEnrolCode(
            code_hash=token_hash(code.replace("-", "")),
            centre_id=centre.id,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return code


def enrol(s: Session, code: str, device_name: str, now: datetime) -> EnrolResponse:
    row = s.execute(
        select(HubEnrolCode)
        .where(HubEnrolCode.code_hash == token_hash(code.replace("-", "").strip().upper()))
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise HubError(403, "注册码无效")
    if row.used_at is not None:
        raise HubError(403, "注册码已被使用，请向区级管理员申请新的注册码")
    if row.expires_at < now:
        raise HubError(403, "注册码已过期，请向区级管理员申请新的注册码")
    token = secrets.token_urlsafe(32)
    device = HubDevice(
        id=uuid.uuid4(),
        centre_id=row.centre_id,
        name=device_name,
        token_hash=token_hash(token),
        created_at=now,
        last_seen_at=now,
    )
    s.add(device)
    row.used_at, row.device_id = now, device.id
    centre = s.get_one(HubCentre, row.centre_id)
    return EnrolResponse(
        device_id=device.id,
        token=token,
        centre_id=centre.id,
        centre_code=centre.code,
        centre_name=centre.name,
        hub_time=now,
    )


def device_for_token(s: Session, token: str) -> HubDevice | None:
    device = s.scalars(select(HubDevice).where(HubDevice.token_hash == token_hash(token))).first()
    if device is None or device.revoked_at is not None:
        return None
    return device


def revoke_device(s: Session, device_id: uuid.UUID, now: datetime) -> bool:
    device = s.get(HubDevice, device_id)
    if device is None:
        return False
    device.revoked_at = now
    return True


def touch(
    device: HubDevice, now: datetime, device_time: datetime | None, app: str, catalogue: str
) -> None:
    device.last_seen_at = now
    if device_time is not None:
        device.last_device_time = device_time
        device.skew_seconds = (device_time - now).total_seconds()
    device.app_version, device.catalogue_version = app[:20], catalogue[:30]


def heartbeat(device: HubDevice, req: HeartbeatRequest) -> None:
    device.queue_depth = req.queue_depth
    device.oldest_unsent_at = req.oldest_unsent_at
    device.last_success_at = req.last_success_at


def silent_devices(s: Session, now: datetime) -> list[dict[str, Any]]:
    """Enrolled, unrevoked devices not heard from in 24 hours, with their centre."""
    rows = s.execute(
        select(HubDevice, HubCentre)
        .join(HubCentre, HubCentre.id == HubDevice.centre_id)
        .where(
            HubDevice.revoked_at.is_(None),
            or_(HubDevice.last_seen_at.is_(None), HubDevice.last_seen_at < now - SILENT_AFTER),
        )
        .order_by(HubDevice.last_seen_at)
    ).all()
    return [
        {
            "centre_code": c.code,
            "centre_name": c.name,
            "device_id": str(d.id),
            "device_name": d.name,
            "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
            "queue_depth": d.queue_depth,
            "oldest_unsent_at": d.oldest_unsent_at.isoformat() if d.oldest_unsent_at else None,
        }
        for d, c in rows
    ]


# Hub accounts: department staff (their department's cases and figures), district staff (every
# centre's and department's figures, read only), administrators (the API's admin calls).
STAFF_ROLES = ("department", "district", "admin")


def add_staff(
    s: Session, username: str, display_name: str, role: str, password: str, department: str = ""
) -> HubStaff:
    if role not in STAFF_ROLES:
        raise HubError(422, "角色须为 department（部门人员）、district（区级人员）或 admin")
    if role == "department" and not department:
        raise HubError(422, "部门人员须指定所属部门")
    staff = HubStaff(
        id=uuid.uuid4(),
        username=username,
        display_name=display_name,
        role=role,
        department=department,
        password_hash=hash_password(password),
    )
    s.add(staff)
    return staff


def staff_login(
    sessions: sessionmaker[Session], username: str, password: str, client: str, now: datetime
) -> str:
    """A new staff session token, or HubError 401 (wrong name or password) / LoginThrottled 429.

    Guessing is throttled in the database, so every hub process behind the load balancer counts the
    same attempts: after MAX_FAILURES_PER_USER failures for a user name within LOGIN_WINDOW that name
    is refused for LOGIN_LOCKOUT, right password or not; the same with MAX_FAILURES_PER_CLIENT failures
    from one client address. Unknown names are counted and answered exactly like known ones (and a
    dummy hash is checked, so the time taken does not tell either). Success resets the name's count.
    The failure is committed before the refusal is raised, hence the session factory, not a session."""
    with sessions.begin() as s:
        outcome = _login_attempt(s, username, password, client, now)
    if isinstance(outcome, HubError):
        raise outcome
    return outcome


def _login_attempt(
    s: Session, username: str, password: str, client: str, now: datetime
) -> str | HubError:
    user_key, client_key = _throttle_key("user", username), _throttle_key("client", client)
    # The user name's row stays locked while the password is checked: attempts at one name are
    # serialised across processes, so parallel guesses cannot slip past the count.
    user = _throttle_row(s, user_key, now)
    if (refusal := _refusal(user, now, "该用户名")) is not None:
        return refusal
    by_client = s.get(HubLoginThrottle, client_key)
    if by_client is not None and (refusal := _refusal(by_client, now, "当前网络地址")) is not None:
        return refusal
    staff = s.scalars(select(HubStaff).where(HubStaff.username == username)).first()
    stored = staff.password_hash if staff is not None else _dummy_hash()
    if verify_password(password, stored) and staff is not None and staff.active:
        s.delete(user)
        s.execute(
            delete(HubLoginThrottle).where(
                HubLoginThrottle.window_start < now - LOGIN_WINDOW - LOGIN_LOCKOUT
            )
        )  # stale rows
        token = secrets.token_urlsafe(32)
        s.add(
            HubStaffSession(
                staff_id=staff.id,
                token_hash=token_hash(token),
                created_at=now,
                expires_at=now + STAFF_SESSION_TTL,
            )
        )
        return token
    _count_failure(user, MAX_FAILURES_PER_USER, now)
    # the client's row is locked only now, briefly: one office behind one address signs in unhindered
    _count_failure(_throttle_row(s, client_key, now), MAX_FAILURES_PER_CLIENT, now)
    if (refusal := _refusal(user, now, "该用户名", "用户名或密码错误。")) is not None:
        return refusal
    left = MAX_FAILURES_PER_USER - user.failures
    warning = (
        f"（再失败 {left} 次，该用户名将暂停登录 {_minutes(LOGIN_LOCKOUT)} 分钟）"
        if left <= 2
        else ""
    )
    return HubError(401, "用户名或密码错误" + warning)


class LoginThrottled(HubError):
    """Too many failed sign-ins: 429, with the seconds until the next attempt is allowed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(429, message)
        self.retry_after = retry_after


def _throttle_key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def _throttle_row(s: Session, key: str, now: datetime) -> HubLoginThrottle:
    """The throttle row of `key`, created if missing, locked for this transaction."""
    values = {"key": key, "failures": 0, "window_start": now, "locked_until": None}
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        s.execute(pg_insert(HubLoginThrottle).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        s.execute(sqlite_insert(HubLoginThrottle).values(values).on_conflict_do_nothing())
    elif s.get(HubLoginThrottle, key) is None:
        s.add(HubLoginThrottle(**values))
        s.flush()
    return s.execute(
        select(HubLoginThrottle)
        .where(HubLoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _count_failure(row: HubLoginThrottle, limit: int, now: datetime) -> None:
    if row.window_start + LOGIN_WINDOW <= now or (
        row.locked_until is not None and row.locked_until <= now
    ):
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + LOGIN_LOCKOUT


def _refusal(
    row: HubLoginThrottle, now: datetime, who: str, prefix: str = ""
) -> LoginThrottled | None:
    if row.locked_until is None or row.locked_until <= now:
        return None
    wait = row.locked_until - now
    return LoginThrottled(
        f"{prefix}{who}登录失败次数过多，已暂停登录，请 {_minutes(wait)} 分钟后再试",
        retry_after=math.ceil(wait.total_seconds()),
    )


def _minutes(span: timedelta) -> int:
    return max(1, math.ceil(span.total_seconds() / 60))


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def staff_csrf_token(session_token: str) -> str:
    """The anti-forgery token of a staff session's web forms: an HMAC keyed by the session token, so
    only a page that could read the session can produce it, and any hub process can check it."""
    return hmac.new(session_token.encode(), b"onewindow:dept-form", hashlib.sha256).hexdigest()


def staff_csrf_ok(session_token: str, submitted: str) -> bool:
    return (
        bool(session_token)
        and submitted.isascii()
        and hmac.compare_digest(staff_csrf_token(session_token), submitted)
    )


def staff_for_token(s: Session, token: str, now: datetime) -> HubStaff | None:
    sess = s.scalars(
        select(HubStaffSession).where(HubStaffSession.token_hash == token_hash(token))
    ).first()
    if sess is None or sess.revoked_at is not None or sess.expires_at < now:
        return None
    staff = s.get(HubStaff, sess.staff_id)
    return staff if staff is not None and staff.active else None


def staff_logout(s: Session, token: str, now: datetime) -> None:
    sess = s.scalars(
        select(HubStaffSession).where(HubStaffSession.token_hash == token_hash(token))
    ).first()
    if sess is not None:
        sess.revoked_at = now
