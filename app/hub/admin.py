"""District administration at the hub: centres, enrolment codes and devices, staff, heartbeats, publishing."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.hub.changes import append_changes
from app.hub.models import HubCentre, HubDevice, HubEnrolCode, HubRecord, HubStaff, HubStaffSession
from app.services.passwords import hash_password, verify_password
from app.sync.protocol import EnrolResponse, HeartbeatRequest

ENROL_CODE_TTL = timedelta(hours=72)
STAFF_SESSION_TTL = timedelta(hours=10)
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


def new_enrol_code(s: Session, centre_code: str, now: datetime, ttl: timedelta = ENROL_CODE_TTL) -> str:
    """A one-time code for one device of the centre; shown once, only its hash is stored."""
    centre = ensure_centre(s, centre_code)
    code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
    s.add(HubEnrolCode(code_hash=token_hash(code.replace("-", "")), centre_id=centre.id,
                       created_at=now, expires_at=now + ttl))
    return code


def enrol(s: Session, code: str, device_name: str, now: datetime) -> EnrolResponse:
    row = s.execute(select(HubEnrolCode).where(
        HubEnrolCode.code_hash == token_hash(code.replace("-", "").strip().upper())
    ).with_for_update()).scalar_one_or_none()
    if row is None:
        raise HubError(403, "注册码无效")
    if row.used_at is not None:
        raise HubError(403, "注册码已被使用，请向区级管理员申请新的注册码")
    if row.expires_at < now:
        raise HubError(403, "注册码已过期，请向区级管理员申请新的注册码")
    token = secrets.token_urlsafe(32)
    device = HubDevice(id=uuid.uuid4(), centre_id=row.centre_id, name=device_name,
                       token_hash=token_hash(token), created_at=now, last_seen_at=now)
    s.add(device)
    row.used_at, row.device_id = now, device.id
    centre = s.get_one(HubCentre, row.centre_id)
    return EnrolResponse(device_id=device.id, token=token, centre_id=centre.id,
                         centre_code=centre.code, centre_name=centre.name, hub_time=now)


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


def touch(device: HubDevice, now: datetime, device_time: datetime | None, app: str, catalogue: str) -> None:
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
    rows = s.execute(select(HubDevice, HubCentre).join(HubCentre, HubCentre.id == HubDevice.centre_id).where(
        HubDevice.revoked_at.is_(None),
        or_(HubDevice.last_seen_at.is_(None), HubDevice.last_seen_at < now - SILENT_AFTER),
    ).order_by(HubDevice.last_seen_at)).all()
    return [{"centre_code": c.code, "centre_name": c.name, "device_id": str(d.id), "device_name": d.name,
             "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
             "queue_depth": d.queue_depth,
             "oldest_unsent_at": d.oldest_unsent_at.isoformat() if d.oldest_unsent_at else None}
            for d, c in rows]


def add_staff(s: Session, username: str, display_name: str, role: str, password: str,
              department: str = "") -> HubStaff:
    if role not in ("department", "admin"):
        raise HubError(422, "角色须为 department 或 admin")
    if role == "department" and not department:
        raise HubError(422, "部门人员须指定所属部门")
    staff = HubStaff(id=uuid.uuid4(), username=username, display_name=display_name, role=role,
                     department=department, password_hash=hash_password(password))
    s.add(staff)
    return staff


def staff_login(s: Session, username: str, password: str, now: datetime) -> str:
    staff = s.scalars(select(HubStaff).where(HubStaff.username == username)).first()
    if staff is None or not staff.active or not verify_password(password, staff.password_hash):
        raise HubError(401, "用户名或密码错误")
    token = secrets.token_urlsafe(32)
    s.add(HubStaffSession(staff_id=staff.id, token_hash=token_hash(token), created_at=now,
                          expires_at=now + STAFF_SESSION_TTL))
    return token


def staff_for_token(s: Session, token: str, now: datetime) -> HubStaff | None:
    sess = s.scalars(select(HubStaffSession).where(HubStaffSession.token_hash == token_hash(token))).first()
    if sess is None or sess.revoked_at is not None or sess.expires_at < now:
        return None
    staff = s.get(HubStaff, sess.staff_id)
    return staff if staff is not None and staff.active else None


def staff_logout(s: Session, token: str, now: datetime) -> None:
    sess = s.scalars(select(HubStaffSession).where(HubStaffSession.token_hash == token_hash(token))).first()
    if sess is not None:
        sess.revoked_at = now


def _global(entity: str, entity_id: uuid.UUID, payload: dict[str, Any], now: datetime,
            centre_id: uuid.UUID | None = None) -> dict[str, Any]:
    return {"centre_id": centre_id, "entity": entity, "entity_id": entity_id, "op": "upsert",
            "payload": payload, "origin_device_id": None, "op_id": None, "device_seq": None,
            "status": "applied", "recorded_at": now}


def publish_catalogue(s: Session, pub: Any, now: datetime) -> uuid.UUID:
    """Put a catalogue publication in the change log for every centre (one row, applied whole)."""
    from app.services.catalogue import matter_to_dict

    payload = {"version": pub.version, "published_on": pub.published_on.isoformat(),
               "publisher": pub.publisher,
               "service_groups": [{**asdict(g), "departments": list(g.departments)} for g in pub.service_groups],
               "matters": [matter_to_dict(m) for m in pub.matters]}
    pid = uuid.uuid5(uuid.NAMESPACE_URL, f"onewindow:catalogue:{pub.version}")
    s.merge(HubRecord(entity="catalogue", entity_id=pid, centre_id=None, data=payload, updated_at=now))
    append_changes(s, [_global("catalogue", pid, payload, now)])
    return pid


def publish_calendar(s: Session, days: list[dict[str, Any]], now: datetime) -> int:
    """Holiday and make-up workday rows (day, working, name, source) for every centre."""
    rows = []
    for d in days:
        did = uuid.uuid5(uuid.NAMESPACE_URL, f"onewindow:calendar:{d['day']}")
        rows.append(_global("calendar_day", did, {"id": str(did), **d}, now))
    append_changes(s, rows)
    return len(rows)


def publish_account(s: Session, centre_code: str, username: str, display_name: str, role: str,
                    password: str, now: datetime) -> uuid.UUID:
    """A centre account (clerk / supervisor / admin) sent only to that centre."""
    centre = ensure_centre(s, centre_code)
    uid = uuid.uuid5(uuid.NAMESPACE_URL, f"onewindow:user:{centre_code}:{username}")
    payload = {"id": str(uid), "centre_code": centre_code, "username": username,
               "display_name": display_name, "role": role, "password_hash": hash_password(password),
               "active": True}
    s.merge(HubRecord(entity="app_user", entity_id=uid, centre_id=centre.id, data=payload, updated_at=now))
    append_changes(s, [_global("app_user", uid, payload, now, centre.id)])
    return uid
