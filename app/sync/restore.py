"""Restoring a centre whose database was lost (disk died, PC replaced) from the district hub.

The hub's change log keeps every row the centre ever sent, in order, and hands a NEW device of the
same centre all of it (`read_changes` leaves out only what the pulling device sent itself).
`restore()` enrols a fresh database as that new device, pulls the whole history and applies it in
ONE local transaction: all or nothing, and none of it is queued in the outbox again (the hub has
it already). Then the numbering counters are raised past the restored numbers.

What comes back, row for row as the lost database had it (RESTORED_TABLES): the windows, residents,
agents, tickets, cases, case events, case materials, ratings, follow-ups, printed-document records
(not the PDF bytes, which never leave the PC where they were printed: `content` is empty, the
SHA-256 is kept), sync conflicts (those the hub found, and those the centre resolved) and
consultations (咨询). The windows of the fresh database (the seeded six) give way to the history's
as soon as it brings one; a window the history refers to but never sent (a centre that synced
before windows were sent) becomes an inactive stand-in numbered 901, 902 …, queued for the hub.

What a centre never sends is matched or made here (REBUILT_TABLES): the centre row takes back its
old id (code and name from the hub); each catalogue matter a restored case points at takes back
its old id (found by matter code and catalogue version); accounts published by the district come
back with their ids; a seeded account (clerk1 …) takes back the old id of the account whose name
the restored case events carry, when that name is unambiguous; any other account the history
refers to becomes an inactive placeholder row. Numbering counters (tickets per group and day, case
numbers per day, refusal notices per year) are rebuilt from the restored rows. The centre's settings
come back when the district published them (kind "centre_settings", pulled like the catalogue);
settings an administrator changed at the centre are not sent to the hub yet and must be set again.

The call log behind the call board (call records) comes back row for row too.

Local only, not restored (LOCAL_TABLES): the outbox and sync state (this device's own) and the audit
log — none of them is sent to the hub. Work done after the
lost PC's last successful sync never reached the hub and is lost with it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter as Tally
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import (
    Column,
    String,
    Table,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db.models import (
    Agent,
    Base,
    CallRecord,
    Case,
    CaseEvent,
    CaseMaterial,
    Centre,
    Consultation,
    Counter,
    FollowUp,
    Matter,
    OutboxOp,
    PrintedDocument,
    Rating,
    Resident,
    SyncConflict,
    SyncState,
    Ticket,
)
from app.db.payload import row_payload
from app.db.types import new_id
from app.services.case_numbers import rebuild_number_counters
from app.services.context import ServiceContext
from app.services.setup import initialise
from app.services.uow import UnitOfWork
from app.sync.apply import (
    apply_calendar_day,
    apply_catalogue,
    apply_conflict,
    apply_department_event,
    apply_user,
    centre_conflict_row,
    missing_binary,
    payload_values,
    table_for,
)
from app.sync.client import HubClient, SyncError
from app.sync.credentials import load_token
from app.sync.enrol import current_enrolment, enrol
from app.sync.kinds import DEPARTMENT_OP, Restore, kind_named
from app.sync.protocol import MAX_PULL, Change

log = logging.getLogger(__name__)

RESTORED_TABLES = (
    "counter",
    "resident",
    "agent",
    "ticket",
    "case_file",
    "case_material",
    "case_event",
    "rating",
    "follow_up",
    "printed_document",
    "sync_conflict",
    "consultation",
    "call_record",
)
REBUILT_TABLES = (
    "centre",
    "app_user",
    "matter",
    "matter_material",
    "matter_form_field",
    "service_group",
    "catalogue_publication",
    "calendar_day",
    "sequence_counter",
    "centre_settings",
)
LOCAL_TABLES = ("outbox", "sync_state", "audit_record")
_SPECIAL = {Restore.CATALOGUE: "catalogue", Restore.CALENDAR: "calendar", Restore.ACCOUNT: "user"}

# Tables whose rows the history points at but may not hold, matched to the fresh database's rows or
# made: a centre never sends its centre row, accounts or catalogue, and a window row may come after
# the rows that name it (windows queued at the first start of a version that sends them) or never.
_REFERENCED = ("centre", "counter", "app_user", "matter")

# What counts as work already done in a database (restore refuses to run over it), with labels.
WORK: tuple[tuple[Any, str], ...] = (
    (Resident, "居民"),
    (Agent, "代办人"),
    (Ticket, "排队号"),
    (Case, "办件"),
    (CaseEvent, "办件记录"),
    (CaseMaterial, "办件材料"),
    (Rating, "评价"),
    (FollowUp, "回访"),
    (PrintedDocument, "打印记录"),
    (Consultation, "咨询"),
    (CallRecord, "叫号记录"),
    (SyncConflict, "同步冲突"),
    (OutboxOp, "待发送数据"),
)
# A new database's outbox may hold its own seeded windows (queued at its first start): not work.
_NOT_WORK = {OutboxOp: (OutboxOp.entity != "counter",)}
ROW_LABELS = {
    "counter": "窗口",
    "resident": "居民",
    "agent": "代办人",
    "ticket": "排队号",
    "case_file": "办件",
    "case_event": "办件记录",
    "case_material": "办件材料",
    "rating": "评价",
    "follow_up": "回访",
    "printed_document": "打印记录",
    "sync_conflict": "同步冲突",
    "consultation": "咨询",
    "call_record": "叫号记录",
}


class RestoreError(Exception):
    """Restore cannot go on; the message says why and what to do (Chinese, with English)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    cursor: int
    seconds: float


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
    if code:
        if not hub_url:
            raise RestoreError("请用 --hub 指明区级平台地址 / --hub is required with --code")
        resp = enrol(
            ctx, hub_url, code, device_name=device_name, transport=transport, verify=verify
        )
        _name_centre(ctx, resp.centre_code, resp.centre_name)
    client, device_id = _client(ctx, hub_url, transport, verify)
    try:
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
        queued = int(s.scalar(select(func.count()).select_from(OutboxOp)) or 0)
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
        cursor=cursor,
        seconds=time.perf_counter() - started,
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


