"""A tiny block layout: measured blocks stacked down a page, paginated on A4 or summed onto one 80 mm roll page."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from app.documents.codes import code128_module_for, code128_width, draw_code128, draw_qr
from app.documents.pdf import (
    BLACK,
    GREY,
    LIGHT,
    MM,
    draw_lines,
    draw_text,
    pdf_canvas,
    text_width,
    wrap,
)

DrawFn = Callable[[Canvas, float, float], None]  # (canvas, x_left, y_top)


@dataclass
class Block:
    """Something of known height drawn at (x_left, y_top) across the content width."""

    height: float
    draw: DrawFn
    header: Block | None = None  # repeated first on a new page (table header of a continuing table)
    keep_with_next: bool = False


@dataclass(frozen=True)
class PageSetup:
    """Paper size and margins (points)."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def content_width(self) -> float:
        return self.width - self.left - self.right


A4_SETUP = PageSetup(A4[0], A4[1], 20 * MM, 20 * MM, 15 * MM, 18 * MM)
ROLL_WIDTH = 80 * MM
ROLL_SETUP = PageSetup(ROLL_WIDTH, 0.0, 4 * MM, 4 * MM, 4 * MM, 6 * MM)


@dataclass
class Document:
    """Blocks plus the page decorations of one document."""

    title: str
    author: str
    blocks: list[Block] = field(default_factory=list)
    running_head: str = ""  # printed on continuation pages
    footer: str = ""

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


def paginate(blocks: Sequence[Block], first_height: float, next_height: float) -> list[list[Block]]:
    """Split blocks into pages; a block with a header gets the header repeated on a new page."""
    pages: list[list[Block]] = [[]]
    room = first_height
    i = 0
    while i < len(blocks):
        b = blocks[i]
        need = b.height
        if b.keep_with_next and i + 1 < len(blocks):
            need += blocks[i + 1].height
        if need > room and pages[-1]:
            pages.append([])
            room = next_height
            if b.header is not None and b is not b.header:
                pages[-1].append(b.header)
                room -= b.header.height
        pages[-1].append(b)
        room -= b.height
        i += 1
    return pages


def render_a4(doc: Document) -> bytes:
    """Paginate the blocks on A4 with page numbers and a running head on continuation pages."""
    s = A4_SETUP
    head_h = 10 * MM
    body = s.height - s.top - s.bottom
    pages = paginate(doc.blocks, body, body - head_h)
    with pdf_canvas((s.width, s.height), doc.title, doc.author) as (c, buf):
        for n, page in enumerate(pages, start=1):
            y = s.height - s.top
            if n > 1:
                draw_text(c, s.left, y - 6 * MM, doc.running_head or doc.title, 9, color=GREY)
                y -= head_h
            for b in page:
                b.draw(c, s.left, y)
                y -= b.height
            foot = f"第 {n} 页 / 共 {len(pages)} 页"
            draw_text(c, s.width / 2, s.bottom - 9 * MM, foot, 8, align="centre", color=GREY)
            if doc.footer:
                draw_text(c, s.left, s.bottom - 9 * MM, doc.footer, 8, color=GREY)
            c.showPage()
        c.save()
        return buf.getvalue()


def render_roll(doc: Document, setup: PageSetup = ROLL_SETUP) -> bytes:
    """One page 80 mm wide and as tall as the content (rounded up to whole millimetres)."""
    content = sum(b.height for b in doc.blocks)
    height = math.ceil((content + setup.top + setup.bottom) / MM) * MM
    with pdf_canvas((setup.width, height), doc.title, doc.author) as (c, buf):
        y = height - setup.top
        for b in doc.blocks:
            b.draw(c, setup.left, y)
            y -= b.height
        c.showPage()
        c.save()
        return buf.getvalue()


# --- common blocks -------------------------------------------------------------------------------


def spacer(height: float) -> Block:
    """Empty vertical space."""
    return Block(height, lambda c, x, y: None)


def text_block(
    text: str,
    width: float,
    size: float = 10.5,
    leading: float | None = None,
    align: str = "left",
    bold: bool = False,
    indent: float = 0.0,
    first_indent: bool = False,
) -> Block:
    """Wrapped text; `first_indent` indents each paragraph's first line by two characters."""
    lead = leading or size * 1.55
    inner = width - indent
    if first_indent:  # 正文 style: the first line of each paragraph starts two full-width spaces in
        text = "\n".join("\u3000\u3000" + p.lstrip() for p in text.split("\n"))
    lines = wrap(text, size, inner)
    ax = {"left": 0.0, "centre": inner / 2, "right": inner}[align]

    def draw(c: Canvas, x: float, y: float) -> None:
        draw_lines(c, x + indent + ax, y, lines, size, lead, align, bold)

    return Block(lead * len(lines), draw)


