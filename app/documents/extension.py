"""The A4 延期告知书: a 延期 granted on a case, told to the resident with the new due date."""

from __future__ import annotations

from app.documents.flow import (
    A4_SETUP,
    Document,
    Pair,
    codes_block,
    fields_blocks,
    render_a4,
    seal_block,
    signature_block,
    spacer,
    text_block,
    title_block,
)
from app.documents.model import ExtensionNoticeData, format_date_cn
from app.documents.pdf import MM
from app.documents.wording import extension_body, extension_decision

W = A4_SETUP.content_width
BODY = 11.5


def render_extension_notice(data: ExtensionNoticeData) -> bytes:
    """Render the 延期告知书: why, by how many working days, the due date before and after."""
    c = data.centre
    doc = Document(
        title=f"延期告知书 {data.case_number}",
        author=c.name,
        running_head=f"延期告知书（续）　办件编号：{data.case_number}",
        footer=c.name,
    )
    old_due, new_due = format_date_cn(data.old_due), format_date_cn(data.new_due)
    rows: list[Pair | tuple[Pair, Pair]] = [
        (("办件编号", data.case_number), ("受理日期", format_date_cn(data.received_date))),
        ("申请事项", f"{data.matter_name}（{data.matter_code}）"),
        ("申请人", f"{data.applicant_name}（身份证号：{data.applicant_id_masked}）"),
        (("原办结期限", old_due), ("新办结期限", new_due)),
        (
            ("延长期限", f"{data.working_days}个工作日"),
            ("批准日期", format_date_cn(data.granted_date)),
        ),
        ("延期理由", data.reason),
        ("批准人", data.approved_by),
    ]
    if data.deciding_body:
        rows.append(("承办单位", data.deciding_body))
    doc.add(
        text_block(c.name, W, size=12, align="centre"),
        title_block("延期告知书", W, size=22, space_after=3 * MM),
        codes_block(
            data.case_number,
            data.qr_payload,
            W,
            caption=f"扫码查询办理进度\n验证码：{data.verification_code}",
        ),
        text_block(f"{data.applicant_name}：", W, size=BODY),
        text_block(
            extension_body(
                format_date_cn(data.received_date),
                data.matter_name,
                data.matter_code,
                data.case_number,
                old_due,
                data.reason,
            ),
            W,
            size=BODY,
            first_indent=True,
        ),
        text_block(
            extension_decision(data.working_days, new_due, data.approved_by, data.requested_by),
            W,
            size=BODY,
            first_indent=True,
        ),
        spacer(2 * MM),
        *fields_blocks(rows, W, size=10.5),
        spacer(3 * MM),
        text_block(f"经办人：{data.clerk_name}（{data.window}）", W, size=10.5),
        text_block(f"地址：{c.address}", W, size=10.5),
        text_block(f"咨询电话：{c.enquiry_phone}　　监督电话：{c.supervision_phone}", W, size=10.5),
        spacer(9 * MM),
        seal_block(c.name, c.seal, format_date_cn(data.granted_date), W),
        spacer(6 * MM),
        signature_block(["申请人签收：", "签收日期："], W),
    )
    return render_a4(doc)
