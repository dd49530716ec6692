"""All ORM models in one namespace, for Alembic and for the services."""

from app.db.base import Base
from app.db.models_counter import CallRecord, Consultation
from app.db.models_org import (
    CalendarDay,
    CataloguePublicationRow,
    Centre,
    CentreSettings,
    Counter,
    Matter,
    MatterFormField,
    MatterMaterial,
    SequenceCounter,
    ServiceGroup,
    User,
)
from app.db.models_record import (
    AuditRecord,
    FollowUp,
    OutboxOp,
    PrintedDocument,
    Protection,
    Rating,
    SyncState,
)
from app.db.models_sync import PulledChunk, SyncConflict
from app.db.models_work import Agent, Case, CaseEvent, CaseMaterial, Resident, Ticket

__all__ = [
    "Agent",
    "AuditRecord",
    "Base",
    "CalendarDay",
    "CallRecord",
    "Case",
    "CaseEvent",
    "CaseMaterial",
    "CataloguePublicationRow",
    "Centre",
    "CentreSettings",
    "Consultation",
    "Counter",
    "FollowUp",
    "Matter",
    "MatterFormField",
    "MatterMaterial",
    "OutboxOp",
    "PrintedDocument",
    "Protection",
    "PulledChunk",
    "Rating",
    "Resident",
    "SequenceCounter",
    "ServiceGroup",
    "SyncConflict",
    "SyncState",
    "Ticket",
    "User",
]
