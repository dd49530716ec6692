"""受理通知书 (A4) and 受理回执 (80 mm roll): what was taken in, what is owed (容缺) and when it will be done."""

from __future__ import annotations

from app.documents.flow import (
    A4_SETUP,
    ROLL_SETUP,
    Block,
    Document,
    Pair,
    codes_block,
    fields_blocks,
    render_a4,
    render_roll,
    rule_block,
    seal_block,
    spacer,
    table_blocks,
    text_block,
    title_block,
)
from app.documents.model import Paper, ReceiptData, format_date_cn
from app.documents.pdf import MM, fit_size


def _promise(data: ReceiptData) -> str:
    if data.promised_completion_date is None or data.promised_working_days <= 0:
        return "即办件，当场办结"
    promise = (
        f"{data.promised_working_days}个工作日，预计于"
        f"{format_date_cn(data.promised_completion_date)}前办结"
    )
    if data.extensions:  # the due date above already includes them
        promise += "（" + "；".join(data.extensions) + "）"
    return promise


def _applicant(data: ReceiptData) -> str:
    return f"{data.applicant_name}（身份证号：{data.applicant_id_masked}）"


def _agent(data: ReceiptData) -> str | None:
    a = data.agent
    if a is None:
        return None
    return f"{a.name}（{a.relationship}，身份证号：{a.id_masked}）"


def _body(data: ReceiptData) -> str:
    text = (
        f"您于{format_date_cn(data.received_date)}提出的“{data.matter_name}”申请，经审查，申请材料"
    )
    if data.deferred:
        text += (
            "主要材料齐全，根据容缺受理有关规定，本中心决定予以受理。"
            "请在下列期限前补交容缺材料，逾期未补交的将影响办理进度。"
        )
    else:
        text += "齐全、符合法定形式，本中心决定予以受理。"
    return text


def _notes(data: ReceiptData) -> list[str]:
    c = data.centre
    return [
        "1. 请妥善保管本通知书，凭办件编号和验证码查询办理进度、领取办理结果。",
        "2. 扫描二维码或致电咨询电话可查询办理进度；如有疑问或意见，可拨打监督电话。",
        f"3. 地址：{c.address}" + (f"；办公时间：{c.office_hours}" if c.office_hours else ""),
        f"4. 咨询电话：{c.enquiry_phone}　监督电话：{c.supervision_phone}",
    ]


def _a4(data: ReceiptData) -> bytes:
    w = A4_SETUP.content_width
    doc = Document(
        title=f"受理通知书 {data.case_number}",
        author=data.centre.name,
        running_head=f"受理通知书（续）　办件编号：{data.case_number}",
        footer=data.centre.name,
    )
    rows: list[Pair | tuple[Pair, Pair]] = [
        (("办件编号", data.case_number), ("受理日期", format_date_cn(data.received_date))),
        ("申请事项", f"{data.matter_name}（{data.matter_code}）"),
        ("申请人", _applicant(data)),
    ]
    agent = _agent(data)
    if agent:
        rows.append(("代办人", agent))
    kind = data.case_type + (f"（{data.deciding_body}审批）" if data.deciding_body else "")
    rows += [
        (("办件类型", kind or "—"), ("受理人", f"{data.clerk_name}（{data.window}）")),
        ("承诺办结时限", _promise(data)),
    ]
    doc.add(
        text_block(data.centre.name, w, size=12, align="centre"),
        title_block("受理通知书", w, size=22, space_after=3 * MM),
        codes_block(
            data.case_number,
            data.qr_payload,
            w,
            caption=f"扫码查询办理进度\n验证码：{data.verification_code}",
        ),
        text_block(f"{data.applicant_name}：", w, size=11.5),
        text_block(_body(data), w, size=11.5, first_indent=True),
        spacer(2 * MM),
        *fields_blocks(rows, w, size=10.5),
        spacer(4 * MM),
        text_block("已收取的申请材料", w, size=11.5, bold=True),
    )
    doc.blocks[-1].keep_with_next = True
    mrows = [[str(i), m.name, m.form, str(m.copies)] for i, m in enumerate(data.materials, start=1)]
    if not mrows:
        mrows = [["—", "（无）", "", ""]]
    doc.add(
        *table_blocks(
            [
                ("序号", 1, "centre"),
                ("材料名称", 9, "left"),
                ("形式", 3, "centre"),
                ("份数", 1.4, "centre"),
            ],
            mrows,
            w,
        )
    )
    if data.deferred:
        doc.add(spacer(4 * MM), text_block("容缺受理材料（请按期补交）", w, size=11.5, bold=True))
        doc.blocks[-1].keep_with_next = True
        drows = [
            [str(i), d.name, format_date_cn(d.promised_by), d.note]
            for i, d in enumerate(data.deferred, start=1)
        ]
        doc.add(
            *table_blocks(
                [
                    ("序号", 1, "centre"),
                    ("材料名称", 7, "left"),
                    ("补交期限", 3.2, "centre"),
                    ("说明", 3.2, "left"),
                ],
                drows,
                w,
            )
        )
    doc.add(spacer(4 * MM), text_block("温馨提示", w, size=10.5, bold=True))
    doc.blocks[-1].keep_with_next = True
    doc.add(*(text_block(n, w, size=9.5, indent=2 * MM) for n in _notes(data)))
    doc.add(
        spacer(3 * MM),
        seal_block(data.centre.name, data.centre.seal, format_date_cn(data.received_date), w),
    )
    return render_a4(doc)


