"""The Chinese text of every document kind: centre, matter, masked ID, dates, rights, numbers."""

from __future__ import annotations

from datetime import date

import pytest
from doc_helpers import assert_within_page, fragments, page_count, pdf_text

from app.documents import format_date_cn, format_document_number
from app.documents.demo import (
    DEMO_CASE,
    DEMO_CENTRE,
    DEMO_ID,
    DEMO_ID_MASKED,
    demo_completion,
    demo_receipt,
    demo_rejection,
    demo_supplement,
    demo_ticket,
)
from app.documents.notices import rights_wording
from app.documents.render import render


def test_date_and_number_helpers() -> None:
    assert format_date_cn(date(2026, 11, 23)) == "2026年11月23日"
    assert format_date_cn(date(2026, 3, 5)) == "2026年3月5日"
    assert format_document_number(2026, 12) == "〔2026〕第12号"
    assert format_document_number(2027, 1, "秣便不受字") == "秣便不受字〔2027〕第1号"
    with pytest.raises(ValueError):
        format_document_number(2026, 0)


@pytest.mark.parametrize(
    "kind", ["ticket", "receipt", "receipt-80mm", "supplement", "rejection", "completion", "form"]
)
def test_every_kind_names_the_centre(rendered: dict[str, bytes], kind: str) -> None:
    assert rendered[kind].startswith(b"%PDF")
    assert DEMO_CENTRE.name in pdf_text(rendered[kind])


def test_ticket_slip(rendered: dict[str, bytes]) -> None:
    t = pdf_text(rendered["ticket"])
    d = demo_ticket()
    for s in (
        "排队号票",
        "A017",
        "综合受理",
        "您前面还有4人等候",
        "2026年11月23日09:05",
        d.guidance.replace(" ", ""),
    ):
        assert s in t


@pytest.mark.parametrize("kind", ["receipt", "receipt-80mm"])
def test_receipt(rendered: dict[str, bytes], kind: str) -> None:
    t = pdf_text(rendered[kind])
    d = demo_receipt()
    assert ("受理通知书" if kind == "receipt" else "受理回执") in t
    for s in (
        DEMO_CASE,
        "最低生活保障",
        "MZ-001",
        "王秀兰",
        DEMO_ID_MASKED,
        "张伟",
        "子女",
        "2026年11月23日",
        "20个工作日",
        "2026年12月21日",
        "李明",
        "3号窗口",
        "近3个月收入证明",
        "2026年11月30日",
        "0571-88880000",
        "0571-88880001",
    ):
        assert s in t, s
    for m in d.materials:
        assert m.name in t
    assert DEMO_ID not in t  # only the masked number is printed


def test_supplement_notice(rendered: dict[str, bytes]) -> None:
    t = pdf_text(rendered["supplement"])
    d = demo_supplement()
    for s in (
        "一次性告知书",
        "残疾人两项补贴",
        DEMO_ID_MASKED,
        "（国发〔2015〕52号）的规定",  # the matter's own basis: a subsidy is no licence
        "2026年12月7日前",
        "申请人签收",
        "秣便补字〔2026〕第5号",
    ):
        assert s in t, s
    assert "行政许可法" not in t
    for item in d.items:
        for s in (item.name, item.problem, item.requirement, item.where_to_get):
            assert s in t, s


def test_rejection_notice(rendered: dict[str, bytes]) -> None:
    t = pdf_text(rendered["rejection"])
    d = demo_rejection()
    for s in (
        "不予受理通知书",
        "秣便不受字〔2026〕第12号",
        "失业登记",
        DEMO_ID_MASKED,
        d.reason,
        d.legal_basis,
        "60日内",
        "申请行政复议",
        "6个月内",
        "提起行政诉讼",
        "示范区人民政府",
        "示范区人民法院",
        "2026年11月23日",
    ):
        assert s in t, s
    assert "".join(rights_wording(d.review_body, d.court).split()) in t


