"""Enrolment: trade a one-time code for a device token (kept in the keyring) and remember the hub."""

from __future__ import annotations

import logging
import platform
import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import select, text

from app.db.models import CataloguePublicationRow, SyncState
from app.db.types import new_id
from app.services.context import ServiceContext
from app.sync.client import HubClient
from app.sync.credentials import check_keyring, delete_token, save_token
from app.sync.protocol import EnrolResponse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Enrolment:
    """Where this database is enrolled and the versions its requests announce."""

    hub_url: str
    device_id: uuid.UUID
    schema: str
    catalogue: str


def current_enrolment(ctx: ServiceContext) -> Enrolment | None:
    """This database's enrolment with the hub, or None if it has none."""
    with ctx.uow(read_only=True) as uow:
        s = uow.session
        state = s.scalars(select(SyncState).where(SyncState.name == "hub")).first()
        catalogue = (
            s.scalar(
                select(CataloguePublicationRow.version).where(
                    CataloguePublicationRow.current.is_(True)
                )
            )
            or ""
        )
        schema = s.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
        if state is None or state.device_id is None or not state.hub_url:
            return None
        return Enrolment(state.hub_url, state.device_id, str(schema), str(catalogue))


def enrol(
    ctx: ServiceContext,
    hub_url: str,
    code: str,
    *,
    device_name: str = "",
    transport: httpx.BaseTransport | None = None,
    verify: bool | str = True,
    offer_audit_key: bool = True,
) -> EnrolResponse:
    """Enrol this centre database with the hub. Re-enrolling replaces the old device (and its token).
    The database's audit key goes to the hub right after (app/sync/audit_key.py; if that fails the
    sync agent offers it before its first push); a restore takes the centre's key instead."""
    check_keyring()  # a code is spent at the hub: fail before, not after, when the token can't be kept
    with ctx.uow(read_only=True) as uow:
        schema = uow.session.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
    client = HubClient(hub_url, schema=str(schema), transport=transport, verify=verify)
    try:
        resp = client.enrol(code.strip(), device_name or platform.node()[:100])
    finally:
        client.close()
    save_token(resp.device_id, resp.token)
    with ctx.uow() as uow:
        state = uow.session.scalars(select(SyncState).where(SyncState.name == "hub")).first()
        if state is None:
            state = SyncState(id=new_id(), name="hub", pull_cursor=0)
            uow.session.add(state)
        elif state.device_id and state.device_id != resp.device_id:
            delete_token(state.device_id)
        state.device_id, state.hub_url, state.last_error = resp.device_id, hub_url.rstrip("/"), ""
    if offer_audit_key:
        _offer_audit_key(ctx, hub_url, str(schema), resp, transport, verify)
    return resp


def _offer_audit_key(
    ctx: ServiceContext,
    hub_url: str,
    schema: str,
    resp: EnrolResponse,
    transport: httpx.BaseTransport | None,
    verify: bool | str,
) -> None:
    from app.sync.audit_key import register
    from app.sync.client import SyncError

    client = HubClient(hub_url, resp.token, schema=schema, transport=transport, verify=verify)
    try:
        register(ctx, client, resp.device_id)
    except SyncError as exc:  # enrolled all the same: the agent offers it again before pushing
        log.warning("audit key not registered at enrolment (%s); the next sync offers it", exc.kind)
    finally:
        client.close()