def _unique_text_columns(table: Table) -> list[Column[Any]]:
    """String columns under a unique constraint: given a temporary value while a row changes id."""
    cols: dict[str, Column[Any]] = {
        c.key: c for c in table.columns if c.unique and isinstance(c.type, String)
    }
    for con in table.constraints:
        if isinstance(con, UniqueConstraint):
            cols.update({c.key: c for c in con.columns if isinstance(c.type, String)})
    return list(cols.values())


class _Restorer:
    """Applies the pulled history inside the caller's transaction (see the module docstring)."""

    def __init__(self, uow: UnitOfWork, centre_id: uuid.UUID) -> None:
        self.uow = uow
        self.s: Session = uow.session
        self.centre_id = centre_id
        self.centre_adopted = False
        self.alias: dict[str, dict[uuid.UUID, uuid.UUID]] = {t: {} for t in _REFERENCED}
        self.known: dict[str, set[uuid.UUID]] = {t: set() for t in _REFERENCED}
        self.adopted_matters: set[uuid.UUID] = set()
        self.history_users: set[uuid.UUID] = set()
        self.placeholder_users: set[uuid.UUID] = set()
        self.placeholder_counters: set[uuid.UUID] = set()
        # The fresh database's own windows (the seeded six): replaced by the history's, if it has any.
        self.seeded_windows: set[uuid.UUID] = set(self.s.scalars(select(Counter.id)))
        self.department: dict[uuid.UUID, list[Change]] = {}  # case id -> the hub's decisions on it
        self.skipped = self.remapped = self.cleared = self.decisions = self.adopted_users = (
            self.counters
        ) = 0
        dialect = self.s.get_bind().dialect.name
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    # --- one page of the change log, in position order -----------------------------------------

    def apply(self, changes: list[Change]) -> None:
        run: list[Change] = []
        for ch in changes:
            kind = self._kind(ch)
            if kind == "row":
                run.append(ch)
                continue
            self._rows(run)
            run = []
            if kind == "catalogue":
                apply_catalogue(self.s, ch.payload)
            elif kind == "calendar":
                apply_calendar_day(self.s, ch.payload)
            elif kind == "user":
                self._user(ch.payload)
            elif kind == "conflict":
                apply_conflict(self.s, ch.payload)
            elif kind == "decision":
                self._decision(ch)
            else:
                log.info("restore: %s %s is not kept at a centre", ch.entity, ch.entity_id)
                self.skipped += 1
            self.s.flush()
            self.s.expunge_all()  # what follows changes rows with Core statements: no stale objects
        self._rows(run)
        self.s.flush()
        self.s.expunge_all()

    @staticmethod
    def _kind(ch: Change) -> str:
        """What to do with a pulled row: the registry's restore rule (`app.sync.kinds`)."""
        kind = kind_named(ch.entity)
        rule = kind.restore if kind is not None else None
        if rule is Restore.CONFLICT and not centre_conflict_row(ch.payload):
            return "conflict"  # found at the hub; one the centre found or resolved is its row
        if rule is Restore.EVENT and ch.op == DEPARTMENT_OP:
            # made at the hub (a supervisor's hand-recorded decision is the centre's row, an upsert)
            return "decision"
        if rule in _SPECIAL:
            return _SPECIAL[rule]
        table = table_for(ch.entity) if rule is not None else None
        return "row" if table is not None and table.name in RESTORED_TABLES else "skip"

    def _rows(self, run: list[Change]) -> None:
        """Plain rows: the latest version of each, parents before children, upserted in bulk."""
        if not run:
            return
        latest: dict[tuple[str, uuid.UUID], dict[str, Any]] = {}
        for ch in run:
            table = table_for(ch.entity)
            assert table is not None
            latest[(table.name, ch.entity_id)] = (
                ch.payload
            )  # keeps the first position, the last payload
        by_table: dict[str, list[tuple[uuid.UUID, dict[str, Any]]]] = {}
        for (name, eid), payload in latest.items():
            by_table.setdefault(name, []).append((eid, payload))
        for table in Base.metadata.sorted_tables:
            items = by_table.get(table.name)
            if items:
                self._upsert(table, items)

    def _upsert(self, table: Table, items: list[tuple[uuid.UUID, dict[str, Any]]]) -> None:
        rows = [payload_values(table, {**payload, "id": str(eid)}) for eid, payload in items]
        self._resolve(table, rows)
        if table.name == "case_event" and self.department:
            self._make_room(rows)
        if table.name == "counter":
            self._place_windows(rows)
        blank = missing_binary(table)
        ins = self._insert(table)
        start = 0
        while start < len(
            rows
        ):  # consecutive rows with the same columns in one statement, in order
            keys = tuple(rows[start])
            end = start
            while end < len(rows) and tuple(rows[end]) == keys:
                end += 1
            update_cols = {k: ins.excluded[k] for k in keys if k != "id"}
            stmt = (
                ins.on_conflict_do_update(index_elements=[table.c.id], set_=update_cols)
                if update_cols
                else ins.on_conflict_do_nothing(index_elements=[table.c.id])
            )
            self.s.execute(stmt, [{**blank, **r} for r in rows[start:end]])
            start = end

    # --- references to rows a centre never sends ------------------------------------------------

    def _resolve(self, table: Table, rows: list[dict[str, Any]]) -> None:
        for col in table.columns:
            for fk in col.foreign_keys:
                target = fk.column.table.name
                if target in _REFERENCED:
                    self._reference(target, col, rows)
                elif target in RESTORED_TABLES:
                    self._check(table, target, col, rows)

    def _reference(self, target: str, col: Column[Any], rows: list[dict[str, Any]]) -> None:
        alias = self.alias[target]
        wanted = {
            v for r in rows if (v := r.get(col.key)) is not None and v not in alias
        } - self.known[target]
        if wanted:
            ref = Base.metadata.tables[target]
            present = set(self.s.scalars(select(ref.c.id).where(ref.c.id.in_(list(wanted)))))
            self.known[target] |= present
            for missing in sorted(wanted - present):
                used = self._supply(target, missing, col, rows)
                if used != missing:
                    alias[missing] = used
                self.known[target].add(used)
        if target == "app_user":
            self.history_users |= {v for r in rows if (v := r.get(col.key)) is not None}
        if alias:
            for r in rows:
                v = r.get(col.key)
                if v in alias:
                    r[col.key] = alias[v]
                    self.remapped += 1

    def _supply(
        self, target: str, old: uuid.UUID, col: Column[Any], rows: list[dict[str, Any]]
    ) -> uuid.UUID:
        """The id to use for a referenced row this database lacks: its own row re-keyed, or a stand-in."""
        now = datetime.now(UTC)
        if target == "centre":
            if self.centre_adopted:
                return (
                    self.centre_id
                )  # an older id of this same centre (a database replaced before)
            self._adopt(Centre.__table__, self.centre_id, old)  # type: ignore[arg-type]
            self.centre_id, self.centre_adopted = old, True
            return old
        if target == "matter":
            row = next(r for r in rows if r.get(col.key) == old)
            code, version = (
                str(row.get("matter_code") or ""),
                str(row.get("catalogue_version") or ""),
            )
            local = self.s.scalar(
                select(Matter.id).where(Matter.code == code, Matter.version == version)
            )
            if local is not None and local not in self.adopted_matters:
                self._adopt(Matter.__table__, local, old)  # type: ignore[arg-type]
                self.adopted_matters.add(old)
                return old
            if local is None:  # a version this database never got (imported locally at the lost PC)
                local = self.s.scalar(
                    select(Matter.id)
                    .where(Matter.code == code)
                    .order_by(Matter.current.desc(), Matter.version.desc())
                    .limit(1)
                )
            if local is None:
                raise RestoreError(
                    f"办件 {row.get('case_number')} 的事项 {code}（目录 {version}）在本机目录中不存在，"
                    f"请先导入该目录再恢复 / matter {code} of catalogue {version} is missing here"
                )
            return local
        if target == "counter":
            number = self._free_window_number(self.centre_id)
            self.s.execute(
                insert(Base.metadata.tables["counter"]).values(
                    id=old,
                    centre_id=self.centre_id,
                    number=number,
                    name=f"原窗口（恢复）{number - 900}",
                    all_groups=False,
                    service_groups=[],
                    active=False,
                    created_at=now,
                )
            )
            self.placeholder_counters.add(old)
            return old
        # app_user: an inactive stand-in that cannot sign in; its name is filled in at the end
        self.s.execute(
            insert(Base.metadata.tables["app_user"]).values(
                id=old,
                centre_id=self.centre_id,
                username=f"restored-{old.hex[:12]}",
                display_name="原账号（恢复）",
                role="clerk",
                password_hash="!",
                active=False,
                created_at=now,
            )
        )
        self.placeholder_users.add(old)
        return old

    # --- windows ---------------------------------------------------------------------------------

    def _place_windows(self, rows: list[dict[str, Any]]) -> None:
        """Before window rows of the history are written: the fresh database's own windows give way
        (all of them, at the history's first window row: the lost centre sent all of its windows),
        the rows being rewritten are parked on temporary numbers (a renumbering within the page must
        not clash half-way), and a stand-in whose number a real window takes moves to a free one."""
        counter = Base.metadata.tables["counter"]
        if self.seeded_windows:
            seeded = list(self.seeded_windows)
            self.s.execute(
                delete(OutboxOp).where(  # queued at the new PC's first start: never sent now
                    OutboxOp.entity == "counter",
                    OutboxOp.entity_id.in_(seeded),
                    OutboxOp.sent_at.is_(None),
                )
            )
            self.s.execute(delete(counter).where(counter.c.id.in_(seeded)))
            self.seeded_windows = set()
        incoming = {r["id"] for r in rows}
        self.placeholder_counters -= incoming  # a stand-in the history now brings the real row of
        self.s.execute(
            update(counter)
            .where(counter.c.id.in_(list(incoming)))
            .values(number=-counter.c.number - 1)
        )
        wanted: set[tuple[Any, int]] = {(r.get("centre_id"), int(r["number"])) for r in rows}
        for wid, centre_id, number in self.s.execute(
            select(counter.c.id, counter.c.centre_id, counter.c.number).where(
                counter.c.id.not_in(list(incoming))
            )
        ).all():
            if (centre_id, number) in wanted:
                if wid not in self.placeholder_counters:
                    log.warning(
                        "restore: window %s gives its number %s to another window of the history",
                        wid,
                        number,
                    )
                avoid = {n for c, n in wanted if c == centre_id}
                self.s.execute(
                    update(counter)
                    .where(counter.c.id == wid)
                    .values(number=self._free_window_number(centre_id, avoid))
                )

    def _free_window_number(self, centre_id: uuid.UUID, avoid: Collection[int] = ()) -> int:
        """The first number from 901 that no window of the centre has (a stand-in's number)."""
        counter = Base.metadata.tables["counter"]
        taken = {
            *self.s.scalars(select(counter.c.number).where(counter.c.centre_id == centre_id)),
            *avoid,
        }
        return next(n for n in range(901, 1_000_000) if n not in taken)

    def _queue_stand_in_windows(self) -> None:
        """Stand-in windows go to the hub with the next sync (the hub never had these rows): a later
        restore then finds them as they are here. The history brought the others."""
        for wid in sorted(self.placeholder_counters):
            row = self.s.get_one(Counter, wid)
            self.uow.record_change("counter", wid, row_payload(row))

    def _check(
        self, table: Table, target: str, col: Column[Any], rows: list[dict[str, Any]]
    ) -> None:
        """A reference to a restored row the hub never had: cleared if optional, else the restore stops."""
        wanted = {v for r in rows if (v := r.get(col.key)) is not None}
        if target == table.name:
            wanted -= {r["id"] for r in rows}  # rows of this statement, inserted in log order
        if not wanted:
            return
        ref = Base.metadata.tables[target]
        missing = wanted - set(self.s.scalars(select(ref.c.id).where(ref.c.id.in_(list(wanted)))))
        if not missing:
            return
        if not col.nullable:
            raise RestoreError(
                f"区级平台的数据不完整：{table.name}.{col.key} 指向的 {target} {sorted(missing)[0]} "
                f"不存在，无法恢复 / the hub's history lacks a {target} row a {table.name} needs"
            )
        for r in rows:
            if r.get(col.key) in missing:
                log.warning(
                    "restore: %s %s: %s %s is not at the hub, cleared",
                    table.name,
                    r["id"],
                    col.key,
                    r[col.key],
                )
                r[col.key] = None
                self.cleared += 1

    def _adopt(
        self, table: Table, old: uuid.UUID, new: uuid.UUID, *, into_existing: bool = False
    ) -> None:
        """Give row `old` the id `new` (a fresh database's own row takes the id the history uses):
        a copy under the new id (or onto the existing row `new`), every reference moved, the old row gone."""
        s = self.s
        s.flush()
        values = dict(s.execute(select(table).where(table.c.id == old)).mappings().one())
        temporary = {c.key: f"~{old.hex[:12]}" for c in _unique_text_columns(table)}
        if temporary:
            s.execute(update(table).where(table.c.id == old).values(temporary))
        if into_existing:
            s.execute(
                update(table)
                .where(table.c.id == new)
                .values({k: v for k, v in values.items() if k != "id"})
            )
        else:
            s.execute(insert(table).values({**values, "id": new}))
        for other in Base.metadata.sorted_tables:
            for c in other.columns:
                if any(fk.column is table.c.id for fk in c.foreign_keys):
                    s.execute(update(other).where(c == old).values({c.key: new}))
        s.execute(delete(table).where(table.c.id == old))
        s.expunge_all()

    def _user(self, payload: dict[str, Any]) -> None:
        """A centre account published by the district; one the history already named takes it over."""
        uid = uuid.UUID(str(payload["id"]))
        users = Base.metadata.tables["app_user"]
        if (
            uid in self.placeholder_users
            and self.s.scalar(select(users.c.id).where(users.c.username == payload["username"]))
            is None
        ):
            self.s.execute(
                update(users)
                .where(users.c.id == uid)
                .values(username=payload["username"], centre_id=self.centre_id)
            )
            self.placeholder_users.discard(uid)
        apply_user(self.s, payload)

    # --- the hub's department decisions ---------------------------------------------------------

    def _decision(self, ch: Change) -> None:
        """Placed as the lost PC stored it (next seq, no state change, nothing queued): the case
        rows the PC sent after applying it follow in the log. One the PC never applied is applied
        for real at the end (finish)."""
        p = ch.payload
        case_id = uuid.UUID(str(p["case_id"]))
        if self.s.scalar(select(Case.id).where(Case.id == case_id)) is None:
            log.warning("restore: department event %s for unknown case %s", ch.entity_id, case_id)
            self.skipped += 1
            return
        if self.s.scalar(select(CaseEvent.id).where(CaseEvent.id == ch.entity_id)) is not None:
            return
        top = (
            self.s.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case_id)) or 0
        )
        values = payload_values(
            CaseEvent.__table__,  # type: ignore[arg-type]
            {
                **p,
                "id": str(ch.entity_id),
                "seq": top + 1,
                "actor_id": None,
                "centre_id": None,
                "counter_id": None,
            },
        )
        self.s.execute(insert(CaseEvent).values(values))
        self.department.setdefault(case_id, []).append(ch)

    def _make_room(self, rows: list[dict[str, Any]]) -> None:
        """A case event the lost PC made before it received a decision, sent after the decision had
        reached the hub, has the seq the decision was placed at: the placed decisions move up past
        it, in their order (as the PC numbered them when it applied them)."""
        incoming: dict[uuid.UUID, list[tuple[int, uuid.UUID]]] = {}
        for r in rows:
            if r.get("case_id") in self.department:
                incoming.setdefault(r["case_id"], []).append((int(r["seq"]), r["id"]))
        for case_id, events in incoming.items():
            placed_ids = {ch.entity_id for ch in self.department[case_id]}
            existing = self.s.execute(
                select(CaseEvent.id, CaseEvent.seq).where(CaseEvent.case_id == case_id)
            ).all()
            placed = {seq: eid for eid, seq in existing if eid in placed_ids}
            clashes = [seq for seq, eid in events if seq in placed and placed[seq] != eid]
            if not clashes:
                continue
            moving = sorted((seq, eid) for seq, eid in placed.items() if seq >= min(clashes))
            moving_ids = {eid for _, eid in moving}
            incoming_ids = {eid for _, eid in events}
            top = max(
                [seq for eid, seq in existing if eid not in moving_ids and eid not in incoming_ids]
                + [seq for seq, _ in events]
            )
            for seq, eid in moving:  # two steps: no two events of the case share a seq in between
                self.s.execute(update(CaseEvent).where(CaseEvent.id == eid).values(seq=-seq))
            for k, (_seq, eid) in enumerate(moving, 1):
                self.s.execute(update(CaseEvent).where(CaseEvent.id == eid).values(seq=top + k))

    # --- after the last page ----------------------------------------------------------------------

    def finish(self) -> None:
        self.s.flush()
        self._late_decisions()
        self._name_stand_ins()
        self._queue_stand_in_windows()
        self.counters = rebuild_number_counters(self.s)
        self.s.flush()

    def _late_decisions(self) -> None:
        """Decisions at the end of a case's history that the case row does not reflect: the lost PC
        never received them. They are applied now as a normal pull would (待领取 and its outbox ops)."""
        for case_id, chs in self.department.items():
            by_id = {ch.entity_id: ch for ch in chs}
            events = self.s.execute(
                select(CaseEvent.id, CaseEvent.status_after)
                .where(CaseEvent.case_id == case_id)
                .order_by(CaseEvent.seq)
            ).all()
            trailing: list[tuple[uuid.UUID, str]] = []
            for eid, status_after in reversed(events):
                if eid not in by_id:
                    break
                trailing.insert(0, (eid, status_after))
            if not trailing:
                continue
            status = self.s.scalar(select(Case.status).where(Case.id == case_id))
            done = max((i for i, (_, st) in enumerate(trailing) if st == status), default=-1)
            late = trailing[done + 1 :]
            if not late:
                continue
            self.s.execute(delete(CaseEvent).where(CaseEvent.id.in_([eid for eid, _ in late])))
            self.s.expunge_all()
            for eid, _ in late:
                apply_department_event(self.uow, by_id[eid])
                self.s.flush()
                after = self.s.scalar(select(Case.status).where(Case.id == case_id))
                if (
                    after != status
                ):  # not one found illegal (that one is listed as a conflict again)
                    self.decisions += 1
                status = after

    def _name_stand_ins(self) -> None:
        """A stand-in account whose case events all carry one name takes that name; when exactly one
        account of this database that the history never mentions (a seeded one) has it, that account
        takes back the old id instead, so its user keeps their history."""
        if not self.placeholder_users:
            return
        users = Base.metadata.tables["app_user"]
        names: dict[uuid.UUID, set[str]] = {}
        for uid, name in self.s.execute(
            select(CaseEvent.actor_id, CaseEvent.actor_name)
            .distinct()
            .where(CaseEvent.actor_id.in_(list(self.placeholder_users)))
        ):
            if name and uid is not None:
                names.setdefault(uid, set()).add(name)
        free: dict[str, list[uuid.UUID]] = {}
        taken = self.history_users | self.placeholder_users
        for uid, name in self.s.execute(select(users.c.id, users.c.display_name)):
            if uid not in taken:
                free.setdefault(name, []).append(uid)
        wanted = Tally(next(iter(n)) for n in names.values() if len(n) == 1)
        for uid in sorted(self.placeholder_users):
            found = names.get(uid, set())
            if len(found) != 1:
                continue
            name = next(iter(found))
            self.s.execute(update(users).where(users.c.id == uid).values(display_name=name[:50]))
            if len(free.get(name, [])) == 1 and wanted[name] == 1:
                self._adopt(users, free[name][0], uid, into_existing=True)
                self.adopted_users += 1
        self.placeholder_users -= {
            uid
            for uid in self.placeholder_users
            if self.s.scalar(select(users.c.active).where(users.c.id == uid))
        }
