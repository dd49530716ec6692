"""`onewindow print KIND --out F.pdf [--case CASE_NUMBER]`: a real case's paper, or demo data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.shell import act_as, refused, services


def add_commands(sub: Any) -> None:
    """Register `print` on the `onewindow` sub-command parser."""
    pr = sub.add_parser(
        "print",
        help="a case's paper as PDF (--case: the recorded bytes, else composed and recorded); "
        "without --case: demo data",
    )
    pr.add_argument(
        "kind",
        choices=["ticket", "receipt", "supplement", "rejection", "completion", "extension", "form"],
    )
    pr.add_argument("--out", type=Path, required=True)
    pr.add_argument("--case", help="case number: print this real case's paper from the database")
    pr.add_argument(
        "--user",
        default=argparse.SUPPRESS,
        help="with --case: the clerk or supervisor the print is recorded under (password prompted)",
    )
    pr.add_argument("--matter", help="matter code (for `form`)")
    pr.add_argument(
        "--paper", choices=["A4", "80mm"], default=None, help="default: the kind's own paper"
    )
    pr.set_defaults(func=cmd_print)


def cmd_print(args: argparse.Namespace) -> int:
    if args.case:
        return _print_case(args)
    from app.services.types import print_demo

    out = print_demo(args.kind, args.out, args.matter, args.paper)
    print(f"已生成 {out}")
    return 0


def _print_case(args: argparse.Namespace) -> int:
    from app.services.dto import CASE_KINDS
    from app.services.types import AuthError, DomainError

    if args.kind not in CASE_KINDS:
        print(f"办件文书只有：{'、'.join(CASE_KINDS)}", file=sys.stderr)
        return 2
    root = services(args)
    try:
        act_as(root, args, "print --case")
        user = root.session.user
        assert user is not None
        paper, kept = root.documents.paper_for_case_number(user, args.case, args.kind)
    except (DomainError, LookupError, AuthError) as exc:
        return refused(exc)
    finally:
        root.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(paper.pdf)
    how = "原样输出已打印的文书" if kept else "已生成并登记打印"
    print(f"{how}：{paper.kind_label} {args.case} → {args.out}（SHA-256 {paper.record.sha256}）")
    return 0
