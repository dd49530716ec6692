"""打印申请表: the matter's application form, pre-filled from the identified resident and the fields
typed so far, for the resident to check and sign (layouts are data in resources/forms)."""

from __future__ import annotations

from typing import Any

from app.clock import business_date
from app.documents.model import ApplicantFields, ApplicationFormData
from app.services.dto import CentreInfo, ResidentView
from app.services.types import MatterSpec
from ui.counter.documents_glue import doc_centre


def form_data(
    spec: MatterSpec,
    resident: ResidentView,
    values: dict[str, Any],
    centre: CentreInfo | None,
    now: Any,
) -> ApplicationFormData:
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
        centre=doc_centre(centre) if centre else None,
        printed_date=business_date(now),
    )
