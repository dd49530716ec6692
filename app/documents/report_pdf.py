"""A report as an A4 PDF: summary, charts (reportlab's graphics), every table, the formulas.
reportlab is imported inside the function, so the app does not load it until a report is made."""

from __future__ import annotations

import io
from typing import Any

from app.documents.report_model import ReportChart, ReportData, ReportTable

BAR_COLOURS = ("#3b6fb6", "#e08a2c", "#5aa469")


def _chart(chart: ReportChart, font: str, width: float) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    height = 190.0
    d = Drawing(width, height)
    d.add(
        String(width / 2, height - 14, chart.title, fontName=font, fontSize=11, textAnchor="middle")
    )
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 40, 30, width - 60, height - 70
    bars.data = [list(values) for _name, values in chart.series] or [[0]]
    bars.categoryAxis.categoryNames = list(chart.categories) or [""]
    bars.categoryAxis.labels.fontName = font
    bars.categoryAxis.labels.fontSize = 8
    bars.valueAxis.labels.fontName = font
    bars.valueAxis.labels.fontSize = 8
    bars.valueAxis.valueMin = 0
    top = max([1, *(v for _n, values in chart.series for v in values)])
    bars.valueAxis.valueMax = top * 1.15
    bars.valueAxis.valueStep = max(1, round(top / 5))
    bars.barLabelFormat = "%d"
    bars.barLabels.fontName = font
    bars.barLabels.fontSize = 7
    bars.barLabels.nudge = 6
    for i in range(len(chart.series)):
        bars.bars[i].fillColor = colors.HexColor(BAR_COLOURS[i % len(BAR_COLOURS)])
    d.add(bars)
    if len(chart.series) > 1:
        legend = Legend()
        legend.x, legend.y = width - 120, height - 24
        legend.fontName, legend.fontSize = font, 8
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.colorNamePairs = [
            (colors.HexColor(BAR_COLOURS[i % len(BAR_COLOURS)]), name)
            for i, (name, _v) in enumerate(chart.series)
        ]
        d.add(legend)
    return d


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _table(table: ReportTable, font: str, width: float) -> Any:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    # Headers and names wrap inside their cells; numbers stay one right-aligned line.
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=10.5)
    head = ParagraphStyle("head", fontName=font, fontSize=8, leading=10, alignment=1)
    data: list[list[Any]] = [[Paragraph(c, head) for c in table.columns]]
    for row in table.rows:
        first_cell, *numbers = row
        data.append([Paragraph(_text(first_cell), cell), *(_text(v) for v in numbers)])
    if not table.rows:
        data.append(["（无）", *([""] * (len(table.columns) - 1))])
    first = width * (0.34 if len(table.columns) > 2 else 0.6)
    rest = (width - first) / max(1, len(table.columns) - 1)
    t = Table(data, colWidths=[first, *([rest] * (len(table.columns) - 1))], repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return t


def render_report_pdf(report: ReportData) -> bytes:
    """The report on A4 with the embedded font: title, period, charts, tables, formulas."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    from app.documents.pdf import register_font

    font = register_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=report.title,
        author=report.centre_name,
        invariant=1,
    )
    width = A4[0] - 36 * mm
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=24, alignment=1)
    small = ParagraphStyle("s", fontName=font, fontSize=9.5, leading=14, alignment=1)
    heading = ParagraphStyle("h", fontName=font, fontSize=11.5, leading=16, spaceBefore=8)
    body = ParagraphStyle("b", fontName=font, fontSize=8.5, leading=12)
    story: list[Any] = [
        Paragraph(report.centre_name, small),
        Paragraph(report.title, title),
        Paragraph(f"统计期间：{report.period}　　{report.generated}", small),
        Spacer(1, 4 * mm),
    ]
    for chart in report.charts:
        story.append(_chart(chart, font, width))
    for table in report.tables:
        title_and_table = [Paragraph(table.title, heading), Spacer(1, 1.5 * mm)]
        story.append(KeepTogether([*title_and_table, _table(table, font, width)]))
    story.append(Paragraph("计算口径", heading))
    story += [Paragraph(line, body) for line in report.formulas]
    doc.build(story)
    return out.getvalue()
