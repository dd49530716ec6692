"""Types of the matter catalogue (事项目录): matters, their materials, form fields and service groups."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class CaseType(StrEnum):
    """How a matter is handled at the counter."""

    IMMEDIATE = "即办件"  # finished on the spot
    PROMISED = "承诺件"  # taken in, decided by a deadline (by the centre or a department)
    JOINT = "联办件"  # several departments decide, one leads
    REPORTED = "上报件"  # taken in and reported up to the deciding department

    @property
    def is_routed(self) -> bool:
        return self in (CaseType.PROMISED, CaseType.JOINT, CaseType.REPORTED)


class MaterialForm(StrEnum):
    """What the resident hands over for one material."""

    ORIGINAL = "原件"
    COPY = "复印件"
    ORIGINAL_AND_COPY = "原件和复印件"
    ORIGINAL_INSPECTED = "原件核验"  # shown and handed back, nothing kept
    ELECTRONIC = "电子证照"


class FieldKind(StrEnum):
    """Kinds of application-form fields; each has its own validation at the counter."""

    TEXT = "text"
    TEXTAREA = "textarea"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    DATE = "date"
    INTEGER = "integer"
    MONEY = "money"
    CHOICE = "choice"
    BOOL = "bool"
    BANK_ACCOUNT = "bank_account"


@dataclass(frozen=True)
class MaterialSpec:
    """One material a matter asks for."""

    code: str
    name: str
    form: MaterialForm
    copies: int = 1
    required: bool = True
    deferrable: bool = False  # 容缺受理 acceptable: may be handed in later by a promised date
    where_to_get: str = ""  # told to the resident on a 一次性告知书
    note: str = ""


@dataclass(frozen=True)
class FormFieldSpec:
    """One field of a matter's application form."""

    key: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    max_length: int = 100
    choices: tuple[str, ...] = ()
    help: str = ""
    minimum: int | None = None  # integer / money
    maximum: int | None = None  # integer / money
    not_future: bool = False  # date: not after the business day it is entered
    default: str = ""  # choice / bool: the value the form starts with (the clerk may change it)


@dataclass(frozen=True)
class ServiceGroupSpec:
    """A queue of the centre (综合受理、社保医保 …): tickets of one group share a prefix letter."""

    code: str
    prefix: str
    name: str
    departments: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatterSpec:
    """One matter (事项) of the catalogue as published."""

    code: str
    name: str
    department: str
    category: str
    case_type: CaseType
    legal_days: int | None  # statutory limit in working days; None where no law fixes one
    promised_days: int  # the centre's promise in working days; 0 = on the spot
    service_group: str
    deciding_body: str
    fee: str = "不收费"
    conditions: tuple[str, ...] = ()
    procedure: tuple[str, ...] = ()
    materials: tuple[MaterialSpec, ...] = ()
    form_fields: tuple[FormFieldSpec, ...] = ()
    co_departments: tuple[str, ...] = ()  # 联办件: the departments besides the lead (`department`)
    legal_basis: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    form_layout: str | None = None  # name of a printed application-form layout, if any
    sources: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class CataloguePublication:
    """A versioned publication of the catalogue; a case keeps the version it was taken under."""

    version: str
    published_on: date
    publisher: str
    service_groups: tuple[ServiceGroupSpec, ...]
    matters: tuple[MatterSpec, ...] = field(default_factory=tuple)

    def matter(self, code: str) -> MatterSpec:
        for m in self.matters:
            if m.code == code:
                return m
        raise KeyError(code)


def matter_to_dict(m: MatterSpec) -> dict[str, Any]:
    """A MatterSpec as plain JSON data (kept with the matter row, published by the hub)."""
    return json.loads(json.dumps(asdict(m), ensure_ascii=False, default=str))


def matter_from_dict(d: dict[str, Any]) -> MatterSpec:
    """Rebuild a MatterSpec from the JSON kept with the matter row."""
    d = dict(d)
    d["case_type"] = CaseType(d["case_type"])
    d["materials"] = tuple(
        MaterialSpec(**{**m, "form": MaterialForm(m["form"])}) for m in d.get("materials", ())
    )
    d["form_fields"] = tuple(
        FormFieldSpec(**{**f, "kind": FieldKind(f["kind"]), "choices": tuple(f.get("choices", ()))})
        for f in d.get("form_fields", ())
    )
    for key in ("conditions", "procedure", "co_departments", "legal_basis", "keywords", "sources"):
        d[key] = tuple(d.get(key, ()))
    return MatterSpec(**d)