def title_block(text: str, width: float, size: float = 20, space_after: float = 4 * MM) -> Block:
    """A centred bold title."""
    lines = wrap(text, size, width)
    lead = size * 1.35

    def draw(c: Canvas, x: float, y: float) -> None:
        draw_lines(c, x + width / 2, y, lines, size, lead, align="centre", bold=True)

    return Block(lead * len(lines) + space_after, draw, keep_with_next=True)


def rule_block(width: float, gap: float = 2 * MM, dashed: bool = False) -> Block:
    """A horizontal line with a little space around it."""

    def draw(c: Canvas, x: float, y: float) -> None:
        c.setStrokeColor(BLACK)
        c.setLineWidth(0.6)
        if dashed:
            c.setDash(2, 2)
        c.line(x, y - gap, x + width, y - gap)
        c.setDash()

    return Block(2 * gap, draw)


Column = tuple[str, float, str]  # (heading, width fraction, align)


def table_blocks(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: float,
    size: float = 10,
    pad: float = 1.6 * MM,
) -> list[Block]:
    """A ruled table: a shaded header row, then one block per row (the header repeats after a page break)."""
    total = sum(f for _, f, _ in columns)
    widths = [width * f / total for _, f, _ in columns]
    lead = size * 1.4

    def row_block(cells: Sequence[str], shaded: bool, header: Block | None) -> Block:
        wrapped = [wrap(str(v), size, w - 2 * pad) for v, w in zip(cells, widths, strict=True)]
        h = max(len(ls) for ls in wrapped) * lead + 2 * pad

        def draw(c: Canvas, x: float, y: float) -> None:
            c.setLineWidth(0.6)
            c.setStrokeColor(BLACK)
            if shaded:
                c.setFillColor(LIGHT)
                c.rect(x, y - h, width, h, stroke=0, fill=1)
            cx = x
            for (_, _, align), w, ls in zip(columns, widths, wrapped, strict=True):
                c.rect(cx, y - h, w, h, stroke=1, fill=0)
                tx = {"left": cx + pad, "centre": cx + w / 2, "right": cx + w - pad}[align]
                top = y - (h - len(ls) * lead) / 2
                draw_lines(c, tx, top, ls, size, lead, align=align, bold=shaded)
                cx += w

        return Block(h, draw, header=header)

    head = row_block([h for h, _, _ in columns], True, None)
    head.keep_with_next = True
    out = [head]
    out.extend(row_block(r, False, head) for r in rows)
    return out


Pair = tuple[str, str]


def fields_blocks(
    rows: Sequence[Pair | tuple[Pair, Pair]],
    width: float,
    label_width: float = 28 * MM,
    size: float = 10.5,
    pad: float = 1.6 * MM,
) -> list[Block]:
    """A ruled label/value table (label cells shaded); a row holds one pair or two side by side."""
    lead = size * 1.4
    out: list[Block] = []
    for row in rows:
        pairs: list[Pair] = [row] if isinstance(row[0], str) else list(row)
        cell_w = width / len(pairs)
        cells = []
        for label, value in pairs:
            cells.append(
                (
                    wrap(label, size, label_width - 2 * pad),
                    wrap(value, size, cell_w - label_width - 2 * pad),
                )
            )
        h = max(max(len(ll), len(vl)) for ll, vl in cells) * lead + 2 * pad

        def draw(
            c: Canvas, x: float, y: float, h: float = h, cells: list = cells, cell_w: float = cell_w
        ) -> None:
            c.setLineWidth(0.6)
            c.setStrokeColor(BLACK)
            for i, (llines, vlines) in enumerate(cells):
                cx = x + i * cell_w
                c.setFillColor(LIGHT)
                c.rect(cx, y - h, label_width, h, stroke=1, fill=1)
                c.rect(cx + label_width, y - h, cell_w - label_width, h, stroke=1, fill=0)
                draw_lines(
                    c,
                    cx + label_width / 2,
                    y - (h - len(llines) * lead) / 2,
                    llines,
                    size,
                    lead,
                    align="centre",
                )
                draw_lines(
                    c, cx + label_width + pad, y - (h - len(vlines) * lead) / 2, vlines, size, lead
                )

        out.append(Block(h, draw))
    return out


