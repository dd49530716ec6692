"""Unit of work: one transaction per use case, and the one place where synced changes enter the outbox."""

from __future__ import annotations

import threading
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditRecord, OutboxOp, SequenceCounter, User
from app.db.payload import jsonable, row_payload
from app.db.types import new_id, utcnow
from app.domain.audit_chain import ChainEntry, seal
from app.services.audit_keys import audit_key, check_key_in_database
from app.sync.kinds import UPSERT, Owner, UnknownKind, require

# The window (counter number) of the desk whose account is acting, set by the permission guard
# around each service call, written into that call's audit records.
_acting_window: ContextVar[str] = ContextVar("acting_window", default="")


@contextmanager
def acting_window(window: str) -> Iterator[None]:
    token = _acting_window.set(window)
    try:
        yield
    finally:
        _acting_window.reset(token)


OUTBOX_SCOPE = "outbox"
AUDIT_SCOPE = "audit"
# Present once this database's audit records go to the hub: from then on each is queued in the
# transaction that writes it (the older ones were queued once, app/services/sync_backfill.py).
AUDIT_SENT = "audit_to_hub"
# An account's reference goes to the hub whenever one of these changes (never its password): a
# restore then brings back who each account id in the history is (app/sync/restore_refs.py).
ACCOUNT_REF_FIELDS = ("username", "display_name", "role", "active", "centre_id")
# Session.info key: accounts applied from the district (the hub has them; not sent back).
FROM_DISTRICT = "accounts_from_district"


def account_ref(user: User) -> dict[str, Any]:
    """What the hub keeps of a centre account: who it is, never how it signs in."""
    return {k: jsonable(getattr(user, k)) for k in ("id", *ACCOUNT_REF_FIELDS)}


RESERVE_ATTEMPTS = 5  # tries to create a missing counter that another transaction created first
# SQLite has one writer at a time; threads of this process queue on a lock instead of sleeping in
# SQLite's busy handler (whose back-off gave second-long stalls with ten windows on one file).
_sqlite_writer_locks: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def _writer_lock(sessions: sessionmaker[Session]) -> threading.Lock | None:
    engine = sessions.kw.get("bind")
    if engine is None or engine.dialect.name != "sqlite":
        return None
    with _locks_guard:
        return _sqlite_writer_locks.setdefault(engine, threading.Lock())


@dataclass(frozen=True)
class _PendingChange:
    entity: str
    entity_id: uuid.UUID
    op: str
    payload: dict[str, Any]


