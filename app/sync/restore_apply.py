"""Restore: applying the pulled history page by page in one transaction, then what follows the last page."""

from __future__ import annotations

import logging
import uuid
from collections import Counter as Tally
from typing import Any

from sqlalchemy import (
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db.models import (
    Base,
    Case,
    CaseEvent,
    Counter,
    OutboxOp,
    User,
)
from app.domain.print_blobs import ChunkSets
from app.services.case_numbers import rebuild_number_counters
from app.services.uow import UnitOfWork, account_ref
from app.sync.apply import (
    apply_calendar_day,
    apply_catalogue,
    apply_conflict,
    apply_department_event,
    apply_settings,
    centre_conflict_row,
    copy_prints,
    fill_prints,
    missing_binary,
    payload_values,
    print_bytes,
    table_for,
)
from app.sync.kinds import DEPARTMENT_OP, Restore, kind_named
from app.sync.protocol import Change
from app.sync.restore_audit import AuditRestore
from app.sync.restore_refs import _References
from app.sync.restore_tables import _REFERENCED, _SPECIAL, RESTORED_TABLES

log = logging.getLogger(__name__)


class _Restorer(_References):
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
        self.ref_users: set[uuid.UUID] = set()
        # The new database's own accounts were queued at its first start: they give way to the
        # history's (their ids change as they take back the lost accounts' ids); sent anew at the end.
        self.s.execute(
            delete(OutboxOp).where(OutboxOp.entity == "account_ref", OutboxOp.sent_at.is_(None))
        )
        # The fresh database's own windows (the seeded six): replaced by the history's, if it has any.
        self.seeded_windows: set[uuid.UUID] = set(self.s.scalars(select(Counter.id)))
        self.department: dict[uuid.UUID, list[Change]] = {}  # case id -> the hub's decisions on it
        # a print's bytes go into its records as they arrive; only those whose record is not here
        # yet are held (by SHA-256) to the end, so a restore never holds every print in memory
        self.blobs: dict[str, bytes] = {}
        self.filled: set[str] = set()
        self.chunks = ChunkSets()  # a large print's slices until its last one is in
        # Rows whose parent row comes later in the history (a transaction's rows split by a page or
        # queued child first): held back to the next run, strict only at the end (finish).
        self.deferred: dict[tuple[str, uuid.UUID], dict[str, Any]] = {}
        self.strict = False
        self.prints_filled = 0
        self.audit = AuditRestore()
        self.audit_records = 0
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
            if kind == "audit":  # written at the end, in their numbers' order
                self.audit.add(ch.payload)
                continue
            if kind == "blob":  # into the records of that print here by now (rows before it first)
                if (blob := print_bytes(ch.entity, ch.payload, self.chunks)) is not None:
                    self._rows(run)
                    run = []
                    self._blob(*blob)
                continue
            self._rows(run)
            run = []
            if kind == "catalogue":
                apply_catalogue(self.s, ch.payload)
            elif kind == "calendar":
                apply_calendar_day(self.s, ch.payload)
            elif kind == "user":
                self._user(ch.payload)
            elif kind == "account_ref":
                self._account_ref(ch.payload)
            elif kind == "settings":
                apply_settings(self.s, ch.payload)
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
        if not run and not self.deferred:
            return
        latest: dict[tuple[str, uuid.UUID], dict[str, Any]] = dict(self.deferred)
        self.deferred = {}
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
        held = self._resolve(table, rows)
        if held:  # their parents are not here yet: again with the next run
            self.deferred.update({(table.name, eid): p for eid, p in items if eid in held})
            rows = [r for r in rows if r["id"] not in held]
            if not rows:
                return
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

    def _blob(self, sha256: str, pdf: bytes) -> None:
        if sha256 in self.filled:
            return
        self.s.flush()
        filled = fill_prints(self.s, sha256, pdf)
        self.prints_filled += filled
        if filled:
            self.filled.add(sha256)
        else:
            self.blobs[sha256] = pdf

    def finish(self) -> None:
        self.strict = True  # what still lacks its parent now never gets it: cleared or refused
        self._rows([])
        self.s.flush()
        self._late_decisions()
        for sha, pdf in self.blobs.items():  # records that came after their print's bytes
            self.prints_filled += fill_prints(self.s, sha, pdf)
        self.prints_filled += copy_prints(self.s)  # reprints: from a record of the same print
        self._name_stand_ins()
        self._queue_stand_in_windows()
        self._queue_unknown_accounts()
        self.counters = rebuild_number_counters(self.s)
        self.s.flush()
        self.audit_records = self.audit.write(self.uow, self._resolve)
        self.s.flush()

    def _queue_unknown_accounts(self) -> None:
        """Accounts the hub does not know yet (the history's stand-ins, the new database's own
        accounts no reference claimed) go to the hub with the next sync, as they are now."""
        known = self.ref_users
        for user in self.s.scalars(select(User).where(User.id.not_in(list(known)))):
            self.uow.record_change("account_ref", user.id, account_ref(user))

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
        taken = self.history_users | self.placeholder_users | self.ref_users
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
