"""Restoring a centre whose database was lost (disk died, PC replaced) from the district hub.

The hub's change log keeps every row the centre ever sent, in order, and hands a NEW device of the
same centre all of it (`read_changes` leaves out only what the pulling device sent itself).
`restore()` enrols a fresh database as that new device, pulls the whole history and applies it in
ONE local transaction: all or nothing, and none of it is queued in the outbox again (the hub has
it already). Then the numbering counters are raised past the restored numbers.

What comes back, row for row as the lost database had it (RESTORED_TABLES): the windows, residents,
agents, tickets, cases, case events, case materials, ratings, follow-ups, printed-document records
with their exact PDF bytes (sent once per document as `print_blob`, put back into every record of
that print), sync conflicts (those the hub found, and those the centre resolved), consultations
(咨询) and the call log. The windows of the fresh database (the seeded six) give way to the
history's as soon as it brings one; a window the history refers to but never sent becomes an
inactive stand-in numbered 901, 902 …, queued for the hub.

What a centre never sends as rows is matched or made here (REBUILT_TABLES): the centre row takes
back its old id (code and name from the hub); each catalogue matter a restored case points at
takes back its old id (found by matter code and catalogue version); accounts come back under their
ids as themselves — the district's with their passwords, the centre's own from their references
(`account_ref`: a seeded account of the new database takes the old id and keeps its password,
any other comes back without one, to be reset); an id the history names that no reference explains
becomes an inactive stand-in. The audit trail comes back whole, as it was sealed, with the new
database's own records after it (app/sync/restore_audit.py). Numbering counters (tickets per group
and day, case numbers per day, refusal notices per year) are rebuilt from the restored rows. The
centre's settings come back when the district published them (kind "centre_settings").

Local only (LOCAL_TABLES): the outbox and sync state (this device's own) and the level-3 key
checks (protection: the restored database has keys of its own). Work done after the lost PC's last
successful sync never reached the hub and is lost with it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy import (
    func,
    select,
)

from app.db.models import (
    Base,
    Centre,
    OutboxOp,
    SyncState,
)
from app.db.types import new_id
from app.services.context import ServiceContext
from app.services.setup import initialise
from app.sync.audit_key import fetch_for_restore
from app.sync.client import HubClient, SyncError
from app.sync.credentials import load_token
from app.sync.enrol import current_enrolment, enrol
from app.sync.kinds import AUDIT
from app.sync.protocol import MAX_PULL
from app.sync.restore_apply import _Restorer
from app.sync.restore_audit import OWNER_NEEDED, may_replace_audit
from app.sync.restore_tables import (  # noqa: F401 (the public lists, read by tests and the CLI)
    _NOT_WORK,
    LOCAL_TABLES,
    REBUILT_TABLES,
    RESTORED_TABLES,
    ROW_LABELS,
    WORK,
    RestoreError,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RestoreProgress:
    """How far a restore has come (changes received, hub cursor)."""

    changes: int  # change-log rows received so far
    cursor: int  # the hub position reached


@dataclass(frozen=True)
class RestoreReport:
    """What a restore rebuilt, counted per table."""

    centre_code: str
    centre_name: str
    device_id: uuid.UUID
    changes: int  # change-log rows received
    rows: dict[str, int]  # rows now in each restored table
    skipped: int  # rows of entities a centre does not keep here
    decisions_applied: int  # department decisions the lost PC never received, applied now
    queued: int  # new outbox ops those decisions made (sent at the next sync)
    adopted_accounts: int  # seeded accounts that took back their old ids
    placeholder_accounts: int  # inactive stand-ins for accounts the history names
    placeholder_windows: int  # inactive stand-ins for windows the history names
    remapped: int  # references moved to this database's own rows
    cleared: int  # optional references to rows the hub never had, cleared
    counters: int  # numbering counters raised past the restored numbers
    audit_records: int  # audit records brought back as they were sealed
    prints_with_bytes: int  # print records whose exact bytes came back
    cursor: int
    seconds: float
    audit_key_from_hub: bool = False  # the lost PC's audit key came back: the trail verifies whole


def existing_work(ctx: ServiceContext) -> dict[str, int]:
    """Rows of work already in this database, by label (empty: a restore may run here)."""
    found: dict[str, int] = {}
    with ctx.uow(read_only=True) as uow:
        s = uow.session
        for model, label in WORK:
            where = _NOT_WORK.get(model, ())
            if s.scalars(select(model.id).where(*where).limit(1)).first() is not None:
                found[label] = int(
                    s.scalar(select(func.count()).select_from(model).where(*where)) or 0
                )
        cursor = s.scalar(select(SyncState.pull_cursor).where(SyncState.name == "hub"))
        if cursor:
            found["已接收的同步数据"] = int(cursor)
    return found


def refusal(work: dict[str, int]) -> str:
    listed = "、".join(f"{label} {n}" for label, n in work.items())
    return (
        f"本数据库已有业务数据（{listed}），恢复只能在新建的空数据库上进行，已停止，未作任何改动。"
        "请换用新的数据库（--db）再运行 onewindow restore。\n"
        "This database already holds work; a restore only runs into a new, empty database. "
        "Nothing was changed."
    )


def restore(
    ctx: ServiceContext,
    hub_url: str | None = None,
    code: str | None = None,
    *,
    device_name: str = "",
    transport: httpx.BaseTransport | None = None,
    verify: bool | str = True,
    page: int = MAX_PULL,
    on_progress: Callable[[RestoreProgress], None] | None = None,
) -> RestoreReport:
    """Rebuild this (new, empty) centre database from the hub. With `code` the database is enrolled
    first, as a new device of the centre; without, its existing enrolment is used (a restore that
    stopped half-way is simply run again). Raises RestoreError, SyncError or CredentialError."""
    started = time.perf_counter()
    initialise(ctx)  # schema, shipped catalogue and calendar, the centre row and seeded accounts
    work = existing_work(ctx)
    if work:  # checked before the one-time code is spent
        raise RestoreError(refusal(work))
    with ctx.uow(read_only=True) as uow:
        if not may_replace_audit(uow.session):  # also before the code is spent
            raise RestoreError(OWNER_NEEDED)
    if code:
        if not hub_url:
            raise RestoreError("请用 --hub 指明区级平台地址 / --hub is required with --code")
        resp = enrol(
            ctx,
            hub_url,
            code,
            device_name=device_name,
            transport=transport,
            verify=verify,
            offer_audit_key=False,  # the centre's key comes back from the hub instead
        )
        _name_centre(ctx, resp.centre_code, resp.centre_name)
    client, device_id = _client(ctx, hub_url, transport, verify)
    try:
        key_from = fetch_for_restore(ctx, client)  # the lost PC's key, if the hub has it
        with ctx.uow() as uow:
            s = uow.session
            centre = s.scalars(select(Centre).order_by(Centre.created_at)).first()
            if centre is None:
                raise RestoreError("数据库中没有服务中心，请先注册 / no centre in this database")
            centre_code, centre_name = centre.code, centre.name
            restorer = _Restorer(uow, centre.id)
            cursor = changes = 0
            while True:
                resp_pull = client.pull(cursor, page)
                if resp_pull.cursor < cursor:
                    raise SyncError("server", "区级平台返回的同步位置倒退，已停止恢复")
                restorer.apply(resp_pull.changes)
                changes += len(resp_pull.changes)
                cursor = resp_pull.cursor
                if on_progress is not None:
                    on_progress(RestoreProgress(changes, cursor))
                if not resp_pull.more:
                    break
            restorer.finish()
            now = datetime.now(UTC)
            state = s.scalars(select(SyncState).where(SyncState.name == "hub")).one()
            if state.pull_cursor != 0:
                raise RestoreError(
                    "恢复期间同步位置被修改（另一程序在同步？），已撤销 / the sync state changed meanwhile"
                )
            state.pull_cursor, state.last_pull_at, state.last_success_at, state.last_error = (
                cursor,
                now,
                now,
                "",
            )
            uow.audit(
                "centre_restored",
                user_id=None,
                centre_id=restorer.centre_id,
                changes=changes,
                cursor=cursor,
                device_id=str(device_id),
                **restorer.audit.detail(key_from),
            )
    finally:
        client.close()
    ctx.refresh_calendar()
    with ctx.uow(read_only=True) as uow:
        s = uow.session
        rows = {
            name: int(s.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0)
            for name in RESTORED_TABLES
        }
        queued = int(  # beside this database's own audit records, queued as any are
            s.scalar(
                select(func.count()).select_from(OutboxOp).where(OutboxOp.entity != AUDIT.name)
            )
            or 0
        )
    return RestoreReport(
        centre_code=centre_code,
        centre_name=centre_name,
        device_id=device_id,
        changes=changes,
        rows=rows,
        skipped=restorer.skipped,
        decisions_applied=restorer.decisions,
        queued=queued,
        adopted_accounts=restorer.adopted_users,
        placeholder_accounts=len(restorer.placeholder_users),
        placeholder_windows=len(restorer.placeholder_counters),
        remapped=restorer.remapped,
        cleared=restorer.cleared,
        counters=restorer.counters,
        audit_records=restorer.audit_records,
        prints_with_bytes=restorer.prints_filled,
        cursor=cursor,
        seconds=time.perf_counter() - started,
        audit_key_from_hub=key_from is not None,
    )


def _name_centre(ctx: ServiceContext, code: str, name: str) -> None:
    """The fresh database's one centre row takes the code and name the hub enrolled it under."""
    with ctx.uow() as uow:
        s = uow.session
        centres = list(s.scalars(select(Centre)))
        if not centres:
            s.add(Centre(id=new_id(), code=code, name=name or code))
        elif len(centres) == 1:
            centres[0].code, centres[0].name = code, name or centres[0].name
        elif not any(c.code == code for c in centres):
            raise RestoreError(
                f"数据库中有多个服务中心，且没有编码为 {code} 的中心 / "
                f"several centres here and none with code {code}"
            )


def _client(
    ctx: ServiceContext,
    hub_url: str | None,
    transport: httpx.BaseTransport | None,
    verify: bool | str,
) -> tuple[HubClient, uuid.UUID]:
    enrolment = current_enrolment(ctx)
    if enrolment is None:
        raise RestoreError(
            "本数据库尚未在区级平台注册：请加上 --hub 地址 --code 注册码 / "
            "not enrolled yet: give --hub URL --code CODE"
        )
    if hub_url and hub_url.rstrip("/") != enrolment.hub_url:
        raise RestoreError(
            f"本数据库已注册到 {enrolment.hub_url}，与 --hub 不符 / enrolled with another hub"
        )
    token = load_token(enrolment.device_id)
    if not token:
        raise RestoreError(
            "系统密钥库中没有设备令牌，请用 --code 重新注册 / no device token in the keyring"
        )
    return HubClient(
        enrolment.hub_url,
        token,
        schema=enrolment.schema,
        catalogue=enrolment.catalogue,
        transport=transport,
        verify=verify,
    ), enrolment.device_id
