"""Applying pulled accounts at the centre: the district's published accounts and the centre's own account references."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Centre, User
from app.services.uow import FROM_DISTRICT

log = logging.getLogger(__name__)


def apply_user(s: Session, payload: dict[str, Any]) -> None:
    """A centre account published by the district; matched by user name, bound to this centre by code."""
    centre = s.scalars(select(Centre).where(Centre.code == payload.get("centre_code"))).first()
    user = s.scalars(select(User).where(User.username == payload["username"])).first()
    if user is None:
        user = User(id=uuid.UUID(payload["id"]), username=payload["username"])
        s.add(user)
    s.info.setdefault(FROM_DISTRICT, set()).add(id(user))  # the hub has it: not sent back
    user.centre_id = centre.id if centre else None
    user.display_name = payload["display_name"]
    user.role = payload["role"]
    user.password_hash = payload["password_hash"]
    user.active = bool(payload.get("active", True))


def apply_account_ref(s: Session, payload: dict[str, Any]) -> None:
    """Who an account id of this centre is (another device of the centre made or changed it): the
    account under that id with its user name, name, role and active flag. One made here has no
    password (it never travels): it signs in once a security administrator resets it."""
    uid = uuid.UUID(str(payload["id"]))
    user = s.get(User, uid)
    username = str(payload.get("username") or "")[:50]
    if user is None:
        if not username or s.scalars(select(User.id).where(User.username == username)).first():
            log.info("account reference %s: user name taken here, not applied", uid)
            return
        centre = payload.get("centre_id")
        user = User(
            id=uid,
            username=username,
            centre_id=uuid.UUID(str(centre))
            if centre and s.get(Centre, uuid.UUID(str(centre)))
            else None,
            password_hash="!",
            must_change_password=True,
        )
        s.add(user)
    s.info.setdefault(FROM_DISTRICT, set()).add(id(user))  # what the hub sent: not sent back
    user.display_name = str(payload.get("display_name") or username)[:50]
    user.role = str(payload.get("role") or "clerk")[:20]
    user.active = bool(payload.get("active", True))
