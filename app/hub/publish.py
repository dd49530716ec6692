"""Publishing district data to the centres through the change log: the catalogue, the working-day
calendar and centre accounts."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.hub.admin import ensure_centre
from app.hub.changes import append_changes
from app.hub.models import HubRecord
from app.kernel.passwords import hash_password
from app.sync.kinds import KINDS

SETTINGS = KINDS["centre_settings"].name


def _global(
    entity: str,
    entity_id: uuid.UUID,
    payload: dict[str, Any],
    now: datetime,
    centre_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    return {
        "centre_id": centre_id,
        "entity": entity,
        "entity_id": entity_id,
        "op": "upsert",
        "payload": payload,
        "origin_device_id": None,
        "op_id": None,
        "device_seq": None,
        "status": "applied",
        "recorded_at": now,
    }


def publish_catalogue(s: Session, pub: Any, now: datetime) -> uuid.UUID:
    """Put a catalogue publication in the change log for every centre (one row, applied whole)."""
    from app.domain.catalogue import matter_to_dict

    payload = {
        "version": pub.version,
        "published_on": pub.published_on.isoformat(),
        "publisher": pub.publisher,
        "service_groups": [
            {**asdict(g), "departments": list(g.departments)} for g in pub.service_groups
        ],
        "matters": [matter_to_dict(m) for m in pub.matters],
    }
    pid = uuid.uuid5(uuid.NAMESPACE_URL, f"onewindow:catalogue:{pub.version}")
    s.merge(
        HubRecord(entity="catalogue", entity_id=pid, centre_id=None, data=payload, updated_at=now)
    )
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


def publish_account(
    s: Session,
    centre_code: str,
    username: str,
    display_name: str,
    role: str,
    password: str,
    now: datetime,
) -> uuid.UUID:
    """A centre account (clerk / supervisor / admin) sent only to that centre."""
    centre = ensure_centre(s, centre_code)
    uid = uuid.uuid5(uuid.NAMESPACE_URL, f"onewindow:user:{centre_code}:{username}")
    payload = {
        "id": str(uid),
        "centre_code": centre_code,
        "username": username,
        "display_name": display_name,
        "role": role,
        "password_hash": hash_password(password),
        "active": True,
    }
    s.merge(
        HubRecord(
            entity="app_user", entity_id=uid, centre_id=centre.id, data=payload, updated_at=now
        )
    )
    append_changes(s, [_global("app_user", uid, payload, now, centre.id)])
    return uid


def publish_centre_settings(
    s: Session, centre_code: str, settings: dict[str, Any], now: datetime
) -> uuid.UUID:
    """The district's rules for one centre (kind "centre_settings": remedies, document prefixes,
    office hours, time zone, max recalls, address and phones), sent only to that centre."""
    centre = ensure_centre(s, centre_code)
    sid = uuid.uuid5(uuid.NAMESPACE_URL, f"onewindow:centre_settings:{centre_code}")
    payload = {**settings, "id": str(sid), "centre_code": centre_code}
    s.merge(
        HubRecord(
            entity=SETTINGS,
            entity_id=sid,
            centre_id=centre.id,
            data=payload,
            updated_at=now,
        )
    )
    append_changes(s, [_global(SETTINGS, sid, payload, now, centre.id)])
    return sid