def test_completion_notice(rendered: dict[str, bytes]) -> None:
    t = pdf_text(rendered["completion"])
    d = demo_completion()
    for s in (
        "办结通知书",
        "领取凭证",
        "《就业创业证》申领",
        DEMO_ID_MASKED,
        "准予办理",
        "2026年11月16日",
        "2026年11月23日",
        "2026年12月31日",
        "领取人签名",
        "".join(d.collect_place.split()),
        "".join(d.collect_time.split()),
    ):
        assert s in t, s


def test_application_form_carries_full_id(rendered: dict[str, bytes]) -> None:
    t = pdf_text(rendered["form"])
    for s in (
        "最低生活保障申请表",
        DEMO_ID,
        "1968年3月14日",
        "和平社区",
        "3人",
        "1860.00元",
        "申请人签名",
        "本人承诺",
    ):
        assert s in t, s


def test_receipt_with_25_materials_continues_on_page_two() -> None:
    data = demo_receipt(materials=25)
    a4 = render("receipt", data, paper="A4")
    assert page_count(a4) == 2
    t = pdf_text(a4)
    assert "受理通知书（续）" in t and "第2页/共2页" in t
    for m in data.materials:
        assert m.name in t
    roll = render("receipt", data, paper="80mm")
    assert page_count(roll) == 1
    assert "其他证明材料（第25项）" in pdf_text(roll)


def test_long_names_wrap_and_survive() -> None:
    from dataclasses import replace

    long_name = "阿卜杜热合曼·买买提艾力·艾合买提江·库尔班" * 2
    data = replace(
        demo_receipt(),
        applicant_name=long_name,
        matter_name="困难残疾人生活补贴和重度残疾人护理补贴申请（含跨区通办、承诺制）" * 2,
    )
    for paper in ("A4", "80mm"):
        pdf = render("receipt", data, paper=paper)
        assert "".join(long_name.split()) in pdf_text(pdf)
        assert_within_page(pdf)


@pytest.mark.parametrize(
    "kind", ["ticket", "receipt", "receipt-80mm", "supplement", "rejection", "completion", "form"]
)
def test_no_text_runs_off_the_page(rendered: dict[str, bytes], kind: str) -> None:
    assert_within_page(rendered[kind])


def test_immediate_case_without_agent_or_deferred_items() -> None:
    from dataclasses import replace

    data = replace(
        demo_receipt(),
        agent=None,
        deferred=(),
        promised_completion_date=None,
        promised_working_days=0,
        materials=(),
        case_type="即办件",
        deciding_body="",
    )
    for paper in ("A4", "80mm"):
        t = pdf_text(render("receipt", data, paper=paper))
        assert "即办件，当场办结" in t
        assert "代办人" not in t and "容缺" not in t
    assert "齐全、符合法定形式" in pdf_text(render("receipt", data))


@pytest.mark.parametrize("kind", ["receipt", "supplement", "rejection", "completion"])
def test_seal_placeholder_leaves_the_centre_name_and_date_legible(
    rendered: dict[str, bytes], kind: str
) -> None:
    """The dashed circle (radius 12 mm around the 盖章处 label) ends left of the printed name and
    date it belongs to, and the A4 receipt still fits on one page."""
    frags = fragments(rendered[kind])
    label = [f for f in frags if "盖章处" in f.text][-1]
    centre_x = label.x + 2.5 * label.size  # the label is five 7 pt glyphs drawn centred
    name = [f for f in frags if f.text.strip() == DEMO_CENTRE.name and f.size == 11][-1]
    when = next(f for f in frags if f.page == label.page and "年" in f.text and f.y < name.y)
    radius = 12 * 72 / 25.4
    assert centre_x + radius < min(name.x, when.x), (kind, centre_x, name.x, when.x)
    if kind == "receipt":
        assert page_count(rendered[kind]) == 1
