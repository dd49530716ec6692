"""Unit of work: one transaction per use case, and the one place where synced changes enter the outbox."""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditRecord, OutboxOp, SequenceCounter
from app.db.types import new_id, utcnow


class UnitOfWork:
    """`with UnitOfWork(sessions) as uow:` commits on success and rolls back on any error."""

    def __init__(self, sessions: sessionmaker[Session], *, read_only: bool = False) -> None:
        self._sessions = sessions
        self._read_only = read_only
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        if self._read_only:
            self.session.connection(execution_options={"sqlite_begin": "DEFERRED"})
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
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()

    def next_value(self, scope: str) -> int:
        """The next number of a named counter, safe under concurrent writers on SQLite and PostgreSQL."""
        s = self.session
        result = s.execute(
            update(SequenceCounter)
            .where(SequenceCounter.scope == scope)
            .values(value=SequenceCounter.value + 1)
            .returning(SequenceCounter.value)
        ).scalar_one_or_none()
        if result is not None:
            return int(result)
        # First use of the scope: insert; a concurrent first insert loses on the unique key and retries.
        nested = s.begin_nested()
        try:
            s.add(SequenceCounter(id=new_id(), scope=scope, value=1))
            s.flush()
            nested.commit()
            return 1
        except Exception:
            nested.rollback()
            value = s.execute(
                update(SequenceCounter)
                .where(SequenceCounter.scope == scope)
                .values(value=SequenceCounter.value + 1)
                .returning(SequenceCounter.value)
            ).scalar_one()
            return int(value)

    def record_change(
        self, entity: str, entity_id: uuid.UUID, payload: dict[str, Any], op: str = "upsert"
    ) -> None:
        """Queue a change for the hub in this same transaction (transactional outbox)."""
        self.session.add(
            OutboxOp(
                id=new_id(),
                seq=self.next_value("outbox"),
                op_id=new_id(),
                entity=entity,
                entity_id=entity_id,
                op=op,
                payload=payload,
                created_at=utcnow(),
            )
        )

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
        """An audit record; callers pass ids and codes only, never names or ID numbers."""
        self.session.add(
            AuditRecord(
                id=new_id(),
                at=utcnow(),
                user_id=user_id,
                centre_id=centre_id,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                detail=detail,
            )
        )
