"""Restore: the centre's audit trail back whole, as it was sealed, and this database's own records after it.

The hub holds every audit record the lost PC sent, with its number, hash, link and MAC. They come
back row for row, never re-sealed. Their MACs were made with the lost PC's key: when the centre had
registered it at the hub, the restore takes it back (app/sync/audit_key.py) and `audit verify`
checks the whole trail with it; otherwise the restored range is checked by its hashes and links
only, vouched for by the restore's own record (`centre_restored`: first and last number so checked
and the hash before the first), which this database seals with its key. The records the new database wrote while
it was set up moments before (its set-up: windows and prints queued) would hold the same numbers;
they are written again after the restored trail, chained to its last record, and sent to the hub
with the next sync — the hub's chain of the centre goes on without a break.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from app.db.models import AuditRecord, OutboxOp, SequenceCounter, User
from app.services.uow import AUDIT_SCOPE, UnitOfWork
from app.sync.apply import payload_values
from app.sync.kinds import AUDIT

RESTORED = "centre_restored"

OWNER_NEEDED = (
    "当前数据库账号不能删除审计记录（柜台应用账号按规定只能写入和查询审计表），"
    "而恢复要用区级平台保存的审计链替换新库建库时写下的几条记录。"
    "请用数据库所有者账号运行恢复：onewindow --db postgresql://所有者@主机/库名 restore …，"
    "恢复完成后柜台照常用应用账号连接。未作任何改动，注册码未使用。\n"
    "This database role may not delete audit records; run the restore as the schema owner. "
    "Nothing was changed and the enrolment code was not spent."
)


def may_replace_audit(session: Session) -> bool:
    """Whether this connection's role may delete audit records, as a restore must (PostgreSQL
    grants the counter's own role only INSERT and SELECT on the audit table; SQLite has no roles)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        session.scalar(text("SELECT has_table_privilege(current_user, 'audit_record', 'DELETE')"))
    )


class AuditRestore:
    """Collects the pulled audit records and writes them at the end of the restore."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, dict[str, Any]] = {}
        self.first = self.last = 0
        self.after_hash = ""

    def add(self, payload: dict[str, Any]) -> None:
        values = payload_values(AuditRecord.__table__, payload)  # type: ignore[arg-type]
        if values.get("id") is not None:
            self.rows[values["id"]] = values

    def write(self, uow: UnitOfWork, resolve: Any) -> int:
        """Insert the restored records (references made to exist by `resolve`), put the fresh
        database's own records after them; returns how many came back."""
        if not self.rows:
            return 0
        s = uow.session
        own = list(s.scalars(select(AuditRecord).order_by(AuditRecord.seq, AuditRecord.at)))
        again = [
            (
                r.action,
                r.result,
                r.user_id,
                r.centre_id,
                r.subject_type,
                r.subject_id,
                r.window,
                dict(r.detail or {}),
            )
            for r in own
        ]
        s.execute(delete(AuditRecord).where(AuditRecord.id.in_([r.id for r in own])))
        s.execute(  # queued when they were written: they go again, renumbered, below
            delete(OutboxOp).where(OutboxOp.entity == AUDIT.name, OutboxOp.sent_at.is_(None))
        )
        s.expunge_all()
        rows = sorted(self.rows.values(), key=lambda r: (r.get("seq") is None, r.get("seq") or 0))
        resolve(AuditRecord.__table__, rows)
        for start in range(0, len(rows), 1000):
            s.execute(insert(AuditRecord), rows[start : start + 1000])
        chained = [r for r in rows if r.get("seq") is not None]
        if chained:
            self.first, self.last = int(chained[0]["seq"]), int(chained[-1]["seq"])
            self.after_hash = str(chained[0].get("prev_hash") or "")
            _set_counter(uow, AUDIT_SCOPE, self.last)
        users = set(s.scalars(select(User.id)))
        named = {"action", "result", "user_id", "centre_id", "subject_type", "subject_id", "window"}
        for action, result, user_id, centre_id, stype, sid, window, detail in again:
            uow.audit_result(
                action,
                result,
                user_id=user_id if user_id in users else None,
                centre_id=centre_id,
                subject_type=stype,
                subject_id=sid,
                window=window,
                **{k: v for k, v in detail.items() if k not in named},
            )
        return len(rows)

    def detail(self, key_from: int | None = None) -> dict[str, Any]:
        """What the restore's own record says of the restored range (read by `audit verify`): the
        records up to `audit_through` are checked by hashes and links only — all of them, unless the
        hub gave back the centre's key (`key_from`: the first number it sealed)."""
        if not self.last:
            return {}
        through = (
            self.last if key_from is None else max(self.first - 1, min(self.last, key_from - 1))
        )
        return {
            "audit_from": self.first,
            "audit_through": through,
            "audit_after_hash": self.after_hash,
        }


def _set_counter(uow: UnitOfWork, scope: str, value: int) -> None:
    s = uow.session
    found = s.execute(
        update(SequenceCounter).where(SequenceCounter.scope == scope).values(value=value)
    )
    if not getattr(found, "rowcount", 0):
        uow.reserve(scope, value)
