"""Case search from free text: number, ID number, name, phone or date; impossible dates are refused."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import ValidationError
from app.services.bootstrap import Services
from app.services.case_query import read_case_query
from app.services.counter_dto import IntakeInput, MaterialInput
from app.services.residents import ResidentInput
from tests.services.conftest import Centre990101, make_id

APPLICANT = make_id("11010119950101002")


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)))
def test_every_written_form_of_a_real_date_reads_as_that_date(day: date) -> None:
    y, m, d = day.year, day.month, day.day
    for text in (
        day.isoformat(),
        f"{y}/{m}/{d}",
        f"{y}.{m:02d}.{d:02d}",
        f"{y}年{m}月{d}日",
        f"{y}{m:02d}{d:02d}",
        f"　{y}－{m:02d}－{d:02d} ",  # full-width, as an IME types it
    ):
        assert read_case_query(text).received_on == day, text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2026-02-30", "2026年2月30日"),
        ("2026/13/01", "2026年13月1日"),
        ("20250229", "2025年2月29日"),
        ("2026年4月31日", "2026年4月31日"),
    ],
)
def test_a_date_that_does_not_exist_is_a_chinese_message(text: str, shown: str) -> None:
    with pytest.raises(ValidationError) as e:
        read_case_query(text)
    assert e.value.code == "DATE_INVALID" and shown in e.value.message


def test_numbers_phones_ids_and_names() -> None:
    assert read_case_query("990101202611230001").case_number == "990101202611230001"
    assert read_case_query(APPLICANT).id_number == APPLICANT
    assert read_case_query(APPLICANT.lower()).id_number == APPLICANT
    assert read_case_query("138 0013 8000").phone == "13800138000"
    assert read_case_query(" 张秀兰 ").name == "张秀兰"
    with pytest.raises(ValidationError):
        read_case_query("   ")


def test_find_reaches_one_case_every_way(world: Centre990101) -> None:
    services = Services(world.ctx)
    clerk = world.users["clerk2"]
    resident = services.residents.register(
        ResidentInput(id_number=APPLICANT, name="刘洋", phone="13900139000"), clerk
    )
    done = services.intake.complete_on_spot(
        IntakeInput(
            counter_id=world.counters[5],
            resident_id=resident.id,
            matter_code="JY-001",
            form_data={
                "education": "本科",
                "unemployment_date": "2026-10-31",
                "unemployment_reason": "解除或终止劳动合同",
            },
            materials=(MaterialInput("M01"), MaterialInput("M02")),
        ),
        clerk,
    )
    number = services.cases.detail(done.case_id, clerk).summary.case_number
    for text in (number, APPLICANT, "刘洋", "刘", "13900139000", "2026-11-23", "2026年11月23日"):
        found = services.cases.find(clerk, text)
        assert [c.case_number for c in found] == [number], text
    assert services.cases.find(clerk, "2026-11-24") == []
    with pytest.raises(ValidationError):
        services.cases.find(clerk, "2026-02-30")
