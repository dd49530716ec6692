"""Residents are validated before anything is saved; demo data is realistic and internally consistent."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select
from stdnum.cn import ric

from app.db.models import AuditRecord, Case, CaseEvent, OutboxOp, Resident, Ticket
from app.domain.case_states import CaseEventType, CaseStatus, replay
from app.domain.errors import ValidationError
from app.domain.identity import parse_id_number
from app.services.context import ServiceContext
from app.services.demo_data import generate_demo_data
from app.services.residents import ResidentInput, ResidentService
from app.services.setup import initialise

VALID_ID = "11010519491231002X"  # the GB 11643 worked example


@pytest.fixture
def ctx(db_url: str):  # type: ignore[no-untyped-def]
    context = ServiceContext.for_url(db_url)
    initialise(context)
    yield context
    context.close()


def _count(ctx: ServiceContext, model: type) -> int:
    with ctx.uow(read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_register_then_lookup_masks_and_audits_without_personal_data(ctx: ServiceContext) -> None:
    residents = ResidentService(ctx)
    view = residents.register(
        ResidentInput(VALID_ID, "张三明", phone="138 1234 5678", address="幸福路1号")
    )
    assert view.id_number_masked == "110105********002X"
    assert view.name_masked == "张*明" and view.phone_masked == "138****5678"
    assert view.sex == "女" and str(view.birth_date) == "1949-12-31"
    again = residents.lookup(
        "１１０１０５１９４９１２３１００２ｘ"
    )  # full-width, as an IME types it
    assert again is not None and again.id == view.id
    unknown = "11010119900307123"
    assert residents.lookup(unknown + ric.calc_check_digit(unknown + "0")) is None
    with ctx.uow(read_only=True) as uow:
        details = [str(a.detail) for a in uow.session.scalars(select(AuditRecord))]
        outbox = list(uow.session.scalars(select(OutboxOp).where(OutboxOp.entity == "resident")))
    assert details and all("张" not in d and VALID_ID not in d for d in details)
    assert len(outbox) == 1


@pytest.mark.parametrize(
    ("id_number", "name", "phone", "message"),
    [
        ("11010519491231002", "张三", "", "长度"),
        ("110105194912310021", "张三", "", "校验位错误"),
        ("110105199902300025", "张三", "", "出生日期不存在"),
        (VALID_ID, "", "", "请填写姓名"),
        (VALID_ID, "张" * 51, "", "不能超过 50 个字"),
        (VALID_ID, "张三", "1381234567", "手机"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    ctx: ServiceContext, id_number: str, name: str, phone: str, message: str
) -> None:
    before = (_count(ctx, Resident), _count(ctx, OutboxOp), _count(ctx, AuditRecord))
    with pytest.raises(ValidationError) as err:
        ResidentService(ctx).register(ResidentInput(id_number, name, phone=phone))
    assert message in err.value.message
    assert (_count(ctx, Resident), _count(ctx, OutboxOp), _count(ctx, AuditRecord)) == before


def test_demo_data_is_consistent(ctx: ServiceContext) -> None:
    report = generate_demo_data(ctx, days=40, seed=7, tickets_per_day=40)
    assert report.days >= 25 and report.tickets > 800 and report.cases > 400
    assert report.events >= report.cases and report.ratings > 0
    assert {"DELIVERED", "COMPLETED_ON_SPOT", "REJECTED_AT_INTAKE"} <= set(report.per_state)
    with ctx.uow(read_only=True) as uow:
        s = uow.session
        events: dict[object, list[CaseEventType]] = defaultdict(list)
        for e in s.scalars(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)):
            events[e.case_id].append(CaseEventType[e.event_type])
        for case in s.scalars(select(Case)):
            assert replay(events[case.id]) == CaseStatus[case.status]
            assert case.case_number.startswith("990101")
        numbers = s.execute(select(Ticket.business_date, Ticket.number)).all()
        assert len(numbers) == len(set(numbers))
        for (id_number,) in s.execute(select(Resident.id_number).limit(200)):
            parse_id_number(id_number)
        outbox = list(s.execute(select(OutboxOp.seq, OutboxOp.entity)).all())
    seqs = sorted(seq for seq, _ in outbox)
    assert seqs == list(range(1, len(seqs) + 1))  # gap-free, ready for the hub
    entities = {e for _, e in outbox}
    assert {"resident", "ticket", "case_file", "case_event", "case_material", "rating"} <= entities
    assert len(outbox) >= report.residents + report.tickets + report.cases + report.events
    # a second run fills only the days not yet filled
    assert generate_demo_data(ctx, days=40, seed=8, tickets_per_day=10).tickets == 0
    more = generate_demo_data(ctx, days=50, seed=8, tickets_per_day=10)
    assert 0 < more.days <= 10 and more.tickets > 0
