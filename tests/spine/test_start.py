"""Start-up loads only what the first window needs: the sign-in window shows before the database
layer is imported, and no heavy module (pypinyin's dictionaries, httpx, alembic, reportlab,
openpyxl) is loaded by the time the services are open behind it. Not timed: benchmarks/bench_start.py
measures the start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import app.services.types as public_types
from app.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
HEAVY = {
    "pypinyin",
    "pypinyin.pinyin_dict",
    "pypinyin.phrases_dict",
    "httpx",
    "alembic",
    "reportlab",
    "openpyxl",
}


def _start(url: str, data: Path) -> dict[str, set[str]]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "ONEWINDOW_DATA_DIR": str(data),
        "ONEWINDOW_START_PROBE": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "ui.entry", "--db", url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    seen = {}
    for line in result.stdout.splitlines():
        words = line.split()
        if words[:1] == ["sign-in"]:
            seen[words[1]] = set(words[3:])
    return seen


def test_the_sign_in_window_needs_no_heavy_module(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'centre.db').as_posix()}"
    assert cli_main(["--db", url, "init-db"]) == 0  # a clerk's daily start: the schema is current
    seen = _start(url, tmp_path / "data")
    assert set(seen) == {"shown", "ready"}
    # the window is on screen before the database layer is even imported (it opens behind it)
    assert "sqlalchemy" not in seen["shown"] and "app.services.bootstrap" not in seen["shown"]
    assert "app.services.bootstrap" in seen["ready"] and "PySide6.QtWidgets" in seen["ready"]
    assert seen["ready"] & HEAVY == set()


def test_a_first_start_migrates_and_seeds_behind_the_window(tmp_path: Path) -> None:
    """On a new database Alembic runs (once), so the check above is not vacuous."""
    seen = _start(f"sqlite:///{(tmp_path / 'new.db').as_posix()}", tmp_path / "data")
    assert "alembic" in seen["ready"] and "sqlalchemy" not in seen["shown"]


def test_every_public_type_resolves_lazily() -> None:
    names = set(public_types.__all__)
    assert names == set(public_types._WHERE)
    for name in sorted(names):
        assert getattr(public_types, name) is not None
