"""Realistic demo data for every document kind (fictional people), and `print_demo` behind `onewindow print`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.documents.model import (
    AgentInfo,
    ApplicantFields,
    ApplicationFormData,
    CentreInfo,
    CompletionNoticeData,
    DeferredItem,
    DocumentKind,
    ExtensionNoticeData,
    MissingMaterial,
    ReceiptData,
    ReceivedMaterial,
    RejectionNoticeData,
    SupplementNoticeData,
    TicketSlipData,
    format_document_number,
)
from app.domain.masking import mask_id_number

DEMO_CENTRE = CentreInfo(
    name="示范区幸福街道便民服务中心",
    address="示范区幸福路88号便民服务中心一楼",
    enquiry_phone="0571-8888 0000",
    supervision_phone="0571-8888 0001",
    seal_text="示范区幸福街道便民服务中心",
    office_hours="工作日 9:00—12:00，13:30—17:00",
)

DEMO_DAY = date(2026, 11, 23)
# A fictional resident with a checksum-valid ID number (county code 320115, born 1968-03-14).
DEMO_NAME = "王秀兰"
DEMO_ID = "32011519680314422X"
DEMO_ID_MASKED = mask_id_number(DEMO_ID)
DEMO_AGENT_ID = "320115197905120517"
DEMO_CASE = "320115202611230017"
DEMO_CODE = "7K3Q9P"

# matter code -> (layout, matter name, form values)
DEMO_MATTERS: dict[str, tuple[str, str, dict[str, str]]] = {
    "MZ-001": (
        "dibao",
        "最低生活保障",
        {
            "household_size": "3",
            "household_monthly_income": "1860.00",
            "application_reason": "丈夫2025年因病去世，本人患慢性肾病需长期透析，无法外出务工，"
            "儿子在读高中，家庭收入低于本市最低生活保障标准。",
            "bank_name": "示范银行幸福路支行",
            "bank_account": "6228 4801 2345 6789 012",
        },
    ),
    "MZ-002": (
        "linshi_jiuzhu",
        "临时救助",
        {
            "hardship_type": "急难型",
            "hardship_description": "2026年11月家中突发火灾，房屋及生活用品大部分损毁，暂无安身之处。",
            "amount_requested": "5000.00",
            "bank_name": "示范银行幸福路支行",
            "bank_account": "6228 4801 2345 6789 012",
        },
    ),
    "JY-001": (
        "shiye_dengji",
        "失业登记",
        {
            "education": "高中",
            "last_employer": "示范某某纺织有限公司",
            "unemployment_date": "2026年10月31日",
            "unemployment_reason": "劳动合同期满终止",
            "job_intention": "仓储管理、物业服务",
        },
    ),
    "JY-002": (
        "jiuye_chuangye_zheng",
        "《就业创业证》申领",
        {
            "education": "高中",
            "employment_status": "失业",
            "household_type": "城镇",
        },
    ),
    "RS-001": (
        "jumin_yanglao",
        "城乡居民养老保险参保登记",
        {
            "household_type": "农村",
            "contribution_grade": "每年1000元",
            "bank_name": "示范农村商业银行幸福支行",
            "bank_account": "6231 3100 0012 3456 789",
        },
    ),
    "CL-001": (
        "canji_liangxiang",
        "残疾人两项补贴",
        {
            "disability_certificate_no": "32011519680314422X42",
            "disability_category": "肢体残疾",
            "disability_grade": "二级",
            "subsidy_kind": "重度残疾人护理补贴",
            "bank_name": "示范银行幸福路支行",
            "bank_account": "6228 4801 2345 6789 012",
        },
    ),
}


def demo_ticket() -> TicketSlipData:
    """A ticket for the general intake queue."""
    return TicketSlipData(
        centre=DEMO_CENTRE,
        ticket_number="A017",
        service_group="综合受理",
        waiting_ahead=4,
        issued_at=datetime(2026, 11, 23, 9, 5),
        priority="老年人",
        barcode_value="20261123A017",
    )


def demo_receipt(materials: int = 4, deferred: bool = True) -> ReceiptData:
    """A receipt for 最低生活保障 taken in through an agent, with one 容缺 item."""
    base = [
        ReceivedMaterial("居民身份证", "原件核验", 1),
        ReceivedMaterial("户口簿", "复印件", 1),
        ReceivedMaterial("最低生活保障申请表", "原件", 1),
        ReceivedMaterial("家庭经济状况核对授权书", "原件", 1),
        ReceivedMaterial("医院诊断证明及近6个月医疗费用票据", "复印件", 2),
    ]
    mats = tuple(
        base[i % len(base)]
        if i < len(base)
        else ReceivedMaterial(f"其他证明材料（第{i + 1}项）", "复印件", 1)
        for i in range(materials)
    )
    return ReceiptData(
        centre=DEMO_CENTRE,
        case_number=DEMO_CASE,
        verification_code=DEMO_CODE,
        applicant_name=DEMO_NAME,
        applicant_id_masked=DEMO_ID_MASKED,
        matter_name="最低生活保障",
        matter_code="MZ-001",
        materials=mats,
        received_date=DEMO_DAY,
        promised_completion_date=date(2026, 12, 21),
        promised_working_days=20,
        clerk_name="李明",
        window="3号窗口",
        agent=AgentInfo("张伟", mask_id_number(DEMO_AGENT_ID), "子女"),
        deferred=(DeferredItem("近3个月收入证明", date(2026, 11, 30), "原单位开具"),)
        if deferred
        else (),
        case_type="承诺件",
        deciding_body="示范区民政局",
    )


def demo_supplement() -> SupplementNoticeData:
    """A 一次性告知书 for 残疾人两项补贴 with two missing and one defective material."""
    return SupplementNoticeData(
        centre=DEMO_CENTRE,
        reference="BZ-20261123-0005",
        applicant_name=DEMO_NAME,
        applicant_id_masked=DEMO_ID_MASKED,
        matter_name="残疾人两项补贴",
        matter_code="CL-001",
        application_date=DEMO_DAY,
        issued_date=DEMO_DAY,
        clerk_name="李明",
        window="3号窗口",
        supplement_deadline=date(2026, 12, 7),
        document_number=format_document_number(2026, 5, "秣便补字"),
        legal_basis="《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》"
        "（国发〔2015〕52号）",
        items=(
            MissingMaterial(
                "中华人民共和国残疾人证（第二代）",
                "缺少",
                "残疾人证原件，核验后退还",
                "本人户籍地区残联或街道残联",
            ),
            MissingMaterial(
                "户口簿",
                "复印件不清晰",
                "户主页及本人页复印件各1份，字迹清晰",
                "本人持户口簿在本中心复印",
            ),
            MissingMaterial(
                "银行账户信息", "已销户", "本人名下有效的一类银行卡或存折复印件", "任一银行网点办理"
            ),
        ),
    )


def demo_rejection() -> RejectionNoticeData:
    """A 不予受理通知书 for a 失业登记 outside the centre's area."""
    return RejectionNoticeData(
        centre=DEMO_CENTRE,
        document_number=format_document_number(2026, 12, "秣便不受字"),
        reference="BZ-20261123-0009",
        applicant_name=DEMO_NAME,
        applicant_id_masked=DEMO_ID_MASKED,
        matter_name="失业登记",
        matter_code="JY-001",
        application_date=DEMO_DAY,
        issued_date=DEMO_DAY,
        reason="申请人已按月领取基本养老金，不属于失业登记的对象。",
        legal_basis="《就业服务与就业管理规定》第六十三条",
        clerk_name="李明",
        window="3号窗口",
        review_body="示范区人民政府",
        court="示范区人民法院",
    )


