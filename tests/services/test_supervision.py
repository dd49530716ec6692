"""督办 and 延期 through the case state machine, and the warning/overdue lists in working days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.db.models import OutboxOp
from app.domain.errors import IllegalTransition, ValidationError
from app.services.cases import CaseService
from app.services.counter_dto import IntakeInput, MaterialInput
from app.services.intake import IntakeService
from app.services.residents import ResidentInput, ResidentService
from app.services.supervision import SupervisionService
from tests.services.conftest import DIBAO_FORM, Centre990101, make_id

MATERIALS = tuple(MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08"))


def _dibao(world: Centre990101, id17: str, name: str):  # type: ignore[no-untyped-def]
    clerk = world.users["clerk1"]
    resident = ResidentService(world.ctx).register(
        ResidentInput(id_number=make_id(id17), name=name, phone="13800138000"), clerk
    )
    return IntakeService(world.ctx).accept(
        IntakeInput(world.counters[3], resident.id, "MZ-001", DIBAO_FORM, MATERIALS), clerk
    )


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 09:00 in China


def test_extension_moves_the_due_date_and_says_so(world: Centre990101) -> None:
    clerk, boss = world.users["clerk1"], world.users["supervisor"]
    service = SupervisionService(world.ctx)
    a = _dibao(world, "11010119580307123", "张秀兰")
    b = _dibao(world, "11010119600512234", "王建国")
    assert a.due_date == b.due_date == date(2026, 12, 24)  # 23 working days after Mon 23 Nov

    with pytest.raises(IllegalTransition, match="值班长"):
        service.extend(b.case_id, clerk, working_days=3, reason="需补充调查")
    with pytest.raises(IllegalTransition, match="值班长"):
        service.supervise(b.case_id, clerk, "抓紧办理")
    for days in (0, 31):
        with pytest.raises(ValidationError, match="1 至 30 个工作日"):
            service.extend(b.case_id, boss, working_days=days, reason="需补充调查")
    with pytest.raises(ValidationError, match="延期理由"):
        service.extend(b.case_id, boss, working_days=3, reason=" ")
    with pytest.raises(ValidationError, match="申请方"):
        service.extend(b.case_id, boss, working_days=3, reason="需调查", requested_by="resident")

    granted = service.extend(
        b.case_id, boss, working_days=3, reason="需入户调查家庭收入", requested_by="department"
    )
    # Fri 25, Mon 28, Tue 29 December.
    assert (granted.old_due, granted.new_due) == (date(2026, 12, 24), date(2026, 12, 29))
    detail = CaseService(world.ctx).detail(b.case_id, boss)
    assert detail.summary.due_date == date(2026, 12, 29) and detail.summary.status == "ROUTED"
    last = detail.events[-1]
    assert last.event_type == "EXTEND" and last.label == "延期" and last.status_after == "ROUTED"
    assert "由 2026-12-24 延至 2026-12-29" in last.note and "部门申请" in last.note
    assert boss.display_name in last.note and last.detail["working_days"] == 3

    with world.ctx.uow(read_only=True) as uow:
        ops = list(
            uow.session.execute(
                select(OutboxOp.entity, OutboxOp.payload)
                .where(OutboxOp.entity != "audit_record")
                .order_by(OutboxOp.seq.desc())
                .limit(2)
            )
        )
    synced = {entity: payload for entity, payload in ops}
    assert synced["case_event"]["event_type"] == "EXTEND"
    assert synced["case_file"]["due_date"] == "2026-12-29"
    assert synced["case_file"]["extended_days"] == 3


def test_warning_and_overdue_lists_in_working_days(world: Centre990101) -> None:
    boss = world.users["supervisor"]
    service = SupervisionService(world.ctx)
    a = _dibao(world, "11010119580307123", "张秀兰")
    b = _dibao(world, "11010119600512234", "王建国")
    service.extend(b.case_id, boss, working_days=3, reason="需入户调查")  # due Tue 29 Dec
    assert service.deadline_lists(boss).warning == ()

    world.clock.now = _at(date(2026, 12, 21))  # Mon: A has 3 working days left, not yet warned
    assert service.deadline_lists(boss).warning == ()
    assert [c.id for c in service.deadline_lists(boss, warn_days=3).warning] == [a.case_id]

    world.clock.now = _at(date(2026, 12, 22))  # Tue: 23, 24 left
    lists = service.deadline_lists(boss)
    assert [(c.id, c.working_days_left) for c in lists.warning] == [(a.case_id, 2)]
    assert lists.overdue == () and not lists.warning[0].supervised

    service.supervise(a.case_id, boss, "请民政科本周内办结")
    [marked] = service.deadline_lists(boss).warning
    assert marked.supervised and marked.supervision_note == "督办：请民政科本周内办结"
    timeline = CaseService(world.ctx).timeline(a.case_id, boss)
    assert timeline[-1].label == "督办" and timeline[-1].status_after == "ROUTED"

    world.clock.now = _at(date(2026, 12, 25))  # Fri: A overdue, B has 28, 29 left
    lists = service.deadline_lists(boss)
    assert [(c.id, c.working_days_left, c.overdue) for c in lists.overdue] == [
        (a.case_id, -1, True)
    ]
    assert [(c.id, c.working_days_left, c.extended_days) for c in lists.warning] == [
        (b.case_id, 2, 3)
    ]
    with pytest.raises(ValidationError):
        service.deadline_lists(boss, warn_days=-1)


def test_supervision_only_where_the_state_machine_allows(world: Centre990101) -> None:
    boss, clerk = world.users["supervisor"], world.users["clerk1"]
    service = SupervisionService(world.ctx)
    resident = ResidentService(world.ctx).register(
        ResidentInput(id_number=make_id("11010119580307123"), name="张秀兰"), clerk
    )
    pending = IntakeService(world.ctx).request_supplement(
        IntakeInput(
            world.counters[1],
            resident.id,
            "MZ-001",
            DIBAO_FORM,
            tuple(
                MaterialInput(c, "missing" if c == "M04" else "received")
                for c in ("M01", "M02", "M03", "M04", "M05", "M08")
            ),
        ),
        clerk,
    )
    service.supervise(pending.case_id, boss, "督促群众补正")  # allowed while waiting
    with pytest.raises(IllegalTransition, match="不能执行“延期”"):
        service.extend(pending.case_id, boss, working_days=2, reason="补正期间")
    CaseService(world.ctx).withdraw(pending.case_id, clerk, "申请人不再申请")
    with pytest.raises(IllegalTransition, match="不能执行“督办”"):
        service.supervise(pending.case_id, boss, "再督办")
