"""Entry point of the `onewindow` command: the CLI of app.cli, with the GUI as its default command."""

from __future__ import annotations

from collections.abc import Sequence


def start_gui(url: str, self_test: bool) -> int:
    from ui.app import run_gui

    return run_gui(url, self_test=self_test)


def main(argv: Sequence[str] | None = None) -> int:
    from app.cli import main as cli_main

    return cli_main(argv, start_gui=start_gui)


if __name__ == "__main__":
    raise SystemExit(main())
