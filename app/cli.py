"""The `onewindow` command: administers the centre's database; with no command it starts the GUI
that ui.entry hands in (app/ never imports the GUI itself)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__

if TYPE_CHECKING:
    from app.services.bootstrap import Services


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="onewindow", description="一窗通 · 街道便民服务中心窗口系统")
    p.add_argument("--version", action="version", version=f"onewindow {__version__}")
    p.add_argument(
        "--db",
        help="database URL (default: the config file, then a SQLite file in the user data folder)",
    )
    p.add_argument(
        "--user",
        help="the account a command acts as (password prompted, or ONEWINDOW_PASSWORD)",
    )
    p.add_argument(
        "--self-test", action="store_true", help="build the main window offscreen and exit"
    )
    sub = p.add_subparsers(dest="command")

    init = sub.add_parser(
        "init-db", help="create or upgrade the database and seed the catalogue and demo centre"
    )
    init.add_argument(
        "--no-demo",
        action="store_true",
        help="a real centre: no demo centre and no demo accounts (then create-security-admin)",
    )
    sub.add_parser("kiosk", help="the ticket kiosk (取号机), full screen")
    board = sub.add_parser("board", help="the call board (叫号屏), full screen")
    board.add_argument(
        "--screen", type=int, default=None, help="screen number (default: from settings)"
    )

    demo = sub.add_parser("demo-data", help="fill the database with a synthetic busy centre")
    demo.add_argument("--days", type=int, default=30)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument(
        "--per-day", type=int, default=None, help="tickets per working day (default ~150)"
    )

    cat = sub.add_parser("catalogue", help="check or import a catalogue")
    cat_sub = cat.add_subparsers(dest="catalogue_command", required=True)
    check = cat_sub.add_parser("check", help="validate a catalogue folder or matters file")
    check.add_argument("path", type=Path)
    imp = cat_sub.add_parser("import", help="import a catalogue folder as a new publication")
    imp.add_argument("path", type=Path)

    from app.sync.cli import add_sync_commands

    add_sync_commands(sub)

    rs = sub.add_parser(
        "restore",
        help="rebuild a lost centre database from the district hub, into a new, empty database",
    )
    rs.add_argument("--hub", help="hub URL, e.g. https://hub.example.gov.cn")
    rs.add_argument(
        "--code",
        help="one-time enrolment code from the district (omit to use this database's enrolment)",
    )
    rs.add_argument("--name", default="", help="device name shown at the hub")
    rs.add_argument("--ca-file", help="CA bundle to verify the hub's certificate (default: system)")

    sa = sub.add_parser(
        "create-security-admin",
        help="standalone centre, at install: the local security administrator (one-time password)",
    )
    sa.add_argument("--username", default="secadmin")
    sa.add_argument("--name", default="安全管理员")

    au = sub.add_parser("audit", help="the tamper-evident audit trail")
    au_sub = au.add_subparsers(dest="audit_command", required=True)
    au_sub.add_parser("verify", help="check every audit record's hash chain and key")

    pr = sub.add_parser(
        "print",
        help="a case's paper as PDF (--case: the recorded bytes, else composed and recorded); "
        "without --case: demo data",
    )
    pr.add_argument(
        "kind", choices=["ticket", "receipt", "supplement", "rejection", "completion", "form"]
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
    _accept_db_after_the_command(p)
    return p


def _accept_db_after_the_command(parser: argparse.ArgumentParser) -> None:
    """`--db URL` works before or after any (sub)command: each subcommand gets its own `--db`
    whose default is SUPPRESS, so it only overrides the top-level value when it is given."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for sub in set(action.choices.values()):
            if not any("--db" in a.option_strings for a in sub._actions):
                sub.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
            _accept_db_after_the_command(sub)


def _url(args: argparse.Namespace) -> str:
    from app.config import load_config

    return str(args.db) if args.db else load_config().database_url


def _services(args: argparse.Namespace) -> Services:
    """The composition root over the database the command line names."""
    from app.services.bootstrap import bootstrap

    return bootstrap(_url(args))


