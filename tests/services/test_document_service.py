"""DocumentService: a case's papers composed from the database, recorded in one transaction, listed
in the case's history and reprinted byte for byte after a restart (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

import pytest
from sqlalchemy import select

from app.db.models import AuditRecord, PrintedDocument
from app.domain.errors import IllegalTransition, ValidationError
from app.services.bootstrap import Services
from app.services.context import ServiceContext
from app.services.counter_dto import IntakeInput, MaterialInput
from app.services.documents import DocumentService
from app.services.intake import IntakeService
from app.services.permissions import PermissionDenied
from app.services.residents import ResidentInput, ResidentService
from tests.documents.doc_helpers import decode_codes, pdf_text
from tests.services.conftest import DIBAO_FORM, Centre990101, make_id

APPLICANT = make_id("11010119580307123")


def _accepted(world: Centre990101):  # type: ignore[no-untyped-def]
    clerk = world.users["clerk1"]
    resident = ResidentService(world.ctx).register(
        ResidentInput(id_number=APPLICANT, name="张秀兰", phone="13800138000"), clerk
    )
    mats = tuple(MaterialInput(c) for c in ("M01", "M02", "M03", "M04", "M05", "M08"))
    return IntakeService(world.ctx).accept(
        IntakeInput(world.counters[3], resident.id, "MZ-001", DIBAO_FORM, mats), clerk
    )


def test_print_records_the_exact_bytes_with_who_and_when(world: Centre990101) -> None:
    clerk = world.users["clerk1"]
    r = _accepted(world)
    docs = DocumentService(world.ctx)
    paper = docs.print_case(clerk, r.case_id, "receipt", paper="A4")
    text = pdf_text(paper.pdf)
    assert r.case_number in text and "张秀兰" in text and "最低生活保障" in text
    assert APPLICANT not in text  # masked
    assert paper.file_name == f"受理回执-{r.case_number}.pdf"
    assert paper.record.sha256 == hashlib.sha256(paper.pdf).hexdigest()
    assert paper.record.printed_by == clerk.id and paper.record.printed_at == world.clock.now
    assert ("CODE128", r.case_number) in decode_codes(paper.pdf)
    with world.ctx.uow(read_only=True) as uow:
        kept = uow.session.scalars(select(PrintedDocument)).one()
        assert bytes(kept.content) == paper.pdf and kept.case_id == r.case_id
        assert uow.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "document_printed")
        ).one()
    with pytest.raises(IllegalTransition, match="尚未办结"):
        docs.print_case(clerk, r.case_id, "completion")
    with pytest.raises(IllegalTransition, match="一次性告知书"):
        docs.print_case(clerk, r.case_id, "supplement")


def test_reprint_sends_the_stored_bytes_of_the_chosen_print_after_a_restart(
    world: Centre990101, db_url: str
) -> None:
    clerk, other = world.users["clerk1"], world.users["clerk2"]
    r = _accepted(world)
    first = DocumentService(world.ctx).print_case(clerk, r.case_id, "receipt")
    world.clock.advance(minutes=5)
    a4 = DocumentService(world.ctx).print_case(clerk, r.case_id, "receipt", paper="A4")
    assert first.paper == "80mm" and a4.paper == "A4" and first.pdf != a4.pdf

    restarted = Services(ServiceContext.for_url(db_url, clock=world.clock))
    try:
        docs = restarted.documents
        history = docs.history(other, r.case_id)
        assert [h.id for h in history] == [a4.record.id, first.record.id]  # newest first
        assert {h.kind_label for h in history} == {"受理回执"}
        assert history[0].printed_by == clerk.display_name and not history[0].reprint
        assert history[1].printed_at.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]
        for empty in ("", "   "):
            with pytest.raises(ValidationError, match="补打须填写原因"):
                docs.reprint(other, first.record.id, empty)
        world.clock.advance(minutes=5)
        again = docs.reprint(other, first.record.id, "申请人遗失回执")
        assert again.pdf == first.pdf and again.paper == "80mm"
        assert (
            again.record.reprint_of == first.record.id and again.record.reason == "申请人遗失回执"
        )
        newest = docs.history(other, r.case_id)[0]
        assert newest.reprint and newest.reason == "申请人遗失回执"
        assert newest.printed_by == other.display_name
    finally:
        restarted.close()


def test_papers_of_other_outcomes_come_from_the_case(world: Centre990101) -> None:
    clerk = world.users["clerk2"]
    intake, docs = IntakeService(world.ctx), DocumentService(world.ctx)
    resident = ResidentService(world.ctx).register(
        ResidentInput(id_number=make_id("11010119950101002"), name="刘洋"), clerk
    )
    done = intake.complete_on_spot(
        IntakeInput(
            world.counters[5],
            resident.id,
            "JY-001",
            {
                "education": "本科",
                "unemployment_date": "2026-10-31",
                "unemployment_reason": "解除或终止劳动合同",
            },
            (MaterialInput("M01"), MaterialInput("M02")),
        ),
        clerk,
    )
    text = pdf_text(docs.print_case(clerk, done.case_id, "completion").pdf)
    assert "准予办理" in text and "刘洋" in text and "当场办结" in text
    refused = intake.reject_at_intake(
        IntakeInput(world.counters[5], resident.id, "MZ-001"), clerk, reason="户籍不在本街道"
    )
    notice = docs.print_case(clerk, refused.case_id, "rejection")
    text = pdf_text(notice.pdf)
    assert refused.document_number in text and "户籍不在本街道" in text
    assert "人民政府申请行政复议" in text and "人民法院提起行政诉讼" in text
    assert notice.record.document_number == refused.document_number
    with pytest.raises(ValidationError, match="只能用 A4"):
        docs.print_case(clerk, refused.case_id, "rejection", paper="80mm")


def test_centre_settings_reach_the_papers_and_only_an_admin_sets_them(
    world: Centre990101, db_url: str
) -> None:
    services = Services(world.ctx)
    with pytest.raises(PermissionDenied):  # the permission table: system administrators only
        services.centre_settings.update(world.users["clerk1"], court="某法院")
    with pytest.raises(ValidationError, match="监督电话"):
        services.centre_settings.update(world.users["admin"], supervision_phone="010-6512345x")
    with pytest.raises(ValidationError, match="时区"):
        services.centre_settings.update(world.users["admin"], time_zone="Mars/Olympus")
    before = services.centre_settings.get(world.centre_id)
    assert before.source == "default" and before.max_recalls == 2
    view = services.centre_settings.update(
        world.users["admin"],
        review_body="秣陵区人民政府",
        court="秣陵区人民法院",
        rejection_prefix="秣便不受字",
        office_hours="周一至周五 8:30—17:30",
        max_recalls=3,
    )
    assert view.source == "centre" and view.court == "秣陵区人民法院"
    assert services.queue.max_recalls == 3
    clerk = world.users["clerk1"]
    resident = ResidentService(world.ctx).register(
        ResidentInput(id_number=APPLICANT, name="张秀兰"), clerk
    )
    refused = services.intake.reject_at_intake(
        IntakeInput(world.counters[3], resident.id, "MZ-001"), clerk, reason="户籍不在本街道"
    )
    assert refused.document_number == "秣便不受字〔2026〕第1号"
    text = pdf_text(services.documents.print_case(clerk, refused.case_id, "rejection").pdf)
    assert "秣便不受字〔2026〕第1号" in text and "秣陵区人民法院" in text
    assert "秣陵区人民政府申请行政复议" in text


def test_district_published_settings_are_applied_for_this_centre_only(
    world: Centre990101,
) -> None:
    from app.sync.apply import apply_changes
    from app.sync.protocol import Change

    def change(pos: int, payload: dict[str, object]) -> Change:
        return Change(
            pos=pos, entity="centre_settings", entity_id=uuid.uuid4(), op="upsert", payload=payload
        )

    with world.ctx.uow() as uow:
        used = apply_changes(
            uow,
            [
                change(1, {"centre_code": "990101", "court": "秣陵区人民法院", "max_recalls": 4}),
                change(2, {"centre_code": "990199", "court": "别的法院"}),
                change(3, {"centre_code": "990101", "time_zone": "Nowhere/At_All"}),
            ],
        )
    assert used == 3
    st = Services(world.ctx).centre_settings.get(world.centre_id)
    assert (st.court, st.max_recalls, st.source) == ("秣陵区人民法院", 4, "district")
    assert st.time_zone == "Asia/Shanghai"  # a bad value keeps the old one


def test_supplement_notice_lists_every_item_with_number_deadline_and_the_matters_basis(
    world: Centre990101,
) -> None:
    services = Services(world.ctx)
    services.centre_settings.update(world.users["admin"], supplement_prefix="秣便补字")
    clerk = world.users["clerk1"]
    resident = services.residents.register(ResidentInput(id_number=APPLICANT, name="张秀兰"), clerk)
    deadline = date(2026, 12, 7)
    notice = services.intake.request_supplement(
        IntakeInput(
            world.counters[3],
            resident.id,
            "MZ-002",
            {},
            (MaterialInput("M01"), MaterialInput("M02", "defective", note="复印件缺本人页")),
        ),
        clerk,
        supplement_deadline=deadline,
    )
    assert notice.document_number == "秣便补字〔2026〕第1号"
    paper = services.documents.print_case(clerk, notice.case_id, "supplement")
    assert paper.file_name == f"一次性告知书-{notice.case_number}.pdf"
    text = pdf_text(paper.pdf)
    assert "秣便补字〔2026〕第1号" in text and "2026年12月7日前" in text
    assert "复印件缺本人页" in text and "张秀兰" in text
    for label in notice.missing_fields:
        assert f"申请表“{label}”" in text
    assert notice.missing_fields and "社会救助暂行办法" in text
    assert "行政许可法" not in text  # 临时救助 is no licence


def test_wording_to_a_person_and_on_the_spot(world: Centre990101) -> None:
    services = Services(world.ctx)
    clerk = world.users["clerk2"]
    r = _accepted(world)
    receipt = pdf_text(services.documents.print_case(clerk, r.case_id, "receipt", paper="A4").pdf)
    assert "您于" in receipt and "您（单位）" not in receipt
    resident = services.residents.register(
        ResidentInput(id_number=make_id("11010119950101002"), name="刘洋"), clerk
    )
    done = services.intake.complete_on_spot(
        IntakeInput(
            world.counters[5],
            resident.id,
            "JY-001",
            {
                "education": "本科",
                "unemployment_date": "2026-10-31",
                "unemployment_reason": "解除或终止劳动合同",
            },
            (MaterialInput("M01"), MaterialInput("M02")),
        ),
        clerk,
    )
    text = pdf_text(services.documents.print_case(clerk, done.case_id, "completion").pdf)
    assert "领取时间" not in text and "当场交付" in text
