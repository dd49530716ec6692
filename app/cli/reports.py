"""`onewindow report daily|monthly --date D --out FILE.pdf|FILE.xlsx`: the supervisor's reports."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.shell import act_as, refused, services

FORMATS = {".pdf": "pdf", ".xlsx": "xlsx"}


def add_commands(sub: Any) -> None:
    """Register `report` on the `onewindow` sub-command parser."""
    rp = sub.add_parser("report", help="a daily or monthly report as PDF or Excel (supervisors)")
    rp.add_argument("kind", choices=["daily", "monthly"])
    rp.add_argument("--date", required=True, help="YYYY-MM-DD: the day, or a day of the month")
    rp.add_argument("--out", type=Path, required=True, help="FILE.pdf or FILE.xlsx")
    rp.add_argument(
        "--user",
        default=argparse.SUPPRESS,
        help="the supervisor it is made for (password prompted)",
    )
    rp.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from app.services.types import AuthError, DomainError

    fmt = FORMATS.get(args.out.suffix.lower())
    if fmt is None:
        print("报表文件名须以 .pdf 或 .xlsx 结尾", file=sys.stderr)
        return 2
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        print(f"日期无效：{args.date}（应为 YYYY-MM-DD）", file=sys.stderr)
        return 2
    root = services(args)
    try:
        act_as(root, args, "report")
        user = root.session.user
        assert user is not None
        report = root.period_reports.export(user, args.kind, day, fmt)
    except (DomainError, LookupError, AuthError) as exc:
        return refused(exc)
    finally:
        root.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(report.content)
    print(f"已生成 {args.out}（{report.first.isoformat()} 至 {report.last.isoformat()}）")
    return 0
