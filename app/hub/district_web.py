"""The district's figures page and its CSV/Excel exports. District staff see every centre and
department; department staff see their own department's figures only; anyone else is refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from app.hub import admin, district, district_export, web, workdays
from app.hub.admin import HubError
from app.hub.dept_query import DATE_FORMAT_HINT, parse_day
from app.hub.models import HubStaff
from app.hub.state import SESSION_COOKIE, Hub

MAX_DAYS = 366
PRESETS = (("today", "今日"), ("week", "本周"), ("month", "本月"), ("year", "本年"))


@dataclass(frozen=True)
class Asked:
    """The period asked for, as typed, and what was wrong with it (shown, the default used)."""

    period: district.Period
    preset: str
    typed_from: str
    typed_to: str
    error: str = ""


def preset_period(preset: str, today: date) -> district.Period:
    if preset == "today":
        return district.Period(today, today)
    if preset == "week":
        return district.Period(today - timedelta(days=today.weekday()), today)
    if preset == "year":
        return district.Period(today.replace(month=1, day=1), today)
    return district.Period(today.replace(day=1), today)


def ask(params: Mapping[str, str], today: date) -> Asked:
    """The period from the query string: a preset, or from/to typed as yyyy-mm-dd (at most a year)."""
    raw_from = str(params.get("from") or "").strip()[:20]
    raw_to = str(params.get("to") or "").strip()[:20]
    preset = str(params.get("preset") or "")
    if not raw_from and not raw_to:
        preset = preset if preset in dict(PRESETS) else "month"
        p = preset_period(preset, today)
        return Asked(p, preset, p.start.isoformat(), p.end.isoformat())
    start, end = parse_day(raw_from), parse_day(raw_to or raw_from)
    fallback = preset_period("month", today)
    if start is None or end is None:
        bad = raw_from if start is None else raw_to
        error = f"“{bad}”不是有效日期，请按 年-月-日 填写（例如 2026-11-05）；下面是本月的数字"
        return Asked(fallback, "", raw_from, raw_to, error)
    if end < start:
        return Asked(fallback, "", raw_from, raw_to, "结束日期早于开始日期；下面是本月的数字")
    if (end - start).days >= MAX_DAYS:
        error = f"统计期间最长 {MAX_DAYS} 天；下面是本月的数字"
        return Asked(fallback, "", raw_from, raw_to, error)
    return Asked(district.Period(start, end), "", start.isoformat(), end.isoformat())


def scope(staff: HubStaff) -> str | None:
    """None: every centre and department (district staff); else the staff member's department."""
    if staff.role == "district":
        return None
    if staff.role == "department" and staff.department:
        return staff.department
    raise HubError(403, "区级统计只对区级人员和部门人员开放")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def add_pages(app: FastAPI, hub: Hub) -> None:
    def who(request: Request) -> HubStaff | None:
        try:
            return hub.staff(request)
        except HubError:
            return None

    def load(request: Request) -> tuple[HubStaff, district.DistrictFigures, Asked] | Response:
        """The signed-in staff and the figures they asked for, or the page that answers instead
        (sign-in, or a Chinese error page)."""
        if (staff := who(request)) is None:
            return RedirectResponse("/dept/login", status_code=303)
        try:
            now = hub.clock()
            asked = ask(dict(request.query_params), workdays.business_today(now))
            with hub.sessions() as s:
                figures = district.figures(s, asked.period, now, scope(staff))
        except HubError as exc:
            return web.error_page(request, exc.status, exc.message)
        return staff, figures, asked

    @app.get("/district", response_model=None)
    def district_page(request: Request) -> Response:
        if isinstance(loaded := load(request), Response):
            return loaded
        staff, figures, asked = loaded
        period = {"from": asked.period.start.isoformat(), "to": asked.period.end.isoformat()}
        return web.render(
            request,
            "district.html",
            {
                "title": "区级统计" if figures.department is None else f"{staff.department} 统计",
                "staff": staff,
                "csrf": admin.staff_csrf_token(request.cookies.get(SESSION_COOKIE, "")),
                "f": figures,
                "asked": asked,
                "error": asked.error,
                "presets": PRESETS,
                "levels": [(x, district.LEVEL_LABELS[x]) for x in district.LEVELS],
                "formulas": district.FORMULAS,
                "percent": percent,
                "date_hint": DATE_FORMAT_HINT,
                "csv_links": [
                    (label, "/district/export.csv?" + urlencode({**period, "table": key}))
                    for key, label in district_export.tables(figures)
                ],
                "xlsx_link": "/district/export.xlsx?" + urlencode(period),
            },
        )

    def download(body: bytes, media: str, name: str) -> Response:
        return Response(
            body,
            media_type=media,
            headers={
                **web.HEADERS,
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            },
        )

    @app.get("/district/export.csv", response_model=None)
    def export_csv(request: Request) -> Response:
        if isinstance(loaded := load(request), Response):
            return loaded
        _, figures, _ = loaded
        table = str(request.query_params.get("table") or "centres")
        keys = dict(district_export.tables(figures))
        if table not in keys:
            return web.error_page(request, 404, "没有这个统计表")
        return download(
            district_export.csv_bytes(figures, table),
            "text/csv; charset=utf-8",
            f"{keys[table]}_{_span(figures)}.csv",
        )

    @app.get("/district/export.xlsx", response_model=None)
    def export_xlsx(request: Request) -> Response:
        if isinstance(loaded := load(request), Response):
            return loaded
        _, figures, _ = loaded
        return download(
            district_export.xlsx_bytes(figures, hub.clock()),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"区级统计_{_span(figures)}.xlsx",
        )


def _span(f: district.DistrictFigures) -> str:
    return f"{f.period.start:%Y%m%d}-{f.period.end:%Y%m%d}"
