"""The interpreter ends cleanly after a counter day and a Qt print in one process (no abort at exit)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import ui  # noqa: F401  (installs the PySide6 work-arounds)

ROOT = Path(__file__).resolve().parents[2]


def test_counter_day_and_print_then_a_clean_exit() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui_counter.exit_day"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "day done" in done.stdout, done.stderr[-2000:]
    assert done.returncode == 0, done.stderr[-2000:]  # 134 was "Fatal Python error: bool_dealloc"


def test_emit_keeps_the_reference_count_of_true() -> None:
    from PySide6.QtCore import QObject, Signal

    class Ping(QObject):
        ping = Signal(bool, str)

    p = Ping()
    p.ping.connect(lambda ok, text: None)
    before = sys.getrefcount(True)
    for _ in range(200):
        p.ping.emit(True, "x")
    assert sys.getrefcount(True) - before > -20  # no reference taken per emit
