"""打印申请表: the matter's application form, pre-filled from the identified resident and the fields
typed so far, for the resident to check and sign (layouts are data in resources/forms)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.services.dto import ResidentView
from app.services.types import ApplicantFields, ApplicationFormData, MatterSpec


def form_data(
    spec: MatterSpec,
    resident: ResidentView,
    values: dict[str, Any],
    today: date,
) -> ApplicationFormData:
    """The form's data; the document service adds the centre's heading when it prints it."""
    if spec.form_layout is None:
        raise ValueError(spec.code)
    applicant = ApplicantFields(
        name=resident.name,
        id_number=resident.id_number,
        sex=resident.sex,
        birth_date=resident.birth_date,
        phone=resident.phone,
        address=resident.address,
        community=resident.community,
    )
    return ApplicationFormData(
        layout=spec.form_layout,
        matter_name=spec.name,
        matter_code=spec.code,
        applicant=applicant,
        values={k: "" if v is None else str(v) for k, v in values.items()},
        printed_date=today,
    )
