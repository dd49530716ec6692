"""延期 on papers: the 延期告知书 through DocumentService (text, Code128 and QR decoded by zbar), and
a receipt printed after a 延期 says when it was granted and the new due date (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.errors import IllegalTransition
from app.services.cases import CaseService
from app.services.documents import DocumentService
from app.services.supervision import SupervisionService
from tests.documents.doc_helpers import decode_codes, pdf_text
from tests.services.conftest import Centre990101
from tests.services.test_document_service import APPLICANT, _accepted


def test_extension_notice_and_receipt_say_when_and_until(world: Centre990101) -> None:
    clerk, boss = world.users["clerk1"], world.users["supervisor"]
    r = _accepted(world)
    docs = DocumentService(world.ctx)
    with pytest.raises(IllegalTransition, match="没有批准过延期"):
        docs.print_case(clerk, r.case_id, "extension")
    assert r.due_date == date(2026, 12, 24)

    world.clock.advance(days=3)  # granted on Thursday 26 November 2026
    SupervisionService(world.ctx).extend(
        r.case_id, boss, working_days=3, reason="需入户核查家庭收入", requested_by="department"
    )
    paper = docs.print_case(clerk, r.case_id, "extension")
    assert paper.kind_label == "延期告知书" and paper.paper == "A4"
    assert paper.file_name == f"延期告知书-{r.case_number}.pdf"
    text = pdf_text(paper.pdf)
    for words in (
        "延期告知书",
        "张秀兰",
        r.case_number,
        "原承诺于2026年12月24日前办结",
        "因需入户核查家庭收入",
        "经承办部门申请",
        f"本中心负责人（{boss.display_name}）批准",
        "办理期限延长3个工作日",
        "将于2026年12月29日前办结",
        "批准日期2026年11月26日",
    ):
        assert words in text, words
    assert APPLICANT not in text  # the ID number is masked
    codes = decode_codes(paper.pdf)
    assert ("CODE128", r.case_number) in codes
    assert ("QRCODE", f"OW:{r.case_number}:{r.verification_code}") in codes

    receipt = pdf_text(docs.print_case(clerk, r.case_id, "receipt", paper="A4").pdf)
    assert "预计于2026年12月29日前办结" in receipt
    assert "2026年11月26日批准延期3个工作日，办结期限由2026年12月24日延至2026年12月29日" in receipt

    # A second 延期: the notice tells the latest, the receipt lists both; the timeline says so too.
    world.clock.advance(days=1)
    SupervisionService(world.ctx).extend(r.case_id, boss, working_days=2, reason="等待公示期满")
    latest = pdf_text(docs.print_case(clerk, r.case_id, "extension").pdf)
    assert "由2026年12月29日" not in latest and "原承诺于2026年12月29日前办结" in latest
    assert "将于2026年12月31日前办结" in latest and "经窗口申请" in latest
    receipt = pdf_text(docs.print_case(clerk, r.case_id, "receipt", paper="A4").pdf)
    assert "延至2026年12月29日" in receipt and "延至2026年12月31日" in receipt
    events = CaseService(world.ctx).timeline(r.case_id, clerk)
    extensions = [e for e in events if e.event_type == "EXTEND"]
    assert [e.at.date() for e in extensions] == [
        (world.clock.now - timedelta(days=1)).date(),
        world.clock.now.date(),
    ]
    assert "延至 2026-12-31" in extensions[-1].note
    assert [h.kind_label for h in docs.history(clerk, r.case_id)].count("延期告知书") == 2
