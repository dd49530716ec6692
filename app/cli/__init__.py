"""The `onewindow` command: administers the centre's database; with no command it starts the GUI
that ui.entry hands in (app/ never imports the GUI itself).

A thin shell over the composition root: commands live in app/cli/<name>.py, each with an
`add_commands(sub)` that registers its parsers with `set_defaults(func=cmd_…)`, and are listed in
COMMAND_MODULES below. A command gets everything from `app.services.bootstrap` (through
app/cli/shell.py) and names only the services' public types (`app.services.dto`, `counter_dto`,
`types`); the import-linter contract `cli-through-services` holds it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app import __version__
from app.cli import accounts, papers, reports, security, setup
from app.cli import sync as sync_commands
from app.cli.shell import url

# In the order `onewindow --help` lists them (kiosk and board, the GUI's, come after init-db).
COMMAND_MODULES = (setup, sync_commands, accounts, security, papers, reports)


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
    sub.add_parser("kiosk", help="the ticket kiosk (取号机), full screen")
    board = sub.add_parser("board", help="the call board (叫号屏), full screen")
    board.add_argument(
        "--screen", type=int, default=None, help="screen number (default: from settings)"
    )
    for module in COMMAND_MODULES:
        module.add_commands(sub)
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


def _explained(exc: Exception) -> int:
    """A database error as a Chinese message with what to do (the details go to the log only)."""
    import logging

    from app.services.types import database_message

    message = database_message(exc)
    if message is None:
        raise exc
    log = logging.getLogger(__name__)
    log.debug("database problem", exc_info=exc)  # the details, for the log file at DEBUG only
    log.warning("database problem: %s", type(exc).__name__)
    print(message, file=sys.stderr)
    return 3


@dataclass(frozen=True)
class GuiCommands:
    """The screens ui.entry hands in; app/ itself never imports Qt or ui."""

    counter: Callable[[str, bool], int]
    kiosk: Callable[[str], int]
    board: Callable[[str, int | None], int]


def main(argv: Sequence[str] | None = None, gui: GuiCommands | None = None) -> int:
    from app.logging_setup import setup_logging

    parser = _parser()
    args = parser.parse_args(argv)
    setup_logging()
    if hasattr(args, "func"):
        try:
            return int(args.func(args))
        except Exception as exc:
            return _explained(exc)
    if gui is None:
        parser.print_help()
        return 2
    if args.command == "kiosk":
        return gui.kiosk(url(args))
    if args.command == "board":
        return gui.board(url(args), args.screen)
    return gui.counter(url(args), args.self_test)
