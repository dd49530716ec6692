"""One generic renderer for every application-form layout: plan boxes on A4 pages, then draw them."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from app.documents.codes import code128_width, draw_code128
from app.documents.forms import CellLayout, FormLayout, load_layout
from app.documents.model import ApplicationFormData, format_date_cn
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

PAGE_W, PAGE_H = A4
LEFT = RIGHT = 15 * MM
TOP, BOTTOM = 14 * MM, 16 * MM
WIDTH = PAGE_W - LEFT - RIGHT
SIZE = 10.5
PAD = 1.5 * MM
MIN_ROW = 9 * MM
SECTION_H = 7.5 * MM
CHOICE_BOX = 3.2 * MM
NOTE_SIZE = 8.5
LABEL_MIN = 22 * MM


@dataclass(frozen=True)
class PlacedCell:
    """Where one cell landed: page (0-based), its label box and value box (x0, y0, x1, y1 in points)."""

    page: int
    cell: CellLayout
    label_box: tuple[float, float, float, float] | None
    value_box: tuple[float, float, float, float]
    value: str
    size: float
    lines: tuple[str, ...]


@dataclass(frozen=True)
class PlacedSection:
    """A section title band."""

    page: int
    title: str
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class FormPlan:
    """The whole form laid out: cells and section bands per page."""

    layout: FormLayout
    pages: int
    cells: tuple[PlacedCell, ...]
    sections: tuple[PlacedSection, ...]
    header_height: float
    notes_top: float  # where the notes start, on the last page


def cell_value(cell: CellLayout, data: ApplicationFormData) -> str:
    """The text a cell prints: the bound value (plus its unit), the fixed text, or '' for handwriting."""
    if cell.text is not None:
        return cell.text
    if not cell.field:
        return ""
    scope, key = cell.field.split(".", 1)
    raw = data.applicant.value(key) if scope == "applicant" else str(data.values.get(key, "") or "")
    return f"{raw}{cell.suffix}" if raw and cell.suffix else raw


def _label_width(cell: CellLayout, width: float) -> float:
    if not cell.label or cell.text is not None:
        return 0.0
    if cell.label_width is not None:
        return cell.label_width * MM
    natural = text_width(cell.label, SIZE) + 2 * PAD + 1
    return min(max(natural, LABEL_MIN), width * 0.45)


def _header_height(layout: FormLayout) -> float:
    return 13 * MM + (6 * MM if layout.subtitle else 0) + 12 * MM


def plan_form(layout: FormLayout, data: ApplicationFormData) -> FormPlan:
    """Lay every row out: widths from the weights, heights grown to fit the wrapped values."""
    cells: list[PlacedCell] = []
    sections: list[PlacedSection] = []
    head = _header_height(layout)
    page = 0
    y = PAGE_H - TOP - head
    floor = BOTTOM + 10 * MM
    for section in layout.sections:
        first_row = True
        for row in section.rows:
            total = sum(c.width for c in row.cells)
            widths = [WIDTH * c.width / total for c in row.cells]
            measured = []
            for c, w in zip(row.cells, widths, strict=True):
                lw = _label_width(c, w)
                vw = w - lw - 2 * PAD
                value = cell_value(c, data)
                size = SIZE
                lines = wrap(value, size, vw) if value and not c.choices else []
                while lines and len(lines) * size * 1.35 > 160 * MM and size > 6:
                    size -= 0.5
                    lines = wrap(value, size, vw)
                llines = wrap(c.label, SIZE, lw - 2 * PAD) if lw else []
                footer = SIZE * 1.4 if c.footer else 0.0
                need = max(len(lines), c.lines, len(llines)) * size * 1.4 + 2 * PAD + footer
                measured.append((c, w, lw, value, size, lines, need))
            h = max([MIN_ROW, (row.height or 0) * MM, *(m[6] for m in measured)])
            band = SECTION_H if first_row and section.title else 0.0
            if y - band - h < floor:
                page += 1
                y = PAGE_H - TOP - 10 * MM
            if band:
                sections.append(
                    PlacedSection(page, section.title, (LEFT, y - band, LEFT + WIDTH, y))
                )
                y -= band
            x = LEFT
            for c, w, lw, value, size, lines, _ in measured:
                label_box = (x, y - h, x + lw, y) if lw else None
                cells.append(
                    PlacedCell(
                        page, c, label_box, (x + lw, y - h, x + w, y), value, size, tuple(lines)
                    )
                )
                x += w
            y -= h
            first_row = False
    notes_h = sum(len(wrap(n, NOTE_SIZE, WIDTH)) * NOTE_SIZE * 1.45 for n in layout.notes)
    if notes_h and y - 2 * MM - notes_h < BOTTOM:
        page += 1
        y = PAGE_H - TOP - 10 * MM
    return FormPlan(layout, page + 1, tuple(cells), tuple(sections), head, y - 2 * MM)


def _draw_choices(c: Canvas, cell: PlacedCell) -> None:
    x0, y0, _, y1 = cell.value_box
    x = x0 + PAD
    base = (y0 + y1) / 2 - SIZE * 0.35
    for choice in cell.cell.choices:
        c.setLineWidth(0.6)
        c.rect(x, base - 0.5, CHOICE_BOX, CHOICE_BOX, stroke=1, fill=0)
        if choice == cell.value:  # a drawn tick: no dependence on a ☑ glyph
            c.setLineWidth(1.1)
            p = c.beginPath()
            p.moveTo(x + 0.5 * MM, base + 1.3 * MM)
            p.lineTo(x + 1.3 * MM, base + 0.3 * MM)
            p.lineTo(x + 2.9 * MM, base + 2.9 * MM)
            c.drawPath(p, stroke=1, fill=0)
        draw_text(c, x + CHOICE_BOX + 1 * MM, base, choice, SIZE)
        x += CHOICE_BOX + text_width(choice, SIZE) + 4 * MM


def _draw_cell(c: Canvas, cell: PlacedCell) -> None:
    c.setStrokeColor(BLACK)
    c.setLineWidth(0.7)
    if cell.label_box:
        x0, y0, x1, y1 = cell.label_box
        c.setFillColor(LIGHT)
        c.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=1)
        llines = wrap(cell.cell.label, SIZE, x1 - x0 - 2 * PAD)
        lead = SIZE * 1.4
        draw_lines(
            c,
            (x0 + x1) / 2,
            y1 - (y1 - y0 - len(llines) * lead) / 2,
            llines,
            SIZE,
            lead,
            align="centre",
        )
    x0, y0, x1, y1 = cell.value_box
    c.setFillColor(BLACK)
    c.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=0)
    if cell.cell.choices:
        _draw_choices(c, cell)
    elif cell.lines:
        lead = cell.size * 1.4
        multi = cell.cell.lines > 1 or cell.cell.text is not None or len(cell.lines) > 1
        top = y1 - PAD if multi else y1 - (y1 - y0 - lead) / 2
        if cell.cell.align == "centre":
            draw_lines(c, (x0 + x1) / 2, top, list(cell.lines), cell.size, lead, align="centre")
        else:
            draw_lines(c, x0 + PAD, top, list(cell.lines), cell.size, lead)
    if cell.cell.footer:
        draw_text(c, x1 - PAD, y0 + PAD + 1, cell.cell.footer, 9.5, align="right")


def _draw_header(c: Canvas, plan: FormPlan, data: ApplicationFormData, page: int) -> None:
    layout = plan.layout
    top = PAGE_H - TOP
    if page == 0:
        draw_text(c, PAGE_W / 2, top - 9 * MM, layout.title, 18, align="centre", bold=True)
        y = top - 13 * MM
        if layout.subtitle:
            draw_text(c, PAGE_W / 2, y - 4 * MM, layout.subtitle, 10.5, align="centre")
            y -= 6 * MM
        info = f"申请事项：{data.matter_name}（{data.matter_code}）"
        if data.case_number:
            info += f"　办件编号：{data.case_number}"
        draw_text(c, LEFT, y - 8 * MM, info, 9.5)
        if data.case_number:
            module = 0.3 * MM
            bw = code128_width(data.case_number, module)
            draw_code128(
                c,
                data.case_number,
                PAGE_W - RIGHT - bw,
                y - 10.5 * MM,
                8 * MM,
                module,
                human_readable=False,
            )
    else:
        draw_text(
            c,
            LEFT,
            top - 6 * MM,
            f"{layout.title}（续）　申请人：{data.applicant.name}",
            9,
            color=GREY,
        )
    foot = f"第 {page + 1} 页 / 共 {plan.pages} 页"
    draw_text(c, PAGE_W - RIGHT, BOTTOM - 8 * MM, foot, 8, align="right", color=GREY)
    left_foot = data.centre.name if data.centre else ""
    if data.printed_date:
        left_foot += f"　打印日期：{format_date_cn(data.printed_date)}"
    if left_foot:
        draw_text(c, LEFT, BOTTOM - 8 * MM, left_foot.strip("　"), 8, color=GREY)


def render_application_form(layout: FormLayout | str, data: ApplicationFormData) -> bytes:
    """Render any layout pre-filled with `data`; `layout` is a FormLayout or a shipped layout name."""
    lay = load_layout(layout) if isinstance(layout, str) else layout
    plan = plan_form(lay, data)
    author = data.centre.name if data.centre else "OneWindow"
    with pdf_canvas(A4, f"{lay.title} {data.applicant.name}", author) as (c, buf):
        for page in range(plan.pages):
            _draw_header(c, plan, data, page)
            for s in plan.sections:
                if s.page == page:
                    x0, y0, x1, y1 = s.box
                    c.setFillColor(LIGHT)
                    c.setLineWidth(0.7)
                    c.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=1)
                    draw_text(
                        c, x0 + PAD, y0 + (y1 - y0) / 2 - SIZE * 0.35, s.title, SIZE, bold=True
                    )
            for cell in plan.cells:
                if cell.page == page:
                    _draw_cell(c, cell)
            if page == plan.pages - 1 and lay.notes:
                y = plan.notes_top
                for note in lay.notes:
                    lines = wrap(note, NOTE_SIZE, WIDTH)
                    y -= draw_lines(c, LEFT, y, lines, NOTE_SIZE, NOTE_SIZE * 1.45)
            c.showPage()
        c.save()
        return buf.getvalue()