class UnitOfWork:
    """`with UnitOfWork(sessions) as uow:` commits on success and rolls back on any error."""

    def __init__(self, sessions: sessionmaker[Session], *, read_only: bool = False) -> None:
        self._sessions = sessions
        self._read_only = read_only
        self._pending: list[_PendingChange] = []
        self._audits: list[ChainEntry] = []
        self._accounts: dict[int, User] = {}  # accounts made or changed (by object identity)
        self.window = (
            _acting_window.get()
        )  # the window (counter number) the acting desk sits at, for audit records
        self._lock = None if read_only else _writer_lock(sessions)
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        if self._lock is not None:
            self._lock.acquire()
        try:
            self.session = self._sessions()
            if self._read_only:
                self.session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            else:
                event.listen(self.session, "before_flush", self._note_accounts)
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._read_only:
                pass  # close() ends the transaction and keeps loaded objects readable (detached)
            elif exc_type is None:
                self._write_account_refs()
                self._write_audit()
                self._write_outbox()
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
            if self._lock is not None:
                self._lock.release()

    def _note_accounts(self, session: Session, _context: Any, _instances: Any) -> None:
        """Before each flush (the only moment the changes are known): accounts made, or whose
        reference changed, this transaction."""
        district = session.info.get(FROM_DISTRICT, set())
        for obj in (*session.new, *session.dirty):
            if not isinstance(obj, User) or id(obj) in district:
                continue
            state = inspect(obj)
            if state.pending or any(
                state.attrs[f].history.has_changes() for f in ACCOUNT_REF_FIELDS
            ):
                self._accounts[id(obj)] = obj

    def _write_account_refs(self) -> None:
        self.session.flush()  # the last changes are noted by the before-flush hook
        if not self._accounts:
            return
        for user in self._accounts.values():
            self.record_change("account_ref", user.id, account_ref(user))
        self._accounts.clear()

    def next_value(self, scope: str) -> int:
        """The next number of a named counter, safe under concurrent writers on SQLite and PostgreSQL
        (the counter row stays locked until this transaction ends)."""
        return self.reserve(scope, 1)

    def record_change(
        self, entity: str, entity_id: uuid.UUID, payload: dict[str, Any], op: str = "upsert"
    ) -> None:
        """Queue a change for the hub; it is written to the outbox in this same transaction.
        `entity` must be a kind of the registry (`app.sync.kinds`) that a centre sends."""
        if require(entity).owner is not Owner.CENTRE or op != UPSERT:
            raise UnknownKind(f"a centre does not send {op} {entity!r}")
        self._pending.append(_PendingChange(entity, entity_id, op, payload))

    def _write_outbox(self) -> None:
        """Give the pending changes their per-device sequence numbers and insert them, last thing
        before COMMIT. The counter row is locked from here to the commit, so sequence order is commit
        order with no gaps (the agent may push in seq order), yet the lock is held only for this
        insert and the commit, not for the whole use case."""
        if not self._pending:
            return
        s = self.session
        s.flush()  # business rows first, so their own constraint errors surface before the lock
        last = self.reserve(OUTBOX_SCOPE, len(self._pending))
        first = last - len(self._pending) + 1
        now = utcnow()
        s.add_all(
            OutboxOp(
                id=new_id(),
                seq=first + i,
                op_id=new_id(),
                entity=c.entity,
                entity_id=c.entity_id,
                op=c.op,
                payload=c.payload,
                created_at=now,
            )
            for i, c in enumerate(self._pending)
        )
        self._pending.clear()
        s.flush()

    def reserve(self, scope: str, n: int) -> int:
        """Advance a counter by n and return its new value (the last of the n numbers).

        A counter that does not exist yet is inserted; when another transaction inserted it first
        (IntegrityError on the unique scope), the update is tried again, at most
        RESERVE_ATTEMPTS times. Any other error is the caller's: it is never retried or hidden."""
        s = self.session
        for _attempt in range(RESERVE_ATTEMPTS):
            result = s.execute(
                update(SequenceCounter)
                .where(SequenceCounter.scope == scope)
                .values(value=SequenceCounter.value + n)
                .returning(SequenceCounter.value)
            ).scalar_one_or_none()
            if result is not None:
                return int(result)
            nested = s.begin_nested()
            try:
                s.add(SequenceCounter(id=new_id(), scope=scope, value=n))
                s.flush()
            except IntegrityError:
                nested.rollback()  # another transaction created the counter: update it instead
                continue
            nested.commit()
            return n
        raise RuntimeError(f"sequence counter {scope!r} could not be reserved")

    def audit(
        self,
        action: str,
        *,
        user_id: uuid.UUID | None,
        centre_id: uuid.UUID | None = None,
        subject_type: str = "",
        subject_id: uuid.UUID | None = None,
        **detail: Any,
    ) -> None:
        """An audit record; callers pass ids and codes only, never names or ID numbers. It is
        numbered, chained and sealed with the database's key last thing before COMMIT."""
        self.audit_result(
            action,
            "ok",
            user_id=user_id,
            centre_id=centre_id,
            subject_type=subject_type,
            subject_id=subject_id,
            **detail,
        )

    def audit_result(
        self,
        action: str,
        result: str,
        *,
        user_id: uuid.UUID | None,
        centre_id: uuid.UUID | None = None,
        subject_type: str = "",
        subject_id: uuid.UUID | None = None,
        window: str | None = None,
        **detail: Any,
    ) -> None:
        """An audit record with its result (ok / refused / failed / locked ...)."""
        if self._read_only:
            raise RuntimeError("audit records need a writing unit of work")
        self._audits.append(
            ChainEntry(
                seq=None,
                at=utcnow(),
                user_id=user_id,
                centre_id=centre_id,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                window=self.window if window is None else window,
                result=result,
                detail=detail,
            )
        )

    def _write_audit(self) -> None:
        """Number, chain and seal this transaction's audit records. The audit counter row stays
        locked until COMMIT, so numbers are gap-free and the chain follows commit order."""
        if not self._audits:
            return
        s = self.session
        s.flush()
        key = audit_key(s.get_bind())  # type: ignore[arg-type]
        check_key_in_database(s, key)
        last = self.reserve(AUDIT_SCOPE, len(self._audits))
        seq = last - len(self._audits) + 1
        prev = ""
        if seq > 1:
            prev = s.scalar(select(AuditRecord.hash).where(AuditRecord.seq == seq - 1)) or ""
        # asked under the audit counter's lock: the one-time send of older records holds it too
        to_hub = s.scalar(select(SequenceCounter.id).where(SequenceCounter.scope == AUDIT_SENT))
        for entry in self._audits:
            numbered = replace(entry, seq=seq)
            digest, mac = seal(numbered, prev, key)
            record = AuditRecord(
                id=new_id(),
                seq=seq,
                at=entry.at,
                user_id=entry.user_id,
                centre_id=entry.centre_id,
                action=entry.action,
                subject_type=entry.subject_type,
                subject_id=entry.subject_id,
                window=entry.window,
                result=entry.result,
                detail=entry.detail,
                prev_hash=prev,
                hash=digest,
                mac=mac,
            )
            s.add(record)
            if to_hub is not None:
                self.record_change("audit_record", record.id, row_payload(record))
            prev, seq = digest, seq + 1
        self._audits.clear()
        s.flush()
