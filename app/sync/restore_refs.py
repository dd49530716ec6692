"""Restore: rows the history points at but a centre never sends (centre, accounts, matters, windows)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    String,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from app.db.models import (
    Base,
    Centre,
    Counter,
    Matter,
    OutboxOp,
)
from app.db.payload import row_payload
from app.services.uow import UnitOfWork
from app.sync.apply_accounts import apply_user
from app.sync.restore_tables import _REFERENCED, RESTORED_TABLES, RestoreError

log = logging.getLogger(__name__)


def _unique_text_columns(table: Table) -> list[Column[Any]]:
    """String columns under a unique constraint: given a temporary value while a row changes id."""

    def text(c: Column[Any]) -> bool:  # protected fields (level 3) are text by their impl
        return isinstance(getattr(c.type, "impl", c.type), String)

    cols: dict[str, Column[Any]] = {c.key: c for c in table.columns if c.unique and text(c)}
    for con in table.constraints:
        if isinstance(con, UniqueConstraint):
            cols.update({c.key: c for c in con.columns if text(c)})
    return list(cols.values())


class _References:
    """The part of the restorer that matches or makes referenced rows (mixed into _Restorer)."""

    uow: UnitOfWork
    s: Session
    centre_id: uuid.UUID
    centre_adopted: bool
    alias: dict[str, dict[uuid.UUID, uuid.UUID]]
    known: dict[str, set[uuid.UUID]]
    adopted_matters: set[uuid.UUID]
    history_users: set[uuid.UUID]
    placeholder_users: set[uuid.UUID]
    ref_users: set[uuid.UUID]  # accounts the history says who they are (references, the district's)
    placeholder_counters: set[uuid.UUID]
    seeded_windows: set[uuid.UUID]
    skipped: int
    remapped: int
    cleared: int
    decisions: int
    adopted_users: int
    counters: int
    strict: bool

    # --- references to rows a centre never sends ------------------------------------------------

    def _resolve(self, table: Table, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
        """References matched or made; returns the ids of rows to hold back (a parent not here yet)."""
        held: set[uuid.UUID] = set()
        for col in table.columns:
            for fk in col.foreign_keys:
                target = fk.column.table.name
                if target in _REFERENCED:
                    self._reference(target, col, rows)
                elif target in RESTORED_TABLES:
                    held |= self._check(table, target, col, rows)
        return held

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
    ) -> set[uuid.UUID]:
        """A reference to a restored row not here: before the end, the rows to hold back (their
        parent may come later in the history); at the end (strict), a reference the hub never had
        is cleared if optional, else the restore stops."""
        wanted = {v for r in rows if (v := r.get(col.key)) is not None}
        if target == table.name:
            wanted -= {r["id"] for r in rows}  # rows of this statement, inserted in log order
        if not wanted:
            return set()
        ref = Base.metadata.tables[target]
        missing = wanted - set(self.s.scalars(select(ref.c.id).where(ref.c.id.in_(list(wanted)))))
        if not missing:
            return set()
        if not self.strict:
            return {r["id"] for r in rows if r.get(col.key) in missing}
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
        return set()

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
        self.ref_users.add(uid)

    def _account_ref(self, payload: dict[str, Any]) -> None:
        """Who an account id of the history is (the centre's account reference): the account comes
        back under its id with its user name, name, role and active flag. The new database's own
        account of that user name (a seeded one) takes the id, keeping its password; any other is
        made without one (passwords never leave the PC): it signs in once a security
        administrator resets it. A stand-in made earlier for the id becomes that account."""
        uid = uuid.UUID(str(payload["id"]))
        username = str(payload.get("username") or "")[:50]
        users = Base.metadata.tables["app_user"]
        here = self.s.scalar(select(users.c.id).where(users.c.id == uid))
        local = self.s.scalar(
            select(users.c.id).where(users.c.username == username, users.c.id != uid)
        )
        taken = self.history_users | self.placeholder_users | self.ref_users
        if (
            local is not None
            and local not in taken
            and (here is None or uid in self.placeholder_users)
        ):
            self._adopt(users, local, uid, into_existing=here is not None)
            self.adopted_users += 1
        elif here is None:
            self.s.execute(
                insert(users).values(
                    id=uid,
                    centre_id=self.centre_id,
                    username=username if username and local is None else f"restored-{uid.hex[:12]}",
                    display_name="",
                    role="clerk",
                    password_hash="!",
                    active=False,
                    must_change_password=True,
                    created_at=datetime.now(UTC),
                )
            )
        elif uid in self.placeholder_users and username and local is None:
            self.s.execute(update(users).where(users.c.id == uid).values(username=username))
        self.s.execute(
            update(users)
            .where(users.c.id == uid)
            .values(
                display_name=str(payload.get("display_name") or username)[:50],
                role=str(payload.get("role") or "clerk")[:20],
                active=bool(payload.get("active", True)),
            )
        )
        self.placeholder_users.discard(uid)
        self.ref_users.add(uid)
