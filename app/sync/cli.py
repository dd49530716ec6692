"""`onewindow enrol` and `onewindow sync --once/--watch`; the lead wires add_sync_commands into app/cli.py."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any


def add_sync_commands(subparsers: Any) -> None:
    """Add `enrol` and `sync` to the `onewindow` sub-command parser; handlers are set as `func`."""
    enrol = subparsers.add_parser("enrol", help="enrol this centre with the district hub (once)")
    enrol.add_argument("--hub", required=True, help="hub URL, e.g. https://hub.example.gov.cn")
    enrol.add_argument("--code", required=True, help="one-time enrolment code from the district")
    enrol.add_argument("--name", default="", help="device name shown at the hub")
    enrol.add_argument(
        "--ca-file", help="CA bundle to verify the hub's certificate (default: system)"
    )
    enrol.set_defaults(func=cmd_enrol)
    sync = subparsers.add_parser("sync", help="exchange data with the district hub")
    mode = sync.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="one round, then exit")
    mode.add_argument("--watch", action="store_true", help="keep syncing until interrupted")
    sync.add_argument(
        "--interval", type=float, default=30.0, help="seconds between rounds (--watch)"
    )
    sync.add_argument(
        "--ca-file", help="CA bundle to verify the hub's certificate (default: system)"
    )
    sync.set_defaults(func=cmd_sync)


def _ctx(args: argparse.Namespace) -> Any:
    from app.config import load_config
    from app.db.engine import upgrade
    from app.db.health import check_database
    from app.services.context import ServiceContext

    url = str(args.db) if getattr(args, "db", None) else load_config().database_url
    ctx = ServiceContext.for_url(url)
    check_database(ctx.engine)  # a damaged database is never synced
    upgrade(ctx.engine)
    return ctx


def cmd_enrol(args: argparse.Namespace) -> int:
    from app.sync.client import SyncError
    from app.sync.credentials import CredentialError
    from app.sync.enrol import enrol

    ctx = _ctx(args)
    try:
        resp = enrol(ctx, args.hub, args.code, device_name=args.name, verify=args.ca_file or True)
    except (SyncError, CredentialError) as exc:
        print(f"注册失败：{getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    finally:
        ctx.close()
    print(
        f"已注册：{resp.centre_name}（{resp.centre_code}），设备 {resp.device_id}；令牌已存入系统密钥库"
    )
    return 0


def _line(report: Any) -> str:
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
    from app.sync.agent import SyncAgent

    ctx = _ctx(args)
    agent = SyncAgent(ctx, verify=args.ca_file or True)
    try:
        if args.once:
            report = agent.run_once()
            print(_line(report), file=sys.stdout if report.ok else sys.stderr)
            return 0 if report.ok else 1
        stop = threading.Event()
        try:  # failed rounds are retried with jittered back-off (SyncAgent.run_forever)
            agent.run_forever(args.interval, stop, on_round=lambda r: print(_line(r), flush=True))
        except KeyboardInterrupt:
            stop.set()
        return 0
    finally:
        ctx.close()
