"""The data of a supervisor's report (daily or monthly): titled tables and two charts, for PDF and Excel."""

from __future__ import annotations

from dataclasses import dataclass

Cell = str | int | float | None


@dataclass(frozen=True)
class ReportTable:
    """One table of a report: a sheet in Excel, a titled table in the PDF. Numbers stay numbers."""

    title: str  # also the Excel sheet name (≤ 31 characters)
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class ReportChart:
    """A bar chart: categories along the bottom, one or more named series of counts."""

    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[int, ...]], ...]


@dataclass(frozen=True)
class ReportData:
    """A report: who it is for, which period, its tables, charts and the formulas behind them."""

    centre_name: str
    title: str  # 2026年11月24日 服务中心日报
    period: str  # 2026-11-24 or 2026-11-01 至 2026-11-30
    generated: str  # when and by whom
    tables: tuple[ReportTable, ...]
    charts: tuple[ReportChart, ...]
    formulas: tuple[str, ...]