def cmd_init_db(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        seeded = services.initialise(seed_demo=not args.no_demo)
    finally:
        services.close()
    print("数据库已就绪" + ("（已导入目录和示范中心）" if seeded else ""))
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from app.services.demo_data import generate_demo_data

    services = _services(args)
    try:
        services.initialise()
        report = generate_demo_data(
            services.ctx, days=args.days, seed=args.seed, tickets_per_day=args.per_day
        )
    finally:
        services.close()
    print(
        f"{report.days} 天：居民 {report.residents}，取号 {report.tickets}，办件 {report.cases}，"
        f"事件 {report.events}，评价 {report.ratings}；用时 {report.seconds:.1f} 秒"
    )
    return 0


def cmd_catalogue(args: argparse.Namespace) -> int:
    from app.catalogue.loader import CatalogueError, check_catalogue, load_publication
    from app.services.types import AuthError, DomainError

    if args.catalogue_command == "check":
        issues = check_catalogue(args.path)
        for issue in issues:
            print(issue)
        if issues:
            print(f"目录有 {len(issues)} 处错误", file=sys.stderr)
            return 1
        print("目录检查通过")
        return 0
    try:
        pub = load_publication(args.path)
    except CatalogueError as exc:
        for issue in exc.issues:
            print(issue)
        return 1
    services = _services(args)
    try:
        services.initialise(seed_demo=False)
        if services.accounts.count_accounts() == 0:
            # Installing: no account exists yet, so the operator holding the database files acts
            # (as for init-db); once accounts exist a system administrator must sign in.
            from app.services.catalogue import CatalogueService

            result = CatalogueService(services.ctx).import_publication(pub)
        else:
            from app.cli_accounts import act_as

            act_as(services, args, "catalogue import")
            result = services.catalogue.import_publication(pub)
    except (ValueError, DomainError, AuthError) as exc:
        print(getattr(exc, "message", None) or str(exc), file=sys.stderr)
        return 1
    finally:
        services.close()
    state = "已是当前版本" if result.already_current else "已导入"
    print(f"目录 {result.version}：{result.matters} 个事项，{result.departments} 个部门，{state}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from app.services.context import ServiceContext
    from app.sync.client import SyncError
    from app.sync.credentials import CredentialError
    from app.sync.restore import ROW_LABELS, RestoreError, RestoreProgress, restore

    if args.code and not args.hub:
        print("请用 --hub 指明区级平台地址 / --hub is required with --code", file=sys.stderr)
        return 2

    def progress(p: RestoreProgress) -> None:
        print(
            f"正在恢复，请勿关闭：已接收 {p.changes} 条（区级平台同步位置 {p.cursor}）…", flush=True
        )

    ctx = ServiceContext.for_url(_url(args))
    try:
        report = restore(
            ctx,
            args.hub,
            args.code,
            device_name=args.name,
            verify=args.ca_file or True,
            on_progress=progress,
        )
    except RestoreError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    except (SyncError, CredentialError) as exc:
        print(
            f"恢复失败，本数据库未写入任何业务数据：{getattr(exc, 'message', exc)}", file=sys.stderr
        )
        return 1
    finally:
        ctx.close()
    counts = "，".join(f"{label} {report.rows[name]}" for name, label in ROW_LABELS.items())
    print(
        f"恢复完成：{report.centre_name}（{report.centre_code}），"
        f"接收 {report.changes} 条，用时 {report.seconds:.1f} 秒"
    )
    print(f"已恢复：{counts}")
    print(f"编号已接续：{report.counters} 个计数器（排队号、办件编号、不予受理通知书文号）")
    if report.decisions_applied:
        print(f"原电脑未及接收的部门决定 {report.decisions_applied} 件已补办")
    if report.queued:
        print(f"{report.queued} 条数据将在下次同步时发送")
    if report.adopted_accounts or report.placeholder_accounts or report.placeholder_windows:
        print(
            f"账号：{report.adopted_accounts} 个本机账号已接续原有记录；"
            f"{report.placeholder_accounts} 个原账号、{report.placeholder_windows} 个原窗口"
            "以停用的占位记录保留（历史记录仍可查看）"
        )
    print(
        "注意：原电脑上打印文书的 PDF 原件、审计日志和叫号记录不经区级平台，无法恢复；"
        "原电脑最后一次同步之后的业务也无法恢复。"
    )
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    if args.case:
        return _print_case(args)
    from app.documents.demo import print_demo

    out = print_demo(args.kind, args.out, args.matter, args.paper)
    print(f"已生成 {out}")
    return 0


def _explained(exc: Exception) -> int:
    """A database error as a Chinese message with what to do (the details go to the log only)."""
    import logging

    from app.db.health import explain

    problem = explain(exc)
    if problem is None:
        raise exc
    log = logging.getLogger(__name__)
    log.debug("database problem", exc_info=exc)  # the details, for the log file at DEBUG only
    log.warning("database problem: %s", problem.kind)
    print(problem.message, file=sys.stderr)
    return 3


def _print_case(args: argparse.Namespace) -> int:
    from app.domain.errors import DomainError
    from app.services.documents import CASE_KINDS

    if args.kind not in CASE_KINDS:
        print(f"办件文书只有：{'、'.join(CASE_KINDS)}", file=sys.stderr)
        return 2
    from app.services.types import AuthError

    services = _services(args)
    try:
        from app.cli_accounts import act_as

        act_as(services, args, "print --case")
        user = services.session.user
        assert user is not None
        paper, kept = services.documents.paper_for_case_number(user, args.case, args.kind)
    except (DomainError, LookupError, AuthError) as exc:
        print(getattr(exc, "message", str(exc)), file=sys.stderr)
        return 1
    finally:
        services.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(paper.pdf)
    how = "原样输出已打印的文书" if kept else "已生成并登记打印"
    print(f"{how}：{paper.kind_label} {args.case} → {args.out}（SHA-256 {paper.record.sha256}）")
    return 0


@dataclass(frozen=True)
class GuiCommands:
    """The screens ui.entry hands in; app/ itself never imports Qt or ui."""

    counter: Callable[[str, bool], int]
    kiosk: Callable[[str], int]
    board: Callable[[str, int | None], int]


def main(argv: Sequence[str] | None = None, gui: GuiCommands | None = None) -> int:
    from app.cli_accounts import cmd_audit, cmd_create_security_admin
    from app.logging_setup import setup_logging

    parser = _parser()
    args = parser.parse_args(argv)
    setup_logging()
    handlers = {
        "init-db": cmd_init_db,
        "demo-data": cmd_demo_data,
        "catalogue": cmd_catalogue,
        "print": cmd_print,
        "restore": cmd_restore,
        "audit": cmd_audit,
        "create-security-admin": cmd_create_security_admin,
    }
    try:
        if args.command in handlers:
            return handlers[args.command](args)
        if hasattr(args, "func"):  # enrol, sync
            return int(args.func(args))
    except Exception as exc:
        return _explained(exc)
    if gui is None:
        parser.print_help()
        return 2
    if args.command == "kiosk":
        return gui.kiosk(_url(args))
    if args.command == "board":
        return gui.board(_url(args), args.screen)
    return gui.counter(_url(args), args.self_test)


if __name__ == "__main__":
    raise SystemExit(main())
