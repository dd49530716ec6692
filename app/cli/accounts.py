"""`onewindow create-security-admin` and `onewindow audit verify`: accounts at install, the audit trail."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.shell import refused, services


def add_commands(sub: Any) -> None:
    """Register the account and audit commands on the `onewindow` sub-command parser."""
    sa = sub.add_parser(
        "create-security-admin",
        help="standalone centre, at install: the local security administrator (one-time password)",
    )
    sa.add_argument("--username", default="secadmin")
    sa.add_argument("--name", default="安全管理员")
    sa.set_defaults(func=cmd_create_security_admin)

    au = sub.add_parser("audit", help="the tamper-evident audit trail")
    au_sub = au.add_subparsers(dest="audit_command", required=True)
    verify = au_sub.add_parser("verify", help="check every audit record's hash chain and key")
    verify.set_defaults(func=cmd_audit_verify)


def cmd_create_security_admin(args: argparse.Namespace) -> int:
    from app.services.types import DomainError

    root = services(args, operator=True)
    try:
        root.initialise(seed_demo=False)
        account, password = root.maintenance.create_security_admin(args.username, args.name)
    except DomainError as exc:
        return refused(exc)
    finally:
        root.close()
    print(f"已创建安全管理员 {account.username}，一次性密码：{password}")
    print("首次登录时必须修改密码；请由安全管理员在程序中为其他人员创建账号。")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    root = services(args, operator=True)
    try:
        report = root.maintenance.verify_audit()
    finally:
        root.close()
    chain = report.chain
    print(f"已核验 {chain.checked} 条审计记录，用时 {report.seconds:.1f} 秒")
    if report.unchained:
        print(f"另有 {report.unchained} 条记录早于审计链启用，不受保护")
    if chain.ok:
        print("审计链完整：没有发现修改、删除或插入")
        return 0
    first = chain.first_break
    assert first is not None
    print(f"审计链被破坏！第一处：{first.text}", file=sys.stderr)
    for extra in chain.breaks[1:10]:
        print(f"  另：{extra.text}", file=sys.stderr)
    return 4
