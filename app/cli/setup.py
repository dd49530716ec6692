"""`onewindow init-db`, `demo-data` and `catalogue check|import`: setting up a centre's database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.shell import act_as, refused, services


def add_commands(sub: Any) -> None:
    """Register the set-up commands on the `onewindow` sub-command parser."""
    init = sub.add_parser(
        "init-db", help="create or upgrade the database and seed the catalogue and demo centre"
    )
    init.add_argument(
        "--no-demo",
        action="store_true",
        help="a real centre: no demo centre and no demo accounts (then create-security-admin)",
    )
    init.set_defaults(func=cmd_init_db)

    demo = sub.add_parser("demo-data", help="fill the database with a synthetic busy centre")
    demo.add_argument("--days", type=int, default=30)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument(
        "--per-day", type=int, default=None, help="tickets per working day (default ~150)"
    )
    demo.set_defaults(func=cmd_demo_data)

    cat = sub.add_parser("catalogue", help="check or import a catalogue")
    cat_sub = cat.add_subparsers(dest="catalogue_command", required=True)
    check = cat_sub.add_parser("check", help="validate a catalogue folder or matters file")
    check.add_argument("path", type=Path)
    check.set_defaults(func=cmd_catalogue_check)
    imp = cat_sub.add_parser("import", help="import a catalogue folder as a new publication")
    imp.add_argument("path", type=Path)
    imp.set_defaults(func=cmd_catalogue_import)


def cmd_init_db(args: argparse.Namespace) -> int:
    root = services(args, operator=True)
    try:
        seeded = root.initialise(seed_demo=not args.no_demo)
    finally:
        root.close()
    print("数据库已就绪" + ("（已导入目录和示范中心）" if seeded else ""))
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    root = services(args, operator=True)
    try:
        root.initialise()
        report = root.maintenance.generate_demo_data(
            days=args.days, seed=args.seed, tickets_per_day=args.per_day
        )
    finally:
        root.close()
    print(
        f"{report.days} 天：居民 {report.residents}，取号 {report.tickets}，办件 {report.cases}，"
        f"事件 {report.events}，评价 {report.ratings}；用时 {report.seconds:.1f} 秒"
    )
    return 0


def cmd_catalogue_check(args: argparse.Namespace) -> int:
    from app.services.types import check_catalogue

    issues = check_catalogue(args.path)
    for issue in issues:
        print(issue)
    if issues:
        print(f"目录有 {len(issues)} 处错误", file=sys.stderr)
        return 1
    print("目录检查通过")
    return 0


def cmd_catalogue_import(args: argparse.Namespace) -> int:
    from app.services.types import AuthError, CatalogueInvalid, DomainError, read_catalogue

    try:
        publication = read_catalogue(args.path)
    except CatalogueInvalid as exc:
        for issue in exc.issues:
            print(issue)
        return 1
    root = services(args, operator=True)
    try:
        root.initialise(seed_demo=False)
        if getattr(args, "user", None):  # accounts exist: a system administrator imports
            act_as(root, args, "catalogue import")
            result = root.catalogue.import_publication(publication)
        else:  # installing: refused once any account exists
            result = root.maintenance.import_catalogue(publication)
    except (ValueError, DomainError, AuthError) as exc:
        return refused(exc)
    finally:
        root.close()
    state = "已是当前版本" if result.already_current else "已导入"
    print(f"目录 {result.version}：{result.matters} 个事项，{result.departments} 个部门，{state}")
    return 0