def demo_completion() -> CompletionNoticeData:
    """A 办结通知书 for an approved 《就业创业证》."""
    return CompletionNoticeData(
        centre=DEMO_CENTRE,
        case_number=DEMO_CASE,
        verification_code=DEMO_CODE,
        applicant_name=DEMO_NAME,
        applicant_id_masked=DEMO_ID_MASKED,
        matter_name="《就业创业证》申领",
        matter_code="JY-002",
        received_date=date(2026, 11, 16),
        completed_date=DEMO_DAY,
        decision="准予办理",
        decision_detail="经审核，您的申请符合规定，准予核发《就业创业证》。",
        deciding_body="示范区人力资源和社会保障局",
        collect_place="示范区幸福街道便民服务中心一楼 综合受理窗口（3号窗口）",
        collect_time="2026年11月24日起，工作日 9:00—12:00，13:30—17:00",
        collect_deadline=date(2026, 12, 31),
        collect_items=("《就业创业证》1本",),
        bring_items=("本人居民身份证原件", "本通知书"),
        clerk_name="李明",
        window="3号窗口",
    )


def demo_extension() -> ExtensionNoticeData:
    """A 延期告知书: a 低保 case given 3 more working days on the department's request."""
    return ExtensionNoticeData(
        centre=DEMO_CENTRE,
        case_number=DEMO_CASE,
        verification_code=DEMO_CODE,
        applicant_name=DEMO_NAME,
        applicant_id_masked=DEMO_ID_MASKED,
        matter_name="最低生活保障（低保家庭认定及保障金给付）",
        matter_code="MZ-001",
        received_date=date(2026, 11, 16),
        granted_date=DEMO_DAY,
        working_days=3,
        old_due=date(2026, 12, 17),
        new_due=date(2026, 12, 22),
        reason="需入户核查家庭收入",
        requested_by="承办部门",
        approved_by="赵海峰",
        deciding_body="示范区民政局",
        clerk_name="李明",
        window="3号窗口",
    )


