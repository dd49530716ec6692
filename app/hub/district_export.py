"""The district's figures as tables: CSV (UTF-8 with BOM, one table per file) and Excel (openpyxl,
one sheet per table plus the period and formulas; counts and rates as numbers, rates formatted %)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.hub import workdays
from app.hub.district import (
    FORMULAS,
    LEVEL_LABELS,
    LEVELS,
    CentreFigures,
    DepartmentFigures,
    DistrictFigures,
)

PERCENT = "0.0%"


def tables(f: DistrictFigures) -> list[tuple[str, str]]:
    """(key, title) of the tables this reader may have: a department sees its own two only."""
    out = [("departments", "部门响应率解决率"), ("centre_departments", "部门分中心")]
    if f.department is None:
        out.insert(0, ("centres", "各中心"))
    return out


def _centre_head() -> list[str]:
    return [
        "中心编码",
        "中心",
        *(f"{LEVEL_LABELS[x]}（件）" for x in LEVELS),
        "评价总数",
        "满意率",
        "差评（不满意+非常不满意）",
        "期间新增差评整改",
        "期间结案差评整改",
        "未结案差评整改（今天）",
        "超期未整改（今天）",
        "超期办件（今天）",
        "期间转办件数",
    ]


def _centre_row(c: CentreFigures) -> list[Any]:
    return [
        c.code,
        c.name,
        *(c.levels[x] for x in LEVELS),
        c.ratings,
        c.satisfaction,
        c.bad,
        c.follow_ups_opened,
        c.follow_ups_closed,
        c.follow_ups_open,
        c.follow_ups_overdue,
        c.cases_overdue,
        c.routed,
    ]


def _dept_head(with_centre: bool) -> list[str]:
    head = ["部门", "转办件数", "已响应", "响应率", "已决定", "解决率", "部门超期未决（今天）"]
    return [*head[:1], "受理中心", *head[1:]] if with_centre else head


def _dept_row(d: DepartmentFigures, with_centre: bool) -> list[Any]:
    row: list[Any] = [
        d.department,
        d.routed,
        d.responded,
        d.response_rate,
        d.decided,
        d.resolution_rate,
        d.overdue,
    ]
    return [*row[:1], d.centre, *row[1:]] if with_centre else row


def rows(f: DistrictFigures, table: str) -> Iterator[list[Any]]:
    """A table's header and rows; rates as fractions (None when there is nothing to divide)."""
    if table == "centres":
        yield _centre_head()
        for c in [*f.centres, f.total]:
            yield _centre_row(c)
    elif table == "departments":
        yield _dept_head(False)
        for d in f.departments:
            yield _dept_row(d, False)
    else:
        yield _dept_head(True)
        for d in f.by_centre:
            yield _dept_row(d, True)


def _rate_columns(table: str) -> set[int]:
    head = rows_header(table)[0]
    return {i for i, name in enumerate(head) if name.endswith("率")}


def rows_header(table: str) -> list[list[str]]:
    if table == "centres":
        return [_centre_head()]
    return [_dept_head(table == "centre_departments")]


def csv_bytes(f: DistrictFigures, table: str) -> bytes:
    """One table as CSV for Excel (BOM); rates as percentages with one decimal (e.g. 93.5%)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([f"统计期间 {f.period.start} 至 {f.period.end}；“今天”为 {f.today}"])
    rates = _rate_columns(table)
    for n, row in enumerate(rows(f, table)):
        if n == 0:
            w.writerow(row)
            continue
        w.writerow(
            [
                ("" if v is None else f"{v * 100:.1f}%") if i in rates else v
                for i, v in enumerate(row)
            ]
        )
    return ("\ufeff" + out.getvalue()).encode()


def xlsx_bytes(f: DistrictFigures, now: datetime) -> bytes:
    """Every table of the reader's scope as a sheet, then 说明 (period, today, formulas)."""
    book = Workbook()
    first = True
    titles = dict(tables(f))
    for key, title in titles.items():
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title
        rates = _rate_columns(key)
        for n, row in enumerate(rows(f, key), start=1):
            sheet.append(row)
            if n == 1:
                for cell in sheet[1]:
                    cell.font = Font(bold=True)
                continue
            for i in rates:
                sheet.cell(row=n, column=i + 1).number_format = PERCENT
        for i, width in enumerate(_widths(key), start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.freeze_panes = "B2" if key == "centres" else "A2"
    notes = book.create_sheet("说明")
    notes.append(["统计期间", f"{f.period.start} 至 {f.period.end}"])
    notes.append(["“今天”（超期、未结案的截止日）", str(f.today)])
    notes.append(["导出时间", now.astimezone(workdays.BUSINESS_ZONE).strftime("%Y-%m-%d %H:%M")])
    if f.department is not None:
        notes.append(["范围", f"仅 {f.department} 的数字"])
    for formula in FORMULAS:
        notes.append(["口径", formula])
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _widths(table: str) -> list[int]:
    head = rows_header(table)[0]
    return [max(10, min(24, len(h) * 2 + 2)) for h in head]
