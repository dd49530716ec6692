"""The centre's audit key at the hub: registered once (at enrolment, else before the first push), fetched back by a restore.

With the key the hub checks every audit record's MAC on arrival, so a record rewritten at the
centre with its hash and every later link recomputed is found there too, not only by `audit
verify`. The key goes over the device's authenticated channel (TLS, device token), once per
device and key: a local mark (`protection` row `audit_key_at_hub`) says it is done. The hub keeps
the first key it gets for a centre; another one is refused and listed as a conflict (only a
district administrator's reset lets a centre change it).
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select

from app.db.models import Protection
from app.db.types import new_id
from app.domain.field_crypto import key_check
from app.services.audit import first_sealed_seq
from app.services.audit_keys import AuditKeyError, adopt_key, audit_key
from app.services.context import ServiceContext
from app.sync.client import HubClient

log = logging.getLogger(__name__)
MARK = "audit_key_at_hub"
DONE = ("registered", "unchanged", "refused")


def _wanted(ctx: ServiceContext, device_id: uuid.UUID) -> str:
    return f"{device_id}:{key_check(audit_key(ctx.engine))[:16]}"


def registered(ctx: ServiceContext, device_id: uuid.UUID) -> str | None:
    """What the hub answered when this device last offered this key (None: not offered yet)."""
    want = _wanted(ctx, device_id)
    with ctx.uow(read_only=True) as uow:
        mark = uow.session.scalar(select(Protection.value).where(Protection.name == MARK))
    if mark and mark.startswith(want + ":"):
        return mark.rsplit(":", 1)[1]
    return None


def register(ctx: ServiceContext, client: HubClient, device_id: uuid.UUID) -> str:
    """Offer this database's audit key to the hub unless done for this device and key. Returns the
    hub's answer (registered / unchanged / refused / unsupported / deferred) or "done" (nothing
    sent)."""
    try:
        if registered(ctx, device_id) is not None:
            return "done"
        key = audit_key(ctx.engine)
    except AuditKeyError as exc:  # said where the audit trail is written; sync goes on
        log.warning("audit key unavailable, not offered to the hub: %s", type(exc).__name__)
        return "unavailable"
    status = client.register_audit_key(key.hex(), first_sealed_seq(ctx))
    if status == "refused":
        log.warning("the hub holds another audit key for this centre: listed as a conflict")
    if status == "deferred":  # not marked: offered again at the next round
        log.warning("the hub cannot take the audit key now (503); offered again next round")
    if status in DONE:
        with ctx.uow() as uow:
            s = uow.session
            row = s.scalars(select(Protection).where(Protection.name == MARK)).first()
            if row is None:
                row = Protection(id=new_id(), name=MARK, value="")
                s.add(row)
            row.value = f"{_wanted(ctx, device_id)}:{status}"
    return status


def fetch_for_restore(ctx: ServiceContext, client: HubClient) -> int | None:
    """A restore: take the centre's key back from the hub, so the restored trail verifies with it.
    Returns the first record number the key checks, or None (the hub has no key for the centre:
    the restored range is checked by hashes and links only)."""
    served = client.audit_key()
    if not served.key:
        return None
    adopt_key(ctx.engine, bytes.fromhex(served.key))
    return served.from_seq