def codes_block(
    code: str, qr_payload: str | None, width: float, caption: str = "", roll: bool = False
) -> Block:
    """The case-number barcode, and beside it (or below it on a roll) a QR code with a caption."""
    qr_size = 26 * MM if not roll else 30 * MM
    bar_h = 12 * MM
    text_size = 9
    if roll or not qr_payload:
        module = code128_module_for(code, width)
        bw = code128_width(code, module)
        h = bar_h + text_size * 1.3
        if qr_payload:
            h += 2 * MM + qr_size + (text_size * 1.5 if caption else 0)

        def draw_roll(c: Canvas, x: float, y: float) -> None:
            draw_code128(
                c,
                code,
                x + (width - bw) / 2,
                y - bar_h - text_size * 1.3,
                bar_h,
                module,
                text_size=text_size,
            )
            if qr_payload:
                qy = y - bar_h - text_size * 1.3 - 2 * MM - qr_size
                draw_qr(c, qr_payload, x + (width - qr_size) / 2, qy, qr_size)
                if caption:
                    draw_text(c, x + width / 2, qy - text_size * 1.2, caption, 8, align="centre")

        return Block(h + 2 * MM, draw_roll)

    module = code128_module_for(code, width - qr_size - 10 * MM)
    bw = code128_width(code, module)
    h = max(qr_size, bar_h + text_size * 1.3 + 6 * MM)

    def draw(c: Canvas, x: float, y: float) -> None:
        draw_code128(
            c, code, x, y - bar_h - text_size * 1.3 - 2 * MM, bar_h, module, text_size=text_size
        )
        draw_qr(c, qr_payload, x + width - qr_size, y - qr_size, qr_size)
        if caption:
            cap_lines = wrap(caption, 8, 40 * MM)
            draw_lines(c, x + width - qr_size - 2 * MM, y - 6 * MM, cap_lines, 8, 11, align="right")

    return Block(h + 3 * MM, draw)


def seal_block(
    centre_name: str, seal_text: str, when: str, width: float, radius: float = 12 * MM
) -> Block:
    """The issuing centre and date at the right, a dashed seal placeholder circle beside them on
    the left (never over the printed name and date, which must stay legible)."""
    size = 11
    gap = 4 * MM
    h = max(2 * size * 1.7, 2 * radius) + 2 * MM

    def draw(c: Canvas, x: float, y: float) -> None:
        right = x + width
        text_w = max(text_width(centre_name, size), text_width(when, size))
        cx = right - text_w - gap - radius
        cy = y - 1 * MM - radius
        c.setStrokeColor(GREY)
        c.setLineWidth(0.8)
        c.setDash(3, 2)
        c.circle(cx, cy, radius, stroke=1, fill=0)
        c.setDash()
        _arc_text(c, seal_text, cx, cy, radius - 2.4 * MM, 5.5)
        draw_text(c, cx, cy - 1 * MM, "（盖章处）", 7, align="centre", color=GREY)
        draw_text(c, right, cy + size * 0.45, centre_name, size, align="right")
        draw_text(c, right, cy - size * 1.25, when, size, align="right")

    return Block(h, draw)


def _arc_text(c: Canvas, text: str, cx: float, cy: float, r: float, size: float) -> None:
    """Text along the top of a circle, left to right, each glyph upright to the radius."""
    n = len(text)
    if n == 0:
        return
    span = min(250.0, 16.0 * n)
    step = span / max(n - 1, 1)
    start = 90 + span / 2
    c.setFillColor(GREY)
    c.setFont("WenQuanYiMicroHei", size)
    for i, ch in enumerate(text):
        ang = math.radians(start - i * step)
        c.saveState()
        c.translate(cx + r * math.cos(ang), cy + r * math.sin(ang))
        c.rotate(math.degrees(ang) - 90)
        c.drawString(-text_width(ch, size) / 2, -size * 0.35, ch)
        c.restoreState()
    c.setFillColor(BLACK)


def signature_block(labels: Sequence[str], width: float, size: float = 10.5) -> Block:
    """Lines to sign and date by hand: '申请人签名：________  日期：____年__月__日'."""
    h = size * 3

    def draw(c: Canvas, x: float, y: float) -> None:
        col = width / len(labels)
        base = y - size * 2
        for i, label in enumerate(labels):
            lx = x + i * col
            draw_text(c, lx, base, label, size)
            lw = text_width(label, size)
            c.setLineWidth(0.6)
            c.setStrokeColor(BLACK)
            c.line(lx + lw + 1 * MM, base - 2, lx + col - 4 * MM, base - 2)

    return Block(h, draw)
