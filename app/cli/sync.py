"""`onewindow enrol`, `sync --once|--watch` and `restore`: the centre and the district hub."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TYPE_CHECKING, Any

from app.cli.shell import refused, services

if TYPE_CHECKING:
    from app.services.types import SyncReport

_CA_HELP = "CA bundle to verify the hub's certificate (default: system)"


def add_commands(sub: Any) -> None:
    """Register `enrol`, `sync` and `restore` on the `onewindow` sub-command parser."""
    enrol = sub.add_parser("enrol", help="enrol this centre with the district hub (once)")
    enrol.add_argument("--hub", required=True, help="hub URL, e.g. https://hub.example.gov.cn")
    enrol.add_argument("--code", required=True, help="one-time enrolment code from the district")
    enrol.add_argument("--name", default="", help="device name shown at the hub")
    enrol.add_argument("--ca-file", help=_CA_HELP)
    enrol.set_defaults(func=cmd_enrol)

    sync = sub.add_parser("sync", help="exchange data with the district hub")
    mode = sync.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="one round, then exit")
    mode.add_argument("--watch", action="store_true", help="keep syncing until interrupted")
    sync.add_argument(
        "--interval", type=float, default=30.0, help="seconds between rounds (--watch)"
    )
    sync.add_argument("--ca-file", help=_CA_HELP)
    sync.set_defaults(func=cmd_sync)

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
    rs.add_argument("--ca-file", help=_CA_HELP)
    rs.set_defaults(func=cmd_restore)


def cmd_enrol(args: argparse.Namespace) -> int:
    from app.services.types import DomainError

    root = services(args, operator=True)
    try:
        root.migrate()  # a damaged database is never enrolled
        resp = root.sync.enrol(args.hub, args.code, args.name)
    except DomainError as exc:
        return refused(exc)
    finally:
        root.close()
    print(
        f"已注册：{resp.centre_name}（{resp.centre_code}），设备 {resp.device_id}；令牌已存入系统密钥库"
    )
    return 0


def round_line(report: SyncReport) -> str:
    """One line for a sync round: what went each way, or why it failed."""
    if not report.ok:
        return f"同步失败：{report.error}"
    skew = ""
    if report.skew_seconds is not None and abs(report.skew_seconds) > 300:
        skew = f"；注意：本机时间与区级平台相差 {report.skew_seconds:.0f} 秒"
    return (
        f"同步完成：发送 {report.pushed} 条（冲突 {report.conflicts}），接收 {report.pulled} 条，"
        f"用时 {report.seconds:.1f} 秒{skew}"
    )


def cmd_sync(args: argparse.Namespace) -> int:
    root = services(args, operator=True)
    try:
        root.migrate()  # a damaged database is never synced
        if args.once:
            report = root.sync.run_round()
            print(round_line(report), file=sys.stdout if report.ok else sys.stderr)
            return 0 if report.ok else 1
        stop = threading.Event()
        try:  # failed rounds are retried with jittered back-off
            root.sync.watch(args.interval, stop, lambda r: print(round_line(r), flush=True))
        except KeyboardInterrupt:
            stop.set()
        return 0
    finally:
        root.close()


def cmd_restore(args: argparse.Namespace) -> int:
    from app.services.types import RESTORED_ROW_LABELS, DomainError

    if args.code and not args.hub:
        print("请用 --hub 指明区级平台地址 / --hub is required with --code", file=sys.stderr)
        return 2

    def progress(changes: int, cursor: int) -> None:
        print(f"正在恢复，请勿关闭：已接收 {changes} 条（区级平台同步位置 {cursor}）…", flush=True)

    root = services(args, operator=True)
    try:
        report = root.sync.restore(args.hub, args.code, args.name, progress)
    except DomainError as exc:
        return refused(exc)
    finally:
        root.close()
    counts = "，".join(
        f"{label} {report.rows[name]}" for name, label in RESTORED_ROW_LABELS.items()
    )
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
        f"审计记录 {report.audit_records} 条按原样恢复，打印文书原件 {report.prints_with_bytes} 份可按原样补打"
    )
    if report.audit_key_from_hub:
        print("审计密钥已从区级平台取回：onewindow audit verify 可用同一把密钥核验全部审计记录")
    elif report.audit_records:
        print("区级平台没有本中心的审计密钥：恢复的审计记录只能按哈希与链接核验")
    print(
        "注意：原电脑最后一次同步之后的业务无法恢复；由本机创建的账号已恢复，但密码不经区级平台，"
        "须由安全管理员重置后方可登录。"
    )
    return 0
