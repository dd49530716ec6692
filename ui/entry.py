"""Entry point of the `onewindow` command: the CLI of app.cli, with the GUI as its default command."""

from __future__ import annotations

from collections.abc import Sequence


def start_gui(url: str, self_test: bool) -> int:
    from ui.app import run_gui

    return run_gui(url, self_test=self_test)


def start_kiosk(url: str) -> int:
    from ui.hall_launch import run_kiosk

    return run_kiosk(url)


def start_board(url: str, screen: int | None) -> int:
    from ui.hall_launch import run_board

    return run_board(url, screen)


def main(argv: Sequence[str] | None = None) -> int:
    from app.cli import GuiCommands
    from app.cli import main as cli_main

    return cli_main(argv, GuiCommands(counter=start_gui, kiosk=start_kiosk, board=start_board))


if __name__ == "__main__":
    raise SystemExit(main())
