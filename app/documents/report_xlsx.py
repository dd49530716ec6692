"""A report as an Excel workbook: one sheet per table, numbers as numbers (openpyxl, imported lazily)."""

from __future__ import annotations

import io

from app.documents.report_model import ReportData


def render_report_xlsx(report: ReportData) -> bytes:
    """The workbook: a sheet per table (header row bold and frozen), then the formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    bold = Font(bold=True)
    for table in report.tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append(list(table.columns))
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            sheet.append(list(row))
        sheet.freeze_panes = "A2"
        for i, title in enumerate(table.columns, start=1):
            width = max([len(str(title)) * 2, *(len(str(r[i - 1] or "")) * 2 for r in table.rows)])
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(60, width + 2)
    notes = book.create_sheet("计算口径")
    for line in (report.title, report.period, report.generated, "", *report.formulas):
        notes.append([line])
    book.properties.title = report.title
    book.properties.creator = report.centre_name
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
