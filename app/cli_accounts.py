"""The `onewindow` commands of accounts and the audit trail, and how a command acts as an account."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.bootstrap import Services


def _url(args: argparse.Namespace) -> str:
    from app.config import load_config

    return str(args.db) if getattr(args, "db", None) else load_config().database_url


def _services(args: argparse.Namespace) -> Services:
    from app.services.bootstrap import bootstrap

    return bootstrap(_url(args))


def act_as(services: Services, args: argparse.Namespace, what: str) -> None:
    """Sign the named account in for this command (`--user`; the password from the prompt, or
    ONEWINDOW_PASSWORD for scripts). The services then check its role like the GUI's."""
    import getpass
    import os

    from app.services.types import AuthError

    if not args.user:
        raise AuthError(f"{what} 需要以账号身份执行：请用 --user 指明账号")
    password = os.environ.get("ONEWINDOW_PASSWORD") or getpass.getpass(f"{args.user} 的密码：")
    services.accounts.sign_in(args.user, password, window="cli")


def cmd_create_security_admin(args: argparse.Namespace) -> int:
    from app.services.accounts import create_first_security_admin
    from app.services.types import DomainError

    services = _services(args)
    try:
        services.initialise(seed_demo=False)
        account, password = create_first_security_admin(services.ctx, args.username, args.name)
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    finally:
        services.close()
    print(f"已创建安全管理员 {account.username}，一次性密码：{password}")
    print("首次登录时必须修改密码；请由安全管理员在程序中为其他人员创建账号。")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from app.db.health import check_database
    from app.services.audit import verify_database
    from app.services.context import ServiceContext

    ctx = ServiceContext.for_url(_url(args))
    try:
        check_database(ctx.engine)
        report = verify_database(ctx)
    finally:
        ctx.close()
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
