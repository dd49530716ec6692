"""What every command of the `onewindow` CLI shares: the database URL, the services, acting as an account."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.bootstrap import Services


def url(args: argparse.Namespace) -> str:
    """The database the command line names (`--db`), else the config file's, else the default."""
    from app.config import load_config

    return str(args.db) if getattr(args, "db", None) else load_config().database_url


def services(args: argparse.Namespace, *, operator: bool = False) -> Services:
    """The composition root over that database; with `operator` the command acts as the machine's
    operator while no account is signed in (app/services/permissions.py OPERATOR)."""
    from app.services.bootstrap import bootstrap

    root = bootstrap(url(args), hub_ca_file=getattr(args, "ca_file", None))
    return root.as_operator() if operator else root


def act_as(root: Services, args: argparse.Namespace, what: str) -> None:
    """Sign the named account in for this command (`--user`; the password from the prompt, or
    ONEWINDOW_PASSWORD for scripts). The services then check its role like the GUI's."""
    import getpass
    import os

    from app.services.types import AuthError

    user = getattr(args, "user", None)
    if not user:
        raise AuthError(f"{what} 需要以账号身份执行：请用 --user 指明账号")
    password = os.environ.get("ONEWINDOW_PASSWORD") or getpass.getpass(f"{user} 的密码：")
    root.accounts.sign_in(user, password, window="cli")


def refused(exc: Exception, code: int = 1) -> int:
    """A refusal's Chinese message on stderr; the command's exit code."""
    print(getattr(exc, "message", None) or str(exc), file=sys.stderr)
    return code