def _roll(data: ReceiptData) -> bytes:
    w = ROLL_SETUP.content_width
    doc = Document(title=f"受理回执 {data.case_number}", author=data.centre.name)
    s = 9.0

    def line(label: str, value: str) -> Block:
        return text_block(f"{label}：{value}", w, size=s)

    blocks: list[Block] = [
        title_block(
            data.centre.name, w, size=fit_size(data.centre.name, 12, w), space_after=1 * MM
        ),
        title_block("受理回执", w, size=16, space_after=1 * MM),
        rule_block(w, dashed=True),
        line("办件编号", data.case_number),
        line("申请事项", f"{data.matter_name}（{data.matter_code}）"),
        line("申请人", data.applicant_name),
        line("身份证号", data.applicant_id_masked),
    ]
    if data.agent:
        a = data.agent
        blocks += [line("代办人", f"{a.name}（{a.relationship}）"), line("代办人证件", a.id_masked)]
    blocks += [
        line("受理日期", format_date_cn(data.received_date)),
        line("承诺时限", _promise(data)),
        line("受理人", f"{data.clerk_name}（{data.window}）"),
        rule_block(w, dashed=True),
        text_block("已收材料：", w, size=s, bold=True),
    ]
    blocks += [
        text_block(f"{i}. {m.name}（{m.form}×{m.copies}）", w, size=s, indent=2 * MM)
        for i, m in enumerate(data.materials, start=1)
    ]
    if data.deferred:
        blocks.append(text_block("容缺材料（请按期补交）：", w, size=s, bold=True))
        blocks += [
            text_block(
                f"{i}. {d.name}，{format_date_cn(d.promised_by)}前补交", w, size=s, indent=2 * MM
            )
            for i, d in enumerate(data.deferred, start=1)
        ]
    blocks += [
        rule_block(w, dashed=True),
        codes_block(
            data.case_number,
            data.qr_payload,
            w,
            roll=True,
            caption=f"扫码查询进度　验证码：{data.verification_code}",
        ),
        text_block("请妥善保管本回执，凭办件编号和验证码查询进度、领取结果。", w, size=8),
        text_block(f"地址：{data.centre.address}", w, size=8),
        text_block(f"咨询电话：{data.centre.enquiry_phone}", w, size=8),
        text_block(f"监督电话：{data.centre.supervision_phone}", w, size=8),
    ]
    doc.add(*blocks)
    return render_roll(doc)


def render_receipt(data: ReceiptData, paper: str = "A4") -> bytes:
    """Render the acceptance receipt on A4 (受理通知书) or the 80 mm roll (受理回执)."""
    p = Paper(paper)
    return _a4(data) if p is Paper.A4 else _roll(data)
