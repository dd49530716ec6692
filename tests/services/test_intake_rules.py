"""Bad input is refused in the service, not only the widget: catalogue form rules, a second case of
the same matter, an empty 咨询, a supervisor's decision without department or reason; 一次性告知
records the empty form fields and its 补正期限."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError as SchemaError

from app.catalogue.schema import FormFieldModel
from app.domain.errors import IllegalTransition, ValidationError
from app.services.cases import CaseService
from app.services.counter_dto import DUPLICATE_CASE, IntakeInput, MaterialInput
from app.services.intake import IntakeService
from app.services.residents import ResidentInput, ResidentService
from tests.services.conftest import DIBAO_FORM, Centre990101, make_id

APPLICANT = make_id("11010119800101123")
TODAY = date(2026, 11, 23)  # the world's clock
JOBLESS = {"education": "高中", "unemployment_reason": "其他"}
DIBAO_MATERIALS = tuple(MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08"))


def _resident(world: Centre990101, id_number: str = APPLICANT):  # type: ignore[no-untyped-def]
    return ResidentService(world.ctx).register(
        ResidentInput(id_number=id_number, name="王建国"), world.users["clerk1"]
    )


def _jobless(world: Centre990101, resident_id, day: date, **extra: object) -> IntakeInput:  # type: ignore[no-untyped-def]
    form = {**JOBLESS, "unemployment_date": day.isoformat()}
    return IntakeInput(
        world.counters[1],
        resident_id,
        "JY-001",
        form,
        (MaterialInput("M01"), MaterialInput("M02")),
        **extra,
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(size=st.integers(min_value=-3, max_value=45))
def test_household_size_follows_the_catalogue_range(world: Centre990101, size: int) -> None:
    problems = IntakeService(world.ctx).validate_form(
        "MZ-001", {**DIBAO_FORM, "household_size": str(size)}
    )
    messages = [p.message for p in problems if p.key == "household_size"]
    assert (messages == []) == (1 <= size <= 30), messages
    if size == 0:
        assert messages == ["“共同生活家庭人口”不能小于 1"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(offset=st.integers(min_value=-400, max_value=400))
def test_unemployment_date_not_in_the_future(world: Centre990101, offset: int) -> None:
    day = TODAY + timedelta(days=offset)
    problems = IntakeService(world.ctx).validate_form(
        "JY-001", {**JOBLESS, "unemployment_date": day.isoformat()}
    )
    future = [p for p in problems if p.code == "FIELD_DATE_FUTURE"]
    assert bool(future) == (offset > 0)


def test_a_future_date_never_completes_a_case(world: Centre990101) -> None:
    r = _resident(world)
    intake = IntakeService(world.ctx)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        intake.complete_on_spot(_jobless(world, r.id, date(2027, 3, 1)), world.users["clerk1"])
    assert CaseService(world.ctx).search(world.users["clerk1"], id_number=APPLICANT) == []


def test_a_second_case_of_the_same_matter_needs_a_confirmation(world: Centre990101) -> None:
    clerk, r = world.users["clerk1"], _resident(world)
    intake = IntakeService(world.ctx)
    first = intake.complete_on_spot(_jobless(world, r.id, TODAY), clerk)
    with pytest.raises(ValidationError) as refused:  # completed today: the same day twice
        intake.complete_on_spot(_jobless(world, r.id, TODAY), clerk)
    assert refused.value.code == DUPLICATE_CASE and first.case_number in refused.value.message
    second = intake.complete_on_spot(_jobless(world, r.id, TODAY, confirm_duplicate=True), clerk)
    assert second.case_number != first.case_number
    world.clock.advance(days=1)  # a completed case of yesterday is not in the way
    intake.complete_on_spot(_jobless(world, r.id, TODAY), clerk)

    routed = intake.accept(
        IntakeInput(world.counters[1], r.id, "MZ-001", DIBAO_FORM, DIBAO_MATERIALS), clerk
    )
    world.clock.advance(days=7)  # still open a week later
    with pytest.raises(ValidationError, match=routed.case_number):
        intake.request_supplement(IntakeInput(world.counters[1], r.id, "MZ-001", {}, ()), clerk)


def test_an_empty_consultation_is_refused(world: Centre990101) -> None:
    intake = IntakeService(world.ctx)
    for note in ("", "   ", "\n"):
        with pytest.raises(ValidationError, match="咨询"):
            intake.consult(world.counters[1], world.users["clerk1"], note=note)


def test_a_decision_needs_its_department_and_reason(world: Centre990101) -> None:
    clerk, boss, r = world.users["clerk1"], world.users["supervisor"], _resident(world)
    receipt = IntakeService(world.ctx).accept(
        IntakeInput(world.counters[1], r.id, "MZ-001", DIBAO_FORM, DIBAO_MATERIALS), clerk
    )
    cases = CaseService(world.ctx)
    with pytest.raises(ValidationError, match="部门"):
        cases.record_department_decision(receipt.case_id, boss, "approve", reason="符合条件")
    with pytest.raises(ValidationError, match="理由"):
        cases.record_department_decision(receipt.case_id, boss, "accept", department="区民政局")
    with pytest.raises(IllegalTransition):
        cases.record_department_decision(
            receipt.case_id, clerk, "approve", department="区民政局", reason="符合条件"
        )
    done = cases.record_department_decision(
        receipt.case_id, boss, "approve", department="区民政局", reason="符合条件"
    )
    assert done.status == "APPROVED"
    last = cases.timeline(receipt.case_id, boss)[-1]
    assert (last.origin, last.actor_name, last.detail["on_behalf_of"]) == (
        "centre",
        boss.display_name,
        "区民政局",
    )


def test_supplement_lists_empty_form_fields_and_keeps_its_deadline(world: Centre990101) -> None:
    clerk, r = world.users["clerk1"], _resident(world)
    intake = IntakeService(world.ctx)
    data = IntakeInput(world.counters[1], r.id, "MZ-002", {"hardship_type": "急难型"}, ())
    with pytest.raises(ValidationError, match="补正期限"):
        intake.request_supplement(data, clerk, supplement_deadline=TODAY)
    materials = tuple(MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05"))
    only_form = IntakeInput(
        world.counters[1], r.id, "MZ-002", {"hardship_type": "急难型"}, materials
    )
    notice = intake.request_supplement(only_form, clerk, supplement_deadline=TODAY + timedelta(9))
    assert notice.status == "SUPPLEMENT_REQUESTED"
    assert "困难情况说明" in notice.missing_fields and "救助类型" not in notice.missing_fields
    event = CaseService(world.ctx).timeline(notice.case_id, clerk)[-1]
    assert event.detail["fields"][0] == "hardship_description"
    assert event.detail["deadline"] == (TODAY + timedelta(9)).isoformat()


def test_catalogue_rules_fit_their_field_kind() -> None:
    FormFieldModel(key="n", label="人数", kind="integer", minimum=1, maximum=9)
    with pytest.raises(SchemaError, match="取值范围"):
        FormFieldModel(key="n", label="姓名", kind="text", minimum=1)
    with pytest.raises(SchemaError, match="下限大于上限"):
        FormFieldModel(key="n", label="人数", kind="integer", minimum=9, maximum=1)
    with pytest.raises(SchemaError, match="not_future"):
        FormFieldModel(key="n", label="人数", kind="integer", not_future=True)
