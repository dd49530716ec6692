"""Daily and monthly reports as PDF and Excel, read back (pypdf text, openpyxl values) against the
hand-built day of test_period_figures, whose figures were worked out by hand (SQLite, PostgreSQL)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.cli import main
from app.domain.errors import IllegalTransition, ValidationError
from app.services.period_reports import PeriodReportService
from tests.documents.doc_helpers import pdf_text
from tests.services.conftest import Centre990101
from tests.services.test_period_figures import DAY, _build_day


def _sheets(content: bytes) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(io.BytesIO(content))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_daily_report_in_both_formats(world: Centre990101) -> None:
    _build_day(world)
    reports = PeriodReportService(world.ctx)
    boss = world.users["supervisor"]
    xlsx = reports.export(boss, "daily", DAY, "xlsx")
    assert xlsx.file_name == "2026年11月24日服务日报-2026-11-24.xlsx"
    sheets = _sheets(xlsx.content)
    assert list(sheets) == [
        "概况",
        "按业务分组",
        "按窗口",
        "按工作人员",
        "按时段",
        "按事项",
        "按部门",
        "按办件类型",
        "评价",
        "计算口径",
    ]
    summary = dict(sheets["概况"][1:])
    # By hand: 5 tickets, 3 served, 1 skipped; waits 5 10 20 40 → median 10, p90 40; service
    # 5 10 30 → 10, 30; cases 2 受理, 1 即办, 1 一次性告知, 1 不予受理; 3 decided, 2 on time;
    # ratings 5 5 4 3 1 → 80 % satisfied.
    assert summary == {
        "取号": 5,
        "已办": 3,
        "过号": 1,
        "等候时间中位数（分）": 10,
        "等候时间P90（分）": 40,
        "办理时间中位数（分）": 10,
        "办理时间P90（分）": 30,
        "受理": 2,
        "即办": 1,
        "一次性告知": 1,
        "不予受理": 1,
        "办件合计": 5,
        "作出决定的办件": 3,
        "按时办结": 2,
        "按时办结率（%）": 66.7,
        "评价数": 5,
        "满意率（%）": 80,
    }
    assert all(isinstance(v, int | float) for v in summary.values())  # numbers as numbers
    groups = {row[0]: row[1:4] for row in sheets["按业务分组"][1:]}
    assert groups == {"社保医保": (3, 2, 0), "民政救助": (2, 1, 1)}
    assert sheets["按业务分组"][0][:4] == ("业务分组", "取号", "已办", "过号")
    hours = {row[0]: row[1:3] for row in sheets["按时段"][1:]}
    assert hours == {"09": (3, 3), "10": (2, 0)}
    departments = {row[0]: row[5] for row in sheets["按部门"][1:]}
    assert departments == {"民政": 4, "人社": 1}
    assert dict(sheets["评价"][1:]) == {
        "非常满意": 2,
        "满意": 1,
        "基本满意": 1,
        "不满意": 0,
        "非常不满意": 1,
    }
    assert any("满意率" in str(row[0]) for row in sheets["计算口径"])

    pdf = reports.export(boss, "daily", DAY, "pdf")
    assert pdf.content.startswith(b"%PDF") and pdf.file_name.endswith(".pdf")
    text = pdf_text(pdf.content)
    for words in (
        "2026年11月24日服务日报",
        "统计期间：2026-11-24",
        "每小时取号与办结",  # the charts' titles
        "取号5",
        "已办3",
        "等候时间P90（分）40",
        "按时办结率（%）66.7",
        "满意率（%）80",
        "社保医保3",
        "民政救助2",
        "计算口径",
    ):
        assert words in text, words


def test_monthly_report_and_refusals(world: Centre990101) -> None:
    _build_day(world)
    reports = PeriodReportService(world.ctx)
    boss = world.users["supervisor"]
    month = reports.export(boss, "monthly", date(2026, 11, 5), "xlsx")
    assert (month.first, month.last) == (date(2026, 11, 1), date(2026, 11, 30))
    summary = dict(_sheets(month.content)["概况"][1:])
    # November: the day's 5 tickets and the 25th's; the day's 5 cases, the 23rd's and the four
    # received on 2 November; those four decided (one on the 25th).
    assert (summary["取号"], summary["办件合计"], summary["作出决定的办件"]) == (6, 10, 4)
    assert summary["评价数"] == 6
    assert "2026年11月服务月报" in pdf_text(reports.export(boss, "monthly", DAY, "pdf").content)
    with pytest.raises(IllegalTransition):
        reports.export(world.users["clerk1"], "daily", DAY, "pdf")
    with pytest.raises(ValidationError, match="日报和月报"):
        reports.export(boss, "weekly", DAY, "pdf")
    with pytest.raises(ValidationError, match="xlsx"):
        reports.export(boss, "daily", DAY, "csv")


def test_report_from_the_command_line(
    world: Centre990101,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _build_day(world)
    out = tmp_path / "day.xlsx"
    command = ["report", "daily", "--date", DAY.isoformat(), "--out", str(out), "--db", db_url]
    assert main(command) == 1  # acts as a named account
    assert "--user" in capsys.readouterr().err
    monkeypatch.setenv("ONEWINDOW_PASSWORD", "onewindow")
    assert main([*command, "--user", "clerk1"]) == 1  # supervisors only
    assert "无权" in capsys.readouterr().err
    assert main([*command, "--user", "supervisor"]) == 0
    assert dict(_sheets(out.read_bytes())["概况"][1:])["取号"] == 5
    pdf = tmp_path / "month.pdf"
    monthly = ["report", "monthly", "--date", "2026-11-30", "--out", str(pdf), "--db", db_url]
    assert main([*monthly, "--user", "supervisor"]) == 0
    assert "2026年11月服务月报" in pdf_text(pdf.read_bytes())
    bad = ["report", "daily", "--date", "2026-13-01", "--out", str(pdf), "--db", db_url]
    assert main([*bad, "--user", "supervisor"]) == 2
    assert "日期" in capsys.readouterr().err
    assert main([*command[:-2], "--out", str(tmp_path / "x.doc"), "--db", db_url]) == 2


def test_report_libraries_load_only_when_a_report_is_made() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, app.services.bootstrap, app.services.types, app.cli; "
        "loaded = [m for m in ('openpyxl', 'reportlab.platypus', 'reportlab.graphics.charts') "
        "if m in sys.modules]; print(loaded)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
