"""Start-up, each start a new process: the sign-in window and `onewindow --self-test` against a bare
PySide6 window (the floor), all measured in the same run, interleaved in shuffled order.

- sign-in shown: from spawning `onewindow` until the sign-in window is on screen (ONEWINDOW_START_PROBE
  prints a line then); sign-in ready: until the services are open behind it (OK enabled);
  floor: a bare QApplication + QWidget, spawned until its window is on screen.
- self-test: `onewindow --self-test` (the main window built over the real database) from spawn to
  exit; floor: the bare window from spawn to exit.
- CPU: user + system seconds of each process (less sensitive than wall time to a loaded machine).

Goals (issue 15): sign-in shown ≤ 0.5 s; self-test ≤ 4× the bare window. The database is a SQLite
file set up by `init-db` beforehand (a clerk's daily start: schema current, catalogue imported).
Bytecode is compiled first into a private cache (as an installed app has it), so no run compiles.

Run: .venv/bin/python -m benchmarks.bench_start [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.stats import Timing, print_table

ROOT = Path(__file__).resolve().parents[1]

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv)
w = QWidget()
w.setWindowTitle("bare")
w.show()
QTimer.singleShot(0, lambda: (print("bare shown", flush=True), app.quit()))
app.exec()
"""


def _env(data: Path, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        ONEWINDOW_DATA_DIR=str(data),
        PYTHONPYCACHEPREFIX=str(cache),
        ONEWINDOW_START_PROBE="1",
    )
    return env


def run(cmd: list[str], env: dict[str, str]) -> tuple[dict[str, float], float, float]:
    """Spawn `cmd`; seconds from spawn to each line's first word pair ("sign-in shown", …), to
    exit, and the process's CPU seconds."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    seen: dict[str, float] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        words = line.split()
        if len(words) >= 2:
            seen.setdefault(" ".join(words[:2]), time.perf_counter() - started)
    _pid, status, usage = os.wait4(proc.pid, 0)
    ended = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with {proc.returncode}")
    return seen, ended, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data, cache = Path(tmp) / "data", Path(tmp) / "pycache"
        env = _env(data, cache)
        url = f"sqlite:///{(data / 'centre.db').as_posix()}"
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "app", "ui", "benchmarks"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [sys.executable, "-m", "app.cli", "--db", url, "init-db"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        commands = {
            "bare": [sys.executable, "-c", BARE],
            "sign-in": [sys.executable, "-m", "ui.entry", "--db", url],
            "self-test": [sys.executable, "-m", "ui.entry", "--db", url, "--self-test"],
        }
        for cmd in commands.values():  # warm the file cache and the compiled bytecode
            run(cmd, env)
        samples: dict[str, list[float]] = {}
        rng = random.Random(1)
        for _ in range(args.rounds):
            order = list(commands)
            rng.shuffle(order)
            for name in order:
                seen, ended, cpu = run(commands[name], env)
                if name == "bare":
                    samples.setdefault("bare shown", []).append(seen["bare shown"])
                    samples.setdefault("bare exit", []).append(ended)
                elif name == "sign-in":
                    samples.setdefault("sign-in shown", []).append(seen["sign-in shown"])
                    samples.setdefault("sign-in ready", []).append(seen["sign-in ready"])
                else:
                    samples.setdefault("self-test exit", []).append(ended)
                samples.setdefault(f"{name} cpu", []).append(cpu)

    def timing(key: str, label: str) -> Timing:
        return Timing(label, tuple(s * 1000 for s in samples[key]))

    shown_floor = timing("bare shown", "bare PySide6 window shown (floor)")
    shown = timing("sign-in shown", "sign-in window shown")
    print_table(
        f"Start to the first window, {args.rounds} starts each (ms)",
        shown_floor,
        [shown, timing("sign-in ready", "sign-in ready (services open)")],
    )
    exit_floor = timing("bare exit", "bare PySide6 window, spawn to exit (floor)")
    self_test = timing("self-test exit", "onewindow --self-test, spawn to exit")
    print_table("Self-test (ms)", exit_floor, [self_test])
    print_table(
        "CPU per process, user + system (ms)",
        timing("bare cpu", "bare PySide6 window (floor)"),
        [timing("sign-in cpu", "start to sign-in ready"), timing("self-test cpu", "self-test")],
    )
    ratio = self_test.median / exit_floor.median
    print(
        f"\ngoal sign-in shown ≤ 500 ms: median {shown.median:.0f} ms "
        f"({'met' if shown.median <= 500 else 'NOT met'}); "
        f"goal self-test ≤ 4× bare: {ratio:.1f}× ({'met' if ratio <= 4 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