def demo_form(matter_code: str = "MZ-001") -> ApplicationFormData:
    """An application form of one of the demo matters, pre-filled."""
    layout, name, values = DEMO_MATTERS[matter_code]
    return ApplicationFormData(
        layout=layout,
        matter_name=name,
        matter_code=matter_code,
        applicant=ApplicantFields(
            name=DEMO_NAME,
            id_number=DEMO_ID,
            sex="女",
            birth_date=date(1968, 3, 14),
            phone="139 1234 5678",
            address="示范区幸福街道和平社区幸福路88号3幢2单元501室",
            community="和平社区",
        ),
        values=dict(values),
        centre=DEMO_CENTRE,
        case_number=DEMO_CASE,
        printed_date=DEMO_DAY,
    )


def demo_document(kind: DocumentKind | str, matter_code: str | None = None) -> tuple[Any, str]:
    """Demo data for a kind and the default paper: (data, paper)."""
    k = DocumentKind(kind)
    if k is DocumentKind.TICKET:
        return demo_ticket(), "80mm"
    if k is DocumentKind.RECEIPT:
        return demo_receipt(), "A4"
    if k is DocumentKind.SUPPLEMENT:
        return demo_supplement(), "A4"
    if k is DocumentKind.REJECTION:
        return demo_rejection(), "A4"
    if k is DocumentKind.COMPLETION:
        return demo_completion(), "A4"
    if k is DocumentKind.EXTENSION:
        return demo_extension(), "A4"
    code = matter_code or "MZ-001"
    if code not in DEMO_MATTERS:
        raise ValueError(f"no demo form for matter {code}; known: {', '.join(DEMO_MATTERS)}")
    return demo_form(code), "A4"


def print_demo(kind: str, out: Path, matter: str | None = None, paper: str | None = None) -> Path:
    """Render a demo document of `kind` to `out` (the `onewindow print` command); return the path."""
    from app.documents.render import PAPERS, render

    k = DocumentKind(kind)
    data, default_paper = demo_document(k, matter)
    if paper and len(PAPERS[k]) == 1:  # a kind printed on one paper only ignores --paper
        paper = None
    pdf = render(k, data, paper=paper or default_paper)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    return out
