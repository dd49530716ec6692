"""From the validated catalogue YAML models to the domain's frozen catalogue types."""

from __future__ import annotations

from typing import Any

from app.catalogue.schema import FormFieldModel, MaterialModel, MatterModel
from app.domain.catalogue import FormFieldSpec, MaterialSpec, MatterSpec, ServiceGroupSpec


def _material(m: MaterialModel) -> MaterialSpec:
    return MaterialSpec(
        code=m.code,
        name=m.name,
        form=m.form,
        copies=m.copies,
        required=m.required,
        deferrable=m.deferrable,
        where_to_get=m.where_to_get,
        note=m.note,
    )


def _form_field(f: FormFieldModel) -> FormFieldSpec:
    return FormFieldSpec(
        key=f.key,
        label=f.label,
        kind=f.kind,
        required=f.required,
        max_length=f.max_length,
        choices=tuple(f.choices),
        help=f.help,
        minimum=f.minimum,
        maximum=f.maximum,
        not_future=f.not_future,
        default=f.default,
    )


def to_spec(m: MatterModel) -> MatterSpec:
    """A validated matter model as the frozen domain dataclass."""
    return MatterSpec(
        code=m.code,
        name=m.name,
        department=m.department,
        category=m.category,
        case_type=m.case_type,
        legal_days=m.legal_days,
        promised_days=m.promised_days,
        service_group=m.service_group,
        deciding_body=m.deciding_body,
        fee=m.fee,
        conditions=tuple(m.conditions),
        procedure=tuple(m.procedure),
        materials=tuple(_material(x) for x in m.materials),
        form_fields=tuple(_form_field(x) for x in m.form_fields),
        co_departments=tuple(m.co_departments),
        legal_basis=tuple(m.legal_basis),
        keywords=tuple(m.keywords),
        form_layout=m.form_layout,
        sources=tuple(m.sources),
        notes=m.notes,
    )


def group_spec(g: Any) -> ServiceGroupSpec:
    return ServiceGroupSpec(
        code=g.code, prefix=g.prefix, name=g.name, departments=tuple(g.departments)
    )
