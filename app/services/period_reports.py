"""The supervisor's daily and monthly reports as PDF or Excel, from any period's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app.clock import local_time
from app.db.models import Centre, ServiceGroup
from app.documents.report_model import Cell, ReportChart, ReportData, ReportTable
from app.domain.errors import ValidationError
from app.services.case_numbers import get_or_404, require_supervisor
from app.services.context import ServiceContext
from app.services.counter_dto import RATING_LABELS
from app.services.dto import SignedInUser
from app.services.period_figures import CaseRow, PeriodFigures, PeriodFiguresService, TicketRow

REPORT_KINDS = {"daily": "日报", "monthly": "月报"}
FORMATS = ("pdf", "xlsx")


@dataclass(frozen=True)
class ReportFile:
    """A rendered report: its bytes and the file name it is saved under."""

    kind: str
    fmt: str
    first: date
    last: date
    content: bytes
    file_name: str


def report_period(kind: str, day: date) -> tuple[date, date]:
    """The day itself, or the calendar month `day` falls in."""
    if kind == "daily":
        return day, day
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _ticket_table(
    title: str, head: str, rows: tuple[TicketRow, ...], names: dict[str, str]
) -> ReportTable:
    return ReportTable(
        title,
        (
            head,
            "取号",
            "已办",
            "过号",
            "等候中位数（分）",
            "等候P90（分）",
            "办理中位数（分）",
            "办理P90（分）",
        ),
        tuple(
            (
                names.get(r.key, r.key) or "（无）",
                r.issued,
                r.served,
                r.skipped,
                r.waiting.median,
                r.waiting.p90,
                r.service.median,
                r.service.p90,
            )
            for r in rows
        ),
    )


def _case_table(title: str, head: str, rows: tuple[CaseRow, ...]) -> ReportTable:
    return ReportTable(
        title,
        (head, "受理", "即办", "一次性告知", "不予受理", "合计"),
        tuple((r.key, r.received, r.on_spot, r.told, r.refused, r.total) for r in rows),
    )


def report_data(
    f: PeriodFigures, kind: str, centre_name: str, groups: dict[str, str], generated: str
) -> ReportData:
    """The tables and charts of a report from a period's figures (group codes shown by name)."""
    t, c = f.tickets, f.cases
    summary: tuple[tuple[Cell, ...], ...] = (
        ("取号", t.issued),
        ("已办", t.served),
        ("过号", t.skipped),
        ("等候时间中位数（分）", t.waiting.median),
        ("等候时间P90（分）", t.waiting.p90),
        ("办理时间中位数（分）", t.service.median),
        ("办理时间P90（分）", t.service.p90),
        ("受理", c.received),
        ("即办", c.on_spot),
        ("一次性告知", c.told),
        ("不予受理", c.refused),
        ("办件合计", c.total),
        ("作出决定的办件", f.decided),
        ("按时办结", f.decided_on_time),
        ("按时办结率（%）", f.on_time_percent),
        ("评价数", f.ratings),
        ("满意率（%）", f.satisfied_percent),
    )
    levels = (5, 4, 3, 2, 1)
    label = REPORT_KINDS[kind]
    period = (
        f.first.isoformat()
        if f.first == f.last
        else f"{f.first.isoformat()} 至 {f.last.isoformat()}"
    )
    when = f"{f.first.year}年{f.first.month}月" + (f"{f.first.day}日" if kind == "daily" else "")
    return ReportData(
        centre_name=centre_name,
        title=f"{when}服务{label}",
        period=period,
        generated=generated,
        tables=(
            ReportTable("概况", ("指标", "数值"), summary),
            _ticket_table("按业务分组", "业务分组", f.by_group, groups),
            _ticket_table("按窗口", "窗口", f.by_window, {}),
            _ticket_table("按工作人员", "工作人员", f.by_clerk, {}),
            _ticket_table("按时段", "时段", f.by_hour, {}),
            _case_table("按事项", "事项", f.by_matter),
            _case_table("按部门", "部门", f.by_department),
            _case_table("按办件类型", "办件类型", f.by_case_type),
            ReportTable(
                "评价",
                ("评价等级", "评价数"),
                tuple((RATING_LABELS[lv], f.ratings_by_level.get(lv, 0)) for lv in levels),
            ),
        ),
        charts=(
            ReportChart(
                "每小时取号与办结",
                tuple(r.key for r in f.by_hour),
                (
                    ("取号", tuple(r.issued for r in f.by_hour)),
                    ("办结", tuple(r.served for r in f.by_hour)),
                ),
            ),
            ReportChart(
                "评价",
                tuple(RATING_LABELS[lv] for lv in levels),
                (("评价数", tuple(f.ratings_by_level.get(lv, 0) for lv in levels)),),
            ),
        ),
        formulas=f.formulas,
    )


class PeriodReportService:
    """Supervisor-only: a daily or monthly report of the supervisor's own centre."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def export(self, user: SignedInUser, kind: str, day: date, fmt: str) -> ReportFile:
        """The report of `kind` (daily: `day`; monthly: `day`'s month) as `fmt` (pdf / xlsx)."""
        require_supervisor(user)
        if kind not in REPORT_KINDS:
            raise ValidationError("REPORT_KIND", "报表只有日报和月报", "kind")
        if fmt not in FORMATS:
            raise ValidationError("REPORT_FORMAT", "报表格式只能是 PDF 或 Excel（xlsx）", "fmt")
        first, last = report_period(kind, day)
        figures = PeriodFiguresService(self.ctx).figures(user, first, last)
        with self.ctx.uow() as uow:
            s = uow.session
            centre = get_or_404(s, Centre, user.centre_id, "服务中心")
            groups = {c: n for c, n in s.execute(select(ServiceGroup.code, ServiceGroup.name))}
            uow.audit(
                "report_exported",
                user_id=user.id,
                centre_id=centre.id,
                kind=kind,
                fmt=fmt,
                first=first.isoformat(),
            )
            centre_name = centre.name
        stamp = local_time(self.ctx.clock()).strftime("%Y-%m-%d %H:%M")
        data = report_data(
            figures, kind, centre_name, groups, f"生成：{stamp}（{user.display_name}）"
        )
        if fmt == "pdf":
            from app.documents.report_pdf import render_report_pdf

            content = render_report_pdf(data)
        else:
            from app.documents.report_xlsx import render_report_xlsx

            content = render_report_xlsx(data)
        name = f"{data.title}-{first.isoformat()}.{fmt}"
        return ReportFile(kind, fmt, first, last, content, name)
