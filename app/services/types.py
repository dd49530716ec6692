"""The public types of the services besides their DTO modules: what the UI may name, re-exported.

The UI imports from `app` only these modules (the contract test in tests/spine/test_layers.py
holds it): `app.services.bootstrap` (the composition root), `app.services.dto`,
`app.services.counter_dto` and this one. Types that live deeper (the catalogue's matter types,
the errors every rule raises, the sync agent's reports, the application form's data the UI
fills in from what the clerk typed) and three pure helpers the UI shows or
reads input with (`local_time`, `normalise_input`, `database_message`) are
re-exported here so the UI never imports `app.domain`, `app.sync` or `app.clock` itself.
The command line (app/cli) names the same modules, and here finds its file-only helpers, which
open no database: checking and reading a catalogue folder, rendering a demo paper.

Every name is imported when first used (`__getattr__` below), not when this module is: the first
window needs only a few of them, and the modules behind the others load the database layer, the
sync agent or the paper renderers. Add a name both to the TYPE_CHECKING imports and to _WHERE."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.clock import local_time
    from app.documents.demo import print_demo
    from app.documents.model import ApplicantFields, ApplicationFormData
    from app.domain.catalogue import (
        CaseType,
        FieldKind,
        FormFieldSpec,
        MaterialForm,
        MaterialSpec,
        MatterSpec,
    )
    from app.domain.errors import DomainError, IllegalTransition, ValidationError
    from app.domain.identity import normalise_input
    from app.domain.queue import PriorityClass
    from app.resources import resource_path
    from app.services.accounts import ROLE_NAMES, AccountLocked, AccountView, AuthError
    from app.services.audit import AuditRow, VerifyReport
    from app.services.case_numbers import NotFound
    from app.services.centre_settings import CentreSettingsView
    from app.services.documents import PrintedPaper, PrintHistoryRow
    from app.services.hall import AtRiskTicket, GroupNow, LiveHall, WindowNow
    from app.services.health import database_message
    from app.services.maintenance import CatalogueInvalid, check_catalogue, read_catalogue
    from app.services.period_cases import PeriodCase, PeriodCases
    from app.services.period_figures import CaseRow, PeriodFigures, TicketRow, Times
    from app.services.period_reports import ReportFile
    from app.services.permissions import PermissionDenied
    from app.services.ratings import BAD_LEVELS
    from app.services.reports import DayFigures
    from app.services.residents import ResidentInput
    from app.services.sign_in_checks import SecondFactorNeeded, TotpEnrolment
    from app.services.supervision import DeadlineCase, DeadlineLists, ExtensionGranted
    from app.services.sync import ConflictItem, HubUnreachable, SyncReport, SyncStatus
    from app.sync.restore_tables import ROW_LABELS as RESTORED_ROW_LABELS

# name -> "module" (the same name there) or "module:name"
_WHERE = {
    "AccountLocked": "app.services.accounts",
    "AccountView": "app.services.accounts",
    "ApplicantFields": "app.documents.model",
    "ApplicationFormData": "app.documents.model",
    "AtRiskTicket": "app.services.hall",
    "AuditRow": "app.services.audit",
    "AuthError": "app.services.accounts",
    "BAD_LEVELS": "app.services.ratings",
    "CaseRow": "app.services.period_figures",
    "CaseType": "app.domain.catalogue",
    "CatalogueInvalid": "app.services.maintenance",
    "CentreSettingsView": "app.services.centre_settings",
    "check_catalogue": "app.services.maintenance",
    "ConflictItem": "app.services.sync",
    "database_message": "app.services.health",
    "DayFigures": "app.services.reports",
    "DeadlineCase": "app.services.supervision",
    "DeadlineLists": "app.services.supervision",
    "DomainError": "app.domain.errors",
    "ExtensionGranted": "app.services.supervision",
    "FieldKind": "app.domain.catalogue",
    "FormFieldSpec": "app.domain.catalogue",
    "GroupNow": "app.services.hall",
    "HubUnreachable": "app.services.sync",
    "IllegalTransition": "app.domain.errors",
    "LiveHall": "app.services.hall",
    "local_time": "app.clock",
    "MaterialForm": "app.domain.catalogue",
    "MaterialSpec": "app.domain.catalogue",
    "MatterSpec": "app.domain.catalogue",
    "normalise_input": "app.domain.identity",
    "NotFound": "app.services.case_numbers",
    "PeriodCase": "app.services.period_cases",
    "PeriodCases": "app.services.period_cases",
    "PeriodFigures": "app.services.period_figures",
    "PermissionDenied": "app.services.permissions",
    "print_demo": "app.documents.demo",
    "PrintedPaper": "app.services.documents",
    "PrintHistoryRow": "app.services.documents",
    "PriorityClass": "app.domain.queue",
    "read_catalogue": "app.services.maintenance",
    "ReportFile": "app.services.period_reports",
    "ResidentInput": "app.services.residents",
    "SecondFactorNeeded": "app.services.sign_in_checks",
    "resource_path": "app.resources",
    "RESTORED_ROW_LABELS": "app.sync.restore_tables:ROW_LABELS",
    "ROLE_NAMES": "app.services.accounts",
    "SyncReport": "app.services.sync",
    "SyncStatus": "app.services.sync",
    "TicketRow": "app.services.period_figures",
    "Times": "app.services.period_figures",
    "TotpEnrolment": "app.services.sign_in_checks",
    "ValidationError": "app.domain.errors",
    "VerifyReport": "app.services.audit",
    "WindowNow": "app.services.hall",
}

__all__ = [
    "BAD_LEVELS",
    "RESTORED_ROW_LABELS",
    "ROLE_NAMES",
    "AccountLocked",
    "AccountView",
    "ApplicantFields",
    "ApplicationFormData",
    "AtRiskTicket",
    "AuditRow",
    "AuthError",
    "CaseRow",
    "CaseType",
    "CatalogueInvalid",
    "CentreSettingsView",
    "ConflictItem",
    "DayFigures",
    "DeadlineCase",
    "DeadlineLists",
    "DomainError",
    "ExtensionGranted",
    "FieldKind",
    "FormFieldSpec",
    "GroupNow",
    "HubUnreachable",
    "IllegalTransition",
    "LiveHall",
    "MaterialForm",
    "MaterialSpec",
    "MatterSpec",
    "NotFound",
    "PeriodCase",
    "PeriodCases",
    "PeriodFigures",
    "PermissionDenied",
    "PrintHistoryRow",
    "PrintedPaper",
    "PriorityClass",
    "ReportFile",
    "ResidentInput",
    "SecondFactorNeeded",
    "SyncReport",
    "SyncStatus",
    "TicketRow",
    "Times",
    "TotpEnrolment",
    "ValidationError",
    "VerifyReport",
    "WindowNow",
    "check_catalogue",
    "database_message",
    "local_time",
    "normalise_input",
    "print_demo",
    "read_catalogue",
    "resource_path",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attr = where.partition(":")
    value = getattr(importlib.import_module(module), attr or name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value
