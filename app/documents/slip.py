"""The queue ticket slip printed on the 80 mm roll at reception or the kiosk."""

from __future__ import annotations

from app.documents.flow import (
    ROLL_SETUP,
    Block,
    Document,
    codes_block,
    render_roll,
    rule_block,
    spacer,
    text_block,
    title_block,
)
from app.documents.model import TicketSlipData, format_datetime_cn
from app.documents.pdf import MM, fit_size


def render_ticket_slip(data: TicketSlipData) -> bytes:
    """Render a ticket slip: 80 mm wide, as tall as needed."""
    w = ROLL_SETUP.content_width
    doc = Document(title=f"排队号票 {data.ticket_number}", author=data.centre.name)
    group = data.service_group + (f"（优先：{data.priority}）" if data.priority else "")
    number_size = fit_size(data.ticket_number, 40, w)
    blocks: list[Block] = [
        title_block(
            data.centre.name, w, size=fit_size(data.centre.name, 12, w), space_after=1 * MM
        ),
        text_block("排 队 号 票", w, size=9, align="centre"),
        rule_block(w, dashed=True),
        title_block(data.ticket_number, w, size=number_size, space_after=1 * MM),
        text_block(group, w, size=12, align="centre", bold=True),
        spacer(1.5 * MM),
        text_block(f"您前面还有 {data.waiting_ahead} 人等候", w, size=10.5, align="centre"),
        text_block(f"取号时间：{format_datetime_cn(data.issued_at)}", w, size=9, align="centre"),
        spacer(2 * MM),
        codes_block(data.code, None, w, roll=True),
        text_block(data.guidance, w, size=8.5),
        rule_block(w, dashed=True),
        text_block(f"地址：{data.centre.address}", w, size=8),
        text_block(
            f"咨询电话：{data.centre.enquiry_phone}　监督电话：{data.centre.supervision_phone}",
            w,
            size=8,
        ),
    ]
    doc.add(*blocks)
    return render_roll(doc)
