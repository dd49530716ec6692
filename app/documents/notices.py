"""The A4 notices: 一次性告知书, 不予受理通知书 and 办结通知书 (领取凭证)."""

from __future__ import annotations

from app.documents.flow import (
    A4_SETUP,
    Block,
    Document,
    Pair,
    codes_block,
    fields_blocks,
    render_a4,
    seal_block,
    signature_block,
    spacer,
    table_blocks,
    text_block,
    title_block,
)
from app.documents.model import (
    CentreInfo,
    CompletionNoticeData,
    RejectionNoticeData,
    SupplementNoticeData,
    format_date_cn,
)
from app.documents.pdf import MM

W = A4_SETUP.content_width
BODY = 11.5


def _head(centre: CentreInfo, title: str, subtitle: str = "", number: str = "") -> list[Block]:
    blocks = [
        text_block(centre.name, W, size=12, align="centre"),
        title_block(title, W, size=22, space_after=1 * MM if subtitle or number else 4 * MM),
    ]
    if subtitle:
        blocks.append(text_block(subtitle, W, size=11, align="centre"))
    if number:
        blocks.append(text_block(number, W, size=11, align="centre"))
    if subtitle or number:
        blocks.append(spacer(4 * MM))
    return blocks


def _contact(centre: CentreInfo, clerk: str, window: str) -> list[Block]:
    return [
        text_block(f"经办人：{clerk}（{window}）", W, size=10.5),
        text_block(f"地址：{centre.address}", W, size=10.5),
        text_block(
            f"咨询电话：{centre.enquiry_phone}　　监督电话：{centre.supervision_phone}",
            W,
            size=10.5,
        ),
    ]


def render_supplement_notice(data: SupplementNoticeData) -> bytes:
    """Render the 一次性告知书: every missing or defective material, told once and in full."""
    doc = Document(
        title=f"一次性告知书 {data.reference}",
        author=data.centre.name,
        running_head=f"一次性告知书（续）　编号：{data.reference}",
        footer=data.centre.name,
    )
    doc.add(*_head(data.centre, "一次性告知书", "（补正材料通知书）", data.document_number))
    doc.add(
        text_block(
            f"{data.applicant_name}（身份证号：{data.applicant_id_masked}）：", W, size=BODY
        ),
        text_block(
            f"您于{format_date_cn(data.application_date)}申请办理的“{data.matter_name}”"
            f"（事项编码：{data.matter_code}，受理编号：{data.reference}），经审查，申请材料不齐全"
            "或者不符合规定的形式。"
            + (f"根据{data.legal_basis}的规定，" if data.legal_basis else "")
            + "现将需要补正的全部内容一次性告知如下：",
            W,
            size=BODY,
            first_indent=True,
        ),
        spacer(2 * MM),
    )
    rows = [
        [str(i), m.name, m.problem, m.requirement, m.where_to_get or "—"]
        for i, m in enumerate(data.items, start=1)
    ]
    doc.add(
        *table_blocks(
            [
                ("序号", 1, "centre"),
                ("补正事项", 4, "left"),
                ("存在问题", 2.6, "left"),
                ("补正要求", 4.4, "left"),
                ("获取途径", 3.6, "left"),
            ],
            rows,
            W,
        )
    )
    deadline = (
        f"请于{format_date_cn(data.supplement_deadline)}前" if data.supplement_deadline else "请"
    )
    doc.add(
        spacer(3 * MM),
        text_block(
            f"{deadline}补齐上述材料后，到本中心任一综合受理窗口提交，材料齐全的当场受理。"
            "本告知书所列为需补正的全部内容，本中心不再要求您补正其他材料。",
            W,
            size=BODY,
            first_indent=True,
        ),
        spacer(3 * MM),
        *_contact(data.centre, data.clerk_name, data.window),
        spacer(9 * MM),
        seal_block(data.centre.name, data.centre.seal, format_date_cn(data.issued_date), W),
        spacer(6 * MM),
        signature_block(
            [
                "申请人签收：",
                "签收日期：",
            ],
            W,
        ),
    )
    return render_a4(doc)


def rights_wording(review_body: str, court: str) -> str:
    """The remedies sentence every refusal must carry (60 days for review, 6 months for a suit)."""
    return (
        f"如对本决定不服，可以自收到本通知书之日起60日内向{review_body}申请行政复议，"
        f"或者自收到本通知书之日起6个月内依法向{court}提起行政诉讼。"
    )


