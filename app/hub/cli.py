"""The `onewindow-hub` command: serve, init-db, init-secret, enrolment codes, catalogue publication, accounts."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="onewindow-hub", description="一窗通 · 区级平台")
    p.add_argument(
        "--db",
        default=os.environ.get("ONEWINDOW_HUB_DB"),
        help="hub database URL (default: $ONEWINDOW_HUB_DB)",
    )
    p.add_argument(
        "--secret-file",
        type=Path,
        default=os.environ.get("ONEWINDOW_HUB_SECRET_FILE") or None,
        help="the hub's master secret, which seals centres' audit keys; keep it outside the "
        "database and back it up apart (default: $ONEWINDOW_HUB_SECRET_FILE)",
    )
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the hub (HTTP API and department pages)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8400)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--ssl-certfile")
    serve.add_argument("--ssl-keyfile")
    sub.add_parser("init-db", help="create or upgrade the hub database")
    sub.add_parser(
        "init-secret", help="create the master secret file (32 random bytes, mode 0600) if absent"
    )
    code = sub.add_parser("enrol-code", help="make a one-time enrolment code for a centre")
    code.add_argument("--centre", required=True, help="centre code, e.g. 990101")
    code.add_argument("--name", default="", help="centre name (first time)")
    code.add_argument("--hours", type=int, default=72, help="valid for this many hours")
    pub = sub.add_parser("publish-catalogue", help="publish a catalogue folder to every centre")
    pub.add_argument("path", type=Path)
    cal = sub.add_parser(
        "publish-calendar",
        help="publish a working-day table (cn-workdays.toml format) to every centre",
    )
    cal.add_argument("path", type=Path)
    user = sub.add_parser(
        "add-user", help="add department staff, a district admin, or a centre account"
    )
    user.add_argument("--username", required=True)
    user.add_argument("--name", required=True)
    user.add_argument(
        "--role", required=True, choices=["department", "district", "admin", "clerk", "supervisor"]
    )
    user.add_argument("--department", default="")
    user.add_argument("--centre", help="centre code (for clerk / supervisor accounts)")
    user.add_argument("--password", help="initial password (asked for when omitted)")
    rev = sub.add_parser("revoke-device", help="revoke a device token")
    rev.add_argument("device_id")
    sub.add_parser("silent", help="list centres not heard from in 24 hours")
    purge = sub.add_parser(
        "purge-audit", help="remove centres' audit records older than --keep-days (at least 180)"
    )
    purge.add_argument("--keep-days", type=int, default=180)
    sub.add_parser("audit-chains", help="each centre's audit chain as the hub verified it")
    reset = sub.add_parser(
        "reset-audit-key",
        help="retire a centre's audit key (audited) so that it may register a new one",
    )
    reset.add_argument("--centre", required=True, help="centre code")
    reset.add_argument("--by", required=True, help="the district administrator's user name")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "init-secret":
        return _init_secret(args.secret_file)
    if not args.db:
        print("请用 --db 或环境变量 ONEWINDOW_HUB_DB 指定区级平台数据库", file=sys.stderr)
        return 2
    from app.hub.db import hub_engine, hub_sessions, upgrade
    from app.hub.secret import HubSecret, SecretUnavailable

    secret = HubSecret(args.secret_file)
    if args.command == "serve":
        return _serve(args, secret)
    engine = hub_engine(args.db)
    try:
        if args.command == "init-db":
            upgrade(engine, secret)
            print("区级平台数据库已就绪")
            return 0
        with hub_sessions(engine, secret).begin() as s:
            return _admin(args, s)
    except SecretUnavailable as exc:  # raised before anything changed
        print(exc.message, file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def _init_secret(path: Path | None) -> int:
    from app.hub import secret

    if path is None:
        print(
            "请用 --secret-file 或环境变量 ONEWINDOW_HUB_SECRET_FILE 指定区级平台主密钥文件的位置",
            file=sys.stderr,
        )
        return 2
    if not secret.create(path):
        try:
            secret.read(path)
        except secret.SecretUnavailable as exc:
            print(f"{exc.message}（已有文件未改动）", file=sys.stderr)
            return 1
        print(f"区级平台主密钥文件 {path} 已存在，未改动")
        return 0
    print(
        f"区级平台主密钥已创建：{path}（仅本账号可读）。请把它与数据库分开备份："
        "丢失后各中心的审计密钥须经区级管理员重置后重新登记"
    )
    return 0


def _admin(args: argparse.Namespace, s: object) -> int:
    import getpass
    import uuid
    from datetime import timedelta

    from sqlalchemy.orm import Session

    from app.clock import system_clock
    from app.hub import admin, publish

    assert isinstance(s, Session)
    now = system_clock()
    try:
        if args.command == "enrol-code":
            admin.ensure_centre(s, args.centre, args.name)
            code = admin.new_enrol_code(s, args.centre, now, timedelta(hours=args.hours))
            print(f"中心 {args.centre} 的注册码（{args.hours} 小时内有效，仅可使用一次）：{code}")
        elif args.command == "publish-catalogue":
            from app.catalogue.loader import CatalogueError, load_publication

            try:
                pub = load_publication(args.path)
            except CatalogueError as exc:
                for issue in exc.issues:
                    print(issue, file=sys.stderr)
                return 1
            publish.publish_catalogue(s, pub, now)
            print(f"目录 {pub.version} 已发布：{len(pub.matters)} 个事项")
        elif args.command == "publish-calendar":
            from app.calendar_days import rows_from_calendar
            from app.calendar_table import load_calendar
            from app.domain.errors import DomainError

            try:
                table = load_calendar(args.path)
            except (OSError, DomainError) as exc:
                print(
                    f"日历表 {args.path} 无法使用：{getattr(exc, 'message', exc)}", file=sys.stderr
                )
                return 1
            days = [
                {"day": r.day.isoformat(), "working": r.working, "name": r.name, "source": r.source}
                for r in rows_from_calendar(table)
            ]
            count = publish.publish_calendar(s, days, now)
            years = "、".join(str(y) for y in sorted(table.covered_years))
            print(f"工作日历已发布：{years} 年，{count} 天（节假日与调休上班日）")
        elif args.command == "add-user":
            password = args.password or getpass.getpass("初始密码：")
            if args.role in admin.STAFF_ROLES:
                admin.add_staff(s, args.username, args.name, args.role, password, args.department)
            else:
                if not args.centre:
                    print("中心账号须用 --centre 指定中心", file=sys.stderr)
                    return 2
                publish.publish_account(
                    s, args.centre, args.username, args.name, args.role, password, now
                )
            print(f"账号 {args.username} 已添加")
        elif args.command == "revoke-device":
            if not admin.revoke_device(s, uuid.UUID(args.device_id), now):
                print("没有这个设备", file=sys.stderr)
                return 1
            print("设备令牌已吊销")
        elif args.command == "silent":
            rows = admin.silent_devices(s, now)
            for r in rows:
                print(
                    f"{r['centre_code']} {r['centre_name']} 设备 {r['device_name']} "
                    f"最后联系 {r['last_seen_at'] or '从未'} 待发送 {r['queue_depth']}"
                )
            print(f"24 小时未联系的设备：{len(rows)}")
        elif args.command in ("purge-audit", "audit-chains", "reset-audit-key"):
            return _audit(args, s, now)
    except admin.HubError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    return 0


def _audit(args: argparse.Namespace, s: Any, now: Any) -> int:
    from sqlalchemy import func, select

    from app.hub import audit_trail
    from app.hub.models import HubAuditChain, HubAuditKey, HubCentre

    if args.command == "reset-audit-key":
        from app.hub import audit_keys
        from app.hub.models import HubStaff

        staff = s.scalars(
            select(HubStaff).where(HubStaff.username == args.by, HubStaff.role == "admin")
        ).first()
        if staff is None:
            print(f"{args.by} 不是区级管理员账号", file=sys.stderr)
            return 2
        retired = audit_keys.reset(s, args.centre, staff.id, staff.username, now)
        print(f"中心 {args.centre} 的审计密钥已停用 {retired} 把；中心下次同步时可登记新密钥")
        return 0
    if args.command == "purge-audit":
        try:
            removed = audit_trail.purge(s, now, args.keep_days)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(f"已删除 {args.keep_days} 天以前的审计记录 {removed} 条")
        return 0
    keyed = dict(
        s.execute(
            select(HubAuditKey.centre_id, func.min(HubAuditKey.from_seq)).group_by(
                HubAuditKey.centre_id
            )
        ).all()
    )
    for chain, code, name in s.execute(
        select(HubAuditChain, HubCentre.code, HubCentre.name)
        .join(HubCentre, HubCentre.id == HubAuditChain.centre_id)
        .order_by(HubCentre.code)
    ):
        first = keyed.get(chain.centre_id)
        mac = f"校验码自第 {first} 条起核对" if first else "未登记审计密钥，只核对哈希与链接"
        print(
            f"{code} {name} 审计记录 {chain.records} 条，已校验至第 {chain.last_seq} 条，"
            f"断链 {chain.breaks} 处{'（见冲突列表）' if chain.breaks else ''}；{mac}"
        )
    return 0


def _serve(args: argparse.Namespace, secret: Any) -> int:
    import uvicorn

    from app.hub.db import hub_engine, upgrade
    from app.hub.logs import hub_log_config
    from app.hub.secret import ENV, SecretUnavailable

    engine = hub_engine(args.db)
    try:
        upgrade(engine, secret)
    except SecretUnavailable as exc:
        print(exc.message, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    try:
        secret.sealer()
    except SecretUnavailable as exc:  # the hub serves; audit keys wait for the secret (503)
        print(f"警告：{exc.message}", file=sys.stderr)
    os.environ["ONEWINDOW_HUB_DB"] = args.db
    if args.secret_file is not None:
        os.environ[ENV] = str(Path(args.secret_file).resolve())
    uvicorn.run(
        "app.hub.api:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        log_level="warning",
        log_config=hub_log_config(),  # ID numbers and phones masked in every line
        timeout_graceful_shutdown=5,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
