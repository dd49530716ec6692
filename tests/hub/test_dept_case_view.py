"""The department's case page shows the form under its own labels and who applied, ID number masked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from app.hub.admin import add_staff
from tests.hub.test_web import _op, login, publish
from tests.services.conftest import DIBAO_FORM, make_id

pytestmark = pytest.mark.pg


def test_case_page_shows_form_labels_in_form_order_and_the_masked_applicant(hub: Any) -> None:
    device = hub.device("100001")
    publish(hub, datetime.now(UTC))
    number = make_id("11010119580307123")
    resident_id, case_id = uuid.uuid4(), uuid.uuid4()
    form = {
        "note_from_centre": "材料齐全",
        **dict(reversed(list(DIBAO_FORM.items()))),
    }  # order scrambled
    ops = [
        _op(
            1,
            "resident",
            resident_id,
            {
                "id_kind": "居民身份证",
                "id_number": number,
                "name": "张秀兰",
                "phone": "13812345678",
            },
        ),
        _op(
            2,
            "case_file",
            case_id,
            {
                "case_number": "C1",
                "matter_code": "MZ-001",
                "resident_id": str(resident_id),
                "routed_department": "区民政局",
                "form_data": form,
            },
        ),
        _op(
            3,
            "case_event",
            uuid.uuid4(),
            {"case_id": str(case_id), "seq": 1, "event_type": "receive"},
        ),
        _op(
            4,
            "case_event",
            uuid.uuid4(),
            {"case_id": str(case_id), "seq": 2, "event_type": "route"},
        ),
    ]
    assert (
        hub.http.post("/api/v1/push", json={"ops": ops}, headers=device["headers"]).status_code
        == 200
    )
    with hub.sessions.begin() as s:
        add_staff(s, "mz", "民政审批员", "department", "secret-pw", "区民政局")
    login(hub.http, "mz")
    page = hub.http.get(f"/dept/cases/{case_id}").text
    assert (
        "<dd>张秀兰</dd>" in page
        and number not in page
        and number[:6] in page
        and number[-4:] in page
    )
    assert "13812345678" not in page and "5678" in page
    labels = ["共同生活家庭人口", "家庭月总收入", "申请理由"]
    assert all(label in page for label in labels) and "household_size" not in page
    assert [page.index(label) for label in labels] == sorted(page.index(label) for label in labels)
    assert page.index("申请理由") < page.index(
        "note_from_centre"
    )  # a key the form lacks: last, as sent
    api = hub.http.get(
        f"/api/v1/dept/cases/{case_id}", headers=hub.staff_token("mz2", "区民政局")
    ).json()
    assert api["applicant"]["name"] == "张秀兰" and api["applicant"]["id_number"] != number
    assert api["form_fields"][0] == ["共同生活家庭人口", "3"]