def render_rejection_notice(data: RejectionNoticeData) -> bytes:
    """Render the 不予受理通知书 with its reason, legal basis, remedies and document number."""
    doc = Document(
        title=f"不予受理通知书 {data.document_number}",
        author=data.centre.name,
        running_head=f"不予受理通知书（续）　{data.document_number}",
        footer=data.centre.name,
    )
    doc.add(*_head(data.centre, "不予受理通知书", number=data.document_number))
    doc.add(
        text_block(
            f"{data.applicant_name}（身份证号：{data.applicant_id_masked}）：", W, size=BODY
        ),
        text_block(
            f"您于{format_date_cn(data.application_date)}提出的“{data.matter_name}”"
            f"（事项编码：{data.matter_code}，受理编号：{data.reference}）申请，经审查：{data.reason}",
            W,
            size=BODY,
            first_indent=True,
        ),
        text_block(
            f"根据{data.legal_basis}的规定，本中心决定不予受理。", W, size=BODY, first_indent=True
        ),
        text_block(rights_wording(data.review_body, data.court), W, size=BODY, first_indent=True),
        spacer(3 * MM),
        *_contact(data.centre, data.clerk_name, data.window),
        spacer(12 * MM),
        seal_block(data.centre.name, data.centre.seal, format_date_cn(data.issued_date), W),
        spacer(8 * MM),
        signature_block(["申请人签收：", "签收日期："], W),
        spacer(4 * MM),
        text_block("本通知书一式两份，一份交申请人，一份由本中心存档。", W, size=9.5),
    )
    return render_a4(doc)


def render_completion_notice(data: CompletionNoticeData) -> bytes:
    """Render the 办结通知书 / 领取凭证: the decision and where and when to collect the result."""
    doc = Document(
        title=f"办结通知书 {data.case_number}",
        author=data.centre.name,
        running_head=f"办结通知书（续）　办件编号：{data.case_number}",
        footer=data.centre.name,
    )
    doc.add(*_head(data.centre, "办结通知书", "（领取凭证）"))
    doc.add(
        codes_block(
            data.case_number,
            data.qr_payload,
            W,
            caption=f"扫码核验领取凭证\n验证码：{data.verification_code}",
        ),
        text_block(f"{data.applicant_name}：", W, size=BODY),
        text_block(
            f"您于{format_date_cn(data.received_date)}申请办理的“{data.matter_name}”事项"
            f"（办件编号：{data.case_number}），已于{format_date_cn(data.completed_date)}办结。"
            + ("请按下列时间、地点领取办理结果。" if data.collect_time else "办理结果已当场交付。"),
            W,
            size=BODY,
            first_indent=True,
        ),
        spacer(2 * MM),
    )
    rows: list[Pair | tuple[Pair, Pair]] = [
        (("办件编号", data.case_number), ("办结日期", format_date_cn(data.completed_date))),
        ("申请事项", f"{data.matter_name}（{data.matter_code}）"),
        ("申请人", f"{data.applicant_name}（身份证号：{data.applicant_id_masked}）"),
        ("审批机关", data.deciding_body),
        ("办理结果", data.decision),
        ("结果说明", data.decision_detail),
    ]
    if data.collect_items:
        rows.append(("领取物品", "；".join(data.collect_items)))
    if data.collect_time:  # on the spot nothing is left to collect
        rows += [("领取地点", data.collect_place), ("领取时间", data.collect_time)]
    if data.collect_deadline:
        rows.append(("领取期限", f"请于{format_date_cn(data.collect_deadline)}前领取"))
    if data.bring_items:
        rows.append(("请携带", "、".join(data.bring_items)))
    doc.add(*fields_blocks(rows, W))
    doc.add(
        spacer(3 * MM),
        text_block(
            "委托他人领取的，受托人须携带本人和申请人的居民身份证原件及本通知书。",
            W,
            size=10,
            first_indent=True,
        ),
        spacer(2 * MM),
        *_contact(data.centre, data.clerk_name, data.window),
        spacer(9 * MM),
        seal_block(data.centre.name, data.centre.seal, format_date_cn(data.completed_date), W),
        spacer(6 * MM),
        signature_block(["领取人签名：", "领取日期："], W),
    )
    return render_a4(doc)
