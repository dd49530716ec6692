"""The closed registry of synced kinds: name, centre table, owner rule and what a restore does with each.

Written once and read by the outbox (`UnitOfWork.record_change`), the centre's apply, the hub's
ingest and restore. A kind's name is its centre table's name. This module imports nothing of
`app` (the hub shares it without importing the counter's services).

Owner rules, decided by the hub from what it already holds (never from the op's kind name or
payload):

- CENTRE: a row a centre makes. It belongs to the centre that first sent its id; an op from any
  other centre on that id is a conflict. A row naming a case (`case_field`) belongs with that case:
  naming another centre's case is a conflict too.
- DEPARTMENT: made by department staff at the hub only. Department acceptances and decisions are
  `case_event` rows the hub writes with op "event" (DEPARTMENT_OP) for the case's centre; a centre
  sends only "upsert" ops, so the op tells who made an event, and the payload's `origin` (a
  supervisor may record a department's decision by hand at the counter: origin "department", op
  "upsert") is never read for ownership: a centre's event on another centre's case is a conflict.
- DISTRICT: published by the district (catalogue, calendar, accounts, a centre's settings); a
  centre's op is a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Owner(Enum):
    """Who owns a kind of synced record: the centre, the department or the district."""

    CENTRE = "centre"
    DEPARTMENT = "department"
    DISTRICT = "district"


class Restore(Enum):
    """What `onewindow restore` does with a pulled row of the kind."""

    ROW = "row"  # upserted as it was, column for column
    EVENT = "event"  # a centre's event as a row; a department's event applied as a decision
    CONFLICT = "conflict"  # as the hub worded it (one the centre resolved comes back as its row)
    CATALOGUE = "catalogue"
    CALENDAR = "calendar"
    ACCOUNT = "account"
    SETTINGS = "settings"  # the district's rules for the centre (applied when they name it)
    BLOB = "blob"  # a print's bytes: put back into every printed_document row with its SHA-256
    AUDIT = "audit"  # the audit trail's records as they were sealed (numbers, hashes, MACs)
    ACCOUNT_REF = "account_ref"  # who an account id is: the account back under its id, no password


@dataclass(frozen=True, slots=True)
class Kind:
    """One synced kind."""

    name: str  # on the wire, in the outbox and the hub's change log; the centre table's name
    owner: Owner
    restore: Restore
    event: bool = False  # immutable: the change log is its store at the hub, no hub_record row
    case_field: str | None = None  # payload field naming the case the row belongs to
    is_case: bool = False  # the case record itself (the hub keeps its merged state)
    log_only: bool = False  # immutable, no centre table of its name: kept in the change log only

    @property
    def table(self) -> str:
        return self.name

    @property
    def in_log_only(self) -> bool:
        """The hub keeps it in its change log only, never as a hub_record row."""
        return self.event or self.log_only


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("counter", Owner.CENTRE, Restore.ROW),
        Kind("resident", Owner.CENTRE, Restore.ROW),
        Kind("agent", Owner.CENTRE, Restore.ROW),
        Kind("ticket", Owner.CENTRE, Restore.ROW),
        Kind("case_file", Owner.CENTRE, Restore.ROW, is_case=True),
        Kind("case_material", Owner.CENTRE, Restore.ROW, case_field="case_id"),
        Kind("case_event", Owner.CENTRE, Restore.EVENT, event=True, case_field="case_id"),
        Kind("rating", Owner.CENTRE, Restore.ROW, case_field="case_id"),
        Kind("follow_up", Owner.CENTRE, Restore.ROW),
        Kind("printed_document", Owner.CENTRE, Restore.ROW, case_field="case_id"),
        Kind("consultation", Owner.CENTRE, Restore.ROW),
        Kind("call_record", Owner.CENTRE, Restore.ROW),
        # a print's exact bytes, compressed, once per centre and SHA-256 (app/domain/print_blobs.py)
        Kind("print_blob", Owner.CENTRE, Restore.BLOB, log_only=True),
        # a larger print's compressed bytes in slices, assembled and checked by the hub and a restore
        Kind("print_chunk", Owner.CENTRE, Restore.BLOB, log_only=True),
        # the hash-chained audit trail, verified by the hub on arrival (app/hub/audit_trail.py)
        Kind("audit_record", Owner.CENTRE, Restore.AUDIT, log_only=True),
        # who the centre's account ids are (user name, name, role, active): never a password
        Kind("account_ref", Owner.CENTRE, Restore.ACCOUNT_REF),
        Kind("sync_conflict", Owner.CENTRE, Restore.CONFLICT),
        Kind("catalogue", Owner.DISTRICT, Restore.CATALOGUE),
        Kind("calendar_day", Owner.DISTRICT, Restore.CALENDAR),
        Kind("app_user", Owner.DISTRICT, Restore.ACCOUNT),
        Kind("centre_settings", Owner.DISTRICT, Restore.SETTINGS),
    )
}

# Names earlier versions queued for the same kind. Read at the edge only (an old centre's queue, an
# old change log), never written: the hub stores and serves the registry's name.
LEGACY_NAMES = {"case": "case_file"}

CASE = KINDS["case_file"]
EVENT = KINDS["case_event"]
CONFLICT = KINDS["sync_conflict"]
PRINT_BLOB = KINDS["print_blob"]
PRINT_CHUNK = KINDS["print_chunk"]
AUDIT = KINDS["audit_record"]
UPSERT = "upsert"  # the only op a centre sends
DEPARTMENT_OP = "event"  # an event made at the hub by department staff


class UnknownKind(ValueError):
    """A kind name that is not in the registry."""


def kind_named(name: str) -> Kind | None:
    """The registry's kind for a name (a legacy name too), or None."""
    return KINDS.get(LEGACY_NAMES.get(name, name))


def require(name: str) -> Kind:
    """The registry's kind for a name the program itself writes; anything else is a bug."""
    kind = KINDS.get(name)
    if kind is None:
        raise UnknownKind(f"not a synced kind: {name!r}")
    return kind


def centre_kinds() -> frozenset[str]:
    """Kinds a centre may send."""
    return frozenset(k.name for k in KINDS.values() if k.owner is Owner.CENTRE)
