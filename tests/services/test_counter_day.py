"""A whole counter day through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.db.models import (
    AuditRecord,
    Case,
    CaseEvent,
    CaseMaterial,
    FollowUp,
    OutboxOp,
    Rating,
    Ticket,
)
from app.domain.case_states import CaseStatus
from app.domain.errors import IllegalTransition, ValidationError
from app.services.cases import CaseService
from app.services.counter_dto import AgentInput, IntakeInput, MaterialInput
from app.services.follow_ups import FollowUpService
from app.services.intake import IntakeService
from app.services.prints import PrintService
from app.services.queue import QueueService
from app.services.ratings import RatingService
from app.services.residents import ResidentInput, ResidentService
from tests.services.conftest import DIBAO_FORM, Centre990101, count_rows, make_id

APPLICANT = make_id("11010119580307123")  # 68 years old in 2026
AGENT = make_id("11010119900307109")


def _dibao_materials(**override: MaterialInput) -> tuple[MaterialInput, ...]:
    base = {c: MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08")}
    base.update(override)
    return tuple(base.values())


def _resident(world: Centre990101, id_number: str = APPLICANT, name: str = "张秀兰"):  # type: ignore[no-untyped-def]
    return ResidentService(world.ctx).register(
        ResidentInput(id_number=id_number, name=name, phone="13800138000"), world.users["clerk1"]
    )


def test_full_counter_day_for_a_promised_case(world: Centre990101) -> None:
    clerk, boss = world.users["clerk1"], world.users["supervisor"]
    queue = QueueService(world.ctx)
    ticket = queue.issue_ticket(world.centre_id, "minzheng_jiuzhu", id_number=APPLICANT)
    assert ticket.number == "C001" and ticket.priority == "elderly"
    second = queue.issue_ticket(world.centre_id, "minzheng_jiuzhu")
    assert second.waiting_ahead == 1
    called = queue.call_next(world.counters[3], clerk)
    assert called is not None and called.id == ticket.id and called.window_number == 3
    board = queue.board_state(world.centre_id)
    assert board.calls[0].text == "请 C001 号 到 3 号窗口"
    assert APPLICANT not in repr(board) and "张" not in repr(board)
    queue.start_serving(ticket.id, clerk)

    resident = _resident(world)
    assert ResidentService(world.ctx).lookup(APPLICANT, clerk) == resident
    receipt = IntakeService(world.ctx).accept(
        IntakeInput(
            counter_id=world.counters[3],
            resident_id=resident.id,
            matter_code="MZ-001",
            ticket_id=ticket.id,
            form_data=DIBAO_FORM,
            materials=_dibao_materials(
                M05=MaterialInput("M05", "deferred", promised_by=date(2026, 11, 30))
            ),
            agent=AgentInput(AGENT, "张小明", "子女", "13900139000"),
        ),
        clerk,
    )
    assert receipt.case_number == "990101202611230001"
    assert len(receipt.verification_code) == 6 and receipt.verification_code.isdigit()
    assert receipt.status == "ROUTED" and receipt.department == "民政"
    assert receipt.form_data["household_size"] == 3
    assert receipt.form_data["bank_account"] == "6222020012345678"
    assert receipt.due_date == date(2026, 12, 24)  # 23 working days after Mon 23 Nov
    assert receipt.window == "3号窗口" and receipt.agent_relationship == "子女"
    assert [m.state for m in receipt.materials if m.code == "M05"] == ["deferred"]
    cases = CaseService(world.ctx)
    assert [c.case_number for c in cases.routed_cases(clerk)] == [receipt.case_number]
    assert cases.routed_cases(clerk)[0].deadline == "normal"

    with pytest.raises(IllegalTransition):  # clerks cannot record a department decision
        cases.record_department_decision(receipt.case_id, clerk, "approve")
    world.clock.advance(days=10)
    cases.record_department_decision(
        receipt.case_id, boss, "accept", department="区民政局", reason="材料齐全，部门受理"
    )
    cases.record_department_decision(
        receipt.case_id, boss, "approve", department="区民政局", reason="符合低保条件"
    )
    with pytest.raises(IllegalTransition):  # a decided case cannot be withdrawn
        cases.withdraw(receipt.case_id, clerk, "不想办了")
    cases.notify_ready(receipt.case_id, clerk)
    assert [c.id for c in cases.ready_cases(clerk)] == [receipt.case_id]
    done = cases.deliver(receipt.case_id, clerk, collected_by="agent")
    assert done.status == CaseStatus.DELIVERED.name

    timeline = cases.timeline(receipt.case_id, clerk)
    assert [e.event_type for e in timeline] == [
        "RECEIVE",
        "ROUTE",
        "DEPARTMENT_ACCEPT",
        "APPROVE",
        "NOTIFY_READY",
        "DELIVER",
    ]
    # entered by the supervisor at the centre, on the department's behalf
    assert timeline[3].origin == "centre" and timeline[3].actor_name == "赵海峰"
    assert timeline[3].detail["on_behalf_of"] == "区民政局"
    assert "区民政局决定（值班长赵海峰代录）" in timeline[3].note
    assert timeline[-1].detail["collected_by"] == "agent"

    queue.finish(ticket.id, clerk)
    ratings = RatingService(world.ctx)
    rating = ratings.rate(clerk, ticket_id=ticket.id, case_id=receipt.case_id, level=5)
    assert rating.follow_up_id is None
    with pytest.raises(IllegalTransition, match="只能评价一次"):
        ratings.rate(clerk, case_id=receipt.case_id, level=4)

    for query in (
        {"case_number": receipt.case_number},
        {"id_number": APPLICANT},
        {"name": "张"},
        {"name": "张秀兰"},
        {"phone": "13800138000"},
        {"received_on": date(2026, 11, 23)},
    ):
        assert [c.id for c in cases.search(clerk, **query)] == [receipt.case_id], query  # type: ignore[arg-type]
    assert cases.search(clerk, name="李") == []

    with world.ctx.uow(read_only=True) as uow:
        s = uow.session
        entities = {e for e in s.scalars(select(OutboxOp.entity))}
        assert {
            "ticket",
            "case_file",
            "case_event",
            "case_material",
            "rating",
            "resident",
            "agent",
        } <= entities
        details = " ".join(str(a.detail) for a in s.scalars(select(AuditRecord)))
        assert APPLICANT not in details and "张秀兰" not in details


def test_immediate_case_completed_on_spot_and_prints_kept(world: Centre990101) -> None:
    clerk = world.users["clerk2"]
    resident = _resident(world, make_id("11010119950101002"), "刘洋")
    data = IntakeInput(
        counter_id=world.counters[5],
        resident_id=resident.id,
        matter_code="JY-001",
        form_data={
            "education": "本科",
            "unemployment_date": "2026-10-31",
            "unemployment_reason": "解除或终止劳动合同",
        },
        materials=(MaterialInput("M01"), MaterialInput("M02")),
    )
    done = IntakeService(world.ctx).complete_on_spot(data, clerk)
    assert done.kind == "completion" and done.status == "COMPLETED_ON_SPOT"
    with pytest.raises(IllegalTransition):
        CaseService(world.ctx).notify_ready(done.case_id, clerk)
    mz = IntakeInput(world.counters[3], resident.id, "MZ-001", DIBAO_FORM, _dibao_materials())
    with pytest.raises(IllegalTransition, match="不能当场办结"):
        IntakeService(world.ctx).complete_on_spot(mz, clerk)

    prints = PrintService(world.ctx)
    pdf = b"%PDF-1.4 completion notice\x00\xff"
    first = prints.record_print(clerk, "completion", pdf, case_id=done.case_id)
    with pytest.raises(ValidationError, match="补打须填写原因"):
        prints.record_print(clerk, "completion", b"%PDF again", reprint_of=first.id)
    again = prints.record_print(
        clerk, "completion", b"%PDF again", reprint_of=first.id, reason="申请人遗失"
    )
    assert again.case_id == done.case_id
    assert [p.id for p in prints.list_prints(done.case_id, clerk)] == [first.id, again.id]
    assert prints.get_print(first.id, clerk) == pdf


def test_supplement_stops_the_clock_and_resume_pushes_the_due_date(world: Centre990101) -> None:
    clerk = world.users["clerk1"]
    resident = _resident(world)
    intake = IntakeService(world.ctx)
    notice = intake.request_supplement(
        IntakeInput(
            world.counters[1],
            resident.id,
            "MZ-001",
            {"household_size": "2"},
            _dibao_materials(
                M04=MaterialInput("M04", "missing"),
                M03=MaterialInput("M03", "defective", note="复印件不清晰"),
            ),
        ),
        clerk,
    )
    assert notice.kind == "supplement" and notice.status == "SUPPLEMENT_REQUESTED"
    lacking = {m.code for m in notice.materials if m.state in ("missing", "defective")}
    assert {"M03", "M04"} <= lacking
    original_due = notice.due_date
    cases = CaseService(world.ctx)
    assert cases.search(clerk, case_number=notice.case_number)[0].deadline == "none"
    with pytest.raises(ValidationError, match="家庭月总收入"):
        intake.resume_after_supplement(notice.case_id, clerk)
    world.clock.advance(days=3)  # Thursday: 3 working days paused
    resumed = intake.resume_after_supplement(
        notice.case_id,
        clerk,
        materials=(MaterialInput("M03"), MaterialInput("M04")),
        form_data=DIBAO_FORM,
    )
    assert resumed.paused_days == 3 and resumed.status == "ROUTED"
    assert original_due is not None and resumed.due_date == date(2026, 12, 29)
    events = [e.event_type for e in cases.timeline(notice.case_id, clerk)]
    assert events == ["RECEIVE", "REQUEST_SUPPLEMENT", "RESUME", "ROUTE"]
    with pytest.raises(IllegalTransition):
        intake.resume_after_supplement(notice.case_id, clerk)


def test_refusals_number_their_notices(world: Centre990101) -> None:
    clerk = world.users["clerk3"]
    resident = _resident(world)
    intake = IntakeService(world.ctx)
    data = IntakeInput(world.counters[2], resident.id, "MZ-001")
    with pytest.raises(ValidationError, match="理由"):
        intake.reject_at_intake(data, clerk, reason="  ")
    first = intake.reject_at_intake(data, clerk, reason="户籍不在本街道")
    second = intake.reject_at_intake(data, clerk, reason="不属于受理范围", legal_basis="某条例")
    assert (first.document_number, second.document_number) == ("〔2026〕第1号", "〔2026〕第2号")
    assert first.status == "REJECTED_AT_INTAKE" and "社会救助暂行办法" in first.legal_basis
    with pytest.raises(IllegalTransition):
        intake.reject_case(first.case_id, clerk, reason="再次拒绝")


def test_invalid_form_data_saves_nothing(world: Centre990101) -> None:
    clerk = world.users["clerk1"]
    resident = _resident(world)
    intake = IntakeService(world.ctx)
    tables = (Case, CaseEvent, CaseMaterial, OutboxOp, AuditRecord, Ticket)
    before = count_rows(world.ctx, *tables)
    bad_forms = [
        ({**DIBAO_FORM, "household_size": "三"}, "共同生活家庭人口"),
        ({**DIBAO_FORM, "household_monthly_income": "12.345"}, "家庭月总收入"),
        ({**DIBAO_FORM, "bank_name": "银" * 41}, "开户银行"),
        ({k: v for k, v in DIBAO_FORM.items() if k != "application_reason"}, "申请理由"),
        ({**DIBAO_FORM, "has_disabled_member": "也许"}, "家庭成员中有残疾人"),
    ]
    for form, label in bad_forms:
        data = IntakeInput(world.counters[1], resident.id, "MZ-001", form, _dibao_materials())
        with pytest.raises(ValidationError, match=label):
            intake.accept(data, clerk)
    problems = intake.validate_form("JY-001", {"education": "博士", "unemployment_date": "x"})
    assert {p.key for p in problems} == {"education", "unemployment_date", "unemployment_reason"}
    not_deferrable = _dibao_materials(M01=MaterialInput("M01", "deferred", date(2026, 12, 1)))
    with pytest.raises(ValidationError, match="不适用容缺"):
        intake.accept(
            IntakeInput(world.counters[1], resident.id, "MZ-001", DIBAO_FORM, not_deferrable), clerk
        )
    with pytest.raises(ValidationError, match="一次性告知"):
        intake.accept(
            IntakeInput(
                world.counters[1],
                resident.id,
                "MZ-001",
                DIBAO_FORM,
                _dibao_materials(M04=MaterialInput("M04", "missing")),
            ),
            clerk,
        )
    assert count_rows(world.ctx, *tables) == before


def test_outbox_rows_roll_back_with_the_change(world: Centre990101) -> None:
    clerk = world.users["clerk1"]
    resident = _resident(world)
    before = count_rows(world.ctx, OutboxOp, Case, CaseEvent)
    intake = IntakeService(world.ctx)
    data = IntakeInput(world.counters[1], resident.id, "MZ-001", DIBAO_FORM, _dibao_materials())

    boom = RuntimeError("printer on fire")

    def explode(*_a: object, **_k: object) -> None:
        raise boom

    intake_result_mod = __import__("app.services.intake_core", fromlist=["intake_result"])
    original = intake_result_mod.intake_result
    intake_result_mod.intake_result = explode
    try:
        with pytest.raises(RuntimeError):
            intake.accept(data, clerk)
    finally:
        intake_result_mod.intake_result = original
    assert count_rows(world.ctx, OutboxOp, Case, CaseEvent) == before
    result = intake.accept(data, clerk)
    after = count_rows(world.ctx, OutboxOp, Case, CaseEvent)
    assert after["Case"] == before["Case"] + 1 and after["CaseEvent"] == before["CaseEvent"] + 2
    with world.ctx.uow(read_only=True) as uow:
        ops = list(
            uow.session.scalars(select(OutboxOp).where(OutboxOp.entity_id == result.case_id))
        )
        assert ops and ops[-1].payload["status"] == "ROUTED"
        assert ops[-1].payload["case_number"] == result.case_number


def test_queue_moves_and_bad_ratings(world: Centre990101) -> None:
    clerk, boss = world.users["clerk1"], world.users["supervisor"]
    queue = QueueService(world.ctx)
    a = queue.issue_ticket(world.centre_id, "shebao_yibao")
    b = queue.issue_ticket(world.centre_id, "shebao_yibao")
    t = queue.call_next(world.counters[1], clerk)
    assert t is not None and t.id == a.id
    with pytest.raises(IllegalTransition, match="重呼 2 次"):
        queue.skip(a.id, clerk)
    queue.recall(a.id, clerk)
    assert queue.recall(a.id, clerk).recall_count == 2
    assert queue.skip(a.id, clerk).status == "no_show"
    assert queue.requeue(a.id, clerk).status == "waiting"
    again = queue.call_next(world.counters[2], clerk)
    assert again is not None and again.id == a.id
    moved = queue.transfer(a.id, clerk, comment="需办理就业业务", to_group="jiuye_chuangye")
    assert moved.queue_group == "jiuye_chuangye" and moved.front
    with pytest.raises(ValidationError):
        queue.transfer(b.id, clerk, comment="")
    first = queue.call_next(world.counters[6], clerk)  # window 6 serves 就业 only
    assert first is not None and first.id == a.id and first.window_number == 6
    queue.hold(a.id, clerk)
    queue.resume(a.id, clerk)
    assert queue.waiting_list(world.centre_id)[0].id == a.id
    back = queue.call_next(world.counters[6], clerk)  # the holding window takes it back
    assert back is not None and back.id == a.id
    with pytest.raises(IllegalTransition):
        queue.resume(a.id, clerk)
    queue.finish(a.id, clerk)

    ratings = RatingService(world.ctx)
    with pytest.raises(ValidationError, match="不满意的原因"):
        ratings.rate(clerk, ticket_id=a.id, level=1)
    bad = ratings.rate(clerk, ticket_id=a.id, level=1, comment="等待时间太长")
    assert bad.follow_up_id is not None
    follow_ups = FollowUpService(world.ctx)
    open_ = follow_ups.list_open(boss)
    assert [f.id for f in open_] == [bad.follow_up_id] and open_[0].ticket_number == a.number
    follow_ups.record_call_back(bad.follow_up_id, boss, resident_said="理解", satisfied=True)
    follow_ups.record_rectification(bad.follow_up_id, boss, "高峰时段增开窗口")
    follow_ups.close(bad.follow_up_id, boss, "已电话回访致歉")
    assert follow_ups.list_open(boss) == []
    assert count_rows(world.ctx, Rating, FollowUp) == {"Rating": 1, "FollowUp": 1}
