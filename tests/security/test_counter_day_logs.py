"""A counter day with fresh ID numbers and phones, logged at DEBUG with SQL and its parameters:
no log file holds any of those numbers afterwards."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.errors import ValidationError
from app.logging_setup import setup_logging
from app.services.cases import CaseService
from app.services.counter_dto import AgentInput, IntakeInput, MaterialInput
from app.services.intake import IntakeService
from app.services.queue import QueueService
from app.services.residents import ResidentInput, ResidentService
from tests.security.pii_strategies import (
    id_numbers,
    leaks,
    mobiles,
    typed_forms_of_id,
    typed_forms_of_mobile,
)
from tests.services.conftest import DIBAO_FORM, Centre990101, world  # noqa: F401

PEOPLE = 6


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "logs"
    path = setup_logging("DEBUG", log_dir=folder)
    assert path is not None
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # SQL with its parameters
    try:
        yield folder
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
        logging.getLogger().handlers.clear()


@settings(
    max_examples=1, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ids=st.lists(id_numbers(), min_size=PEOPLE * 2, max_size=PEOPLE * 2, unique=True),
    phones=st.lists(mobiles(), min_size=PEOPLE * 2, max_size=PEOPLE * 2, unique=True),
)
def test_a_counter_day_leaves_no_id_number_or_phone_in_any_log(
    world: Centre990101,  # noqa: F811
    debug_log: Path,
    ids: list[str],
    phones: list[str],
) -> None:
    clerk = world.users["clerk1"]
    queue, residents, intake = (
        QueueService(world.ctx),
        ResidentService(world.ctx),
        IntakeService(world.ctx),
    )
    cases = CaseService(world.ctx)
    log = logging.getLogger("onewindow.counter")
    for i in range(PEOPLE):
        id_number, phone = ids[i], phones[i]
        agent_id, agent_phone = ids[PEOPLE + i], phones[PEOPLE + i]
        typed_id = typed_forms_of_id(id_number)[i % 6]
        typed_phone = typed_forms_of_mobile(phone)[i % 9]
        ticket = queue.issue_ticket(world.centre_id, "minzheng_jiuzhu", id_number=id_number)
        called = queue.call_next(world.counters[3], clerk)
        assert called is not None
        queue.start_serving(ticket.id, clerk)
        log.info("identify %s phone %s", typed_id, typed_phone)
        try:  # a mistyped check digit: the error and its traceback go to the log
            residents.check_id(id_number[:-1] + ("0" if id_number[-1] != "0" else "1"))
        except ValidationError:
            log.exception("bad id typed: %s", id_number[:-1])
        resident = residents.register(
            ResidentInput(id_number=typed_id, name="张秀兰", phone=phone), clerk
        )
        assert residents.lookup(id_number, clerk) is not None
        receipt = intake.accept(
            IntakeInput(
                counter_id=world.counters[3],
                resident_id=resident.id,
                matter_code="MZ-001",
                ticket_id=ticket.id,
                form_data=DIBAO_FORM,
                materials=tuple(
                    MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08")
                ),
                agent=AgentInput(agent_id, "张小明", "子女", agent_phone),
            ),
            clerk,
        )
        assert cases.search(clerk, id_number=id_number)[0].id == receipt.case_id
        assert cases.search(clerk, phone=phone)
        try:
            raise RuntimeError(f"printer jammed for {id_number} / +86 {phone}")
        except RuntimeError:
            log.exception("print failed")
        queue.finish(ticket.id, clerk)
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = list(debug_log.rglob("*"))
    text = "".join(f.read_text(encoding="utf-8") for f in files if f.is_file())
    assert "INSERT INTO resident" in text and "Traceback" in text  # the log did record the day
    for number in ids + phones:
        assert not leaks(text, number), number
