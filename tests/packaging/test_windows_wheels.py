"""Every runtime dependency resolves to win_amd64 wheels on PyPI for Python 3.11, 3.12 and 3.13.

Runs packaging/check_windows_wheels.py (pip's resolver against PyPI, metadata only, ~30 s on
this machine; needs the network). The Windows-only dependencies pip would not see from Linux
must be in its answer.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "check_windows_wheels.py"
WINDOWS_ONLY = ("pywin32-ctypes", "tzdata", "colorama")


@pytest.mark.slow
def test_every_runtime_dependency_has_a_win_amd64_wheel_for_each_supported_python() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sections = done.stdout.split("Python ")[1:]
    assert [s.split(" ", 1)[0] for s in sections] == ["3.11", "3.12", "3.13"]
    for section in sections:
        names = {line.split()[0] for line in section.splitlines()[1:] if line.startswith("  ")}
        for name in ("pyside6-essentials", "psycopg-binary", "keyring", *WINDOWS_ONLY):
            assert name in names, f"{name} missing for Python {section[:4]}"
        wheels = [line.split()[-1] for line in section.splitlines()[1:]]
        assert all(w.endswith(("win_amd64.whl", "-any.whl")) for w in wheels), wheels
        # The keyring backend for Windows Credential Manager and the psycopg binary are Windows
        # wheels of this very Python, not the Linux ones of the machine that ran the check.
        binary = next(w for w in wheels if w.startswith("psycopg_binary-"))
        assert f"cp{section[:4].replace('.', '')}-win_amd64" in binary


def test_the_project_asks_for_tzdata_on_windows() -> None:
    """zoneinfo has no time-zone database on Windows: without tzdata Asia/Shanghai is unknown."""
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import check_windows_wheels as check
    finally:
        sys.path.remove(str(SCRIPT.parent))
    reqs = {r.name: r for r in check.runtime_requirements()}
    marker = reqs["tzdata"].marker
    assert marker is not None
    assert marker.evaluate(check.windows_env("3.12"))
    assert not marker.evaluate({**check.windows_env("3.12"), "sys_platform": "linux"})
