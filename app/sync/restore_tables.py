"""What a restore does with each centre table, and what counts as work already in a database."""

from __future__ import annotations

from typing import Any

from app.db.models import (
    Agent,
    CallRecord,
    Case,
    CaseEvent,
    CaseMaterial,
    Consultation,
    FollowUp,
    OutboxOp,
    PrintedDocument,
    Rating,
    Resident,
    SyncConflict,
    Ticket,
)
from app.sync.kinds import Restore

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
    "audit_record",  # every record as it was sealed, then this database's own (restore_audit.py)
)
# protection: keys; pulled_print_chunk: slices this device pulled of prints not yet whole
LOCAL_TABLES = ("outbox", "sync_state", "protection", "pulled_print_chunk")
_SPECIAL = {
    Restore.CATALOGUE: "catalogue",
    Restore.CALENDAR: "calendar",
    Restore.ACCOUNT: "user",
    Restore.SETTINGS: "settings",
    Restore.BLOB: "blob",
    Restore.AUDIT: "audit",
    Restore.ACCOUNT_REF: "account_ref",
}

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
# A new database's outbox may hold what its first start queued (its seeded windows and accounts,
# its own audit records): not work.
SETUP_ENTITIES = ("counter", "audit_record", "account_ref")
_NOT_WORK = {OutboxOp: (OutboxOp.entity.not_in(SETUP_ENTITIES),)}
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
