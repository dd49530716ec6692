"""Check that every runtime dependency resolves to wheels a Windows x64 desktop can install.

    .venv/bin/python packaging/check_windows_wheels.py [--python 3.11 3.12 3.13]

For each supported Python it asks PyPI (pip's resolver, `--only-binary=:all: --platform win_amd64`,
metadata only: nothing large is downloaded) what `pip install .` on Windows would install, and
fails when a package has no Windows wheel for that Python. pip evaluates environment markers for
the machine it runs on, not for `--platform`, so dependencies that only Windows needs (keyring's
backend pywin32-ctypes, tzdata for zoneinfo, click's colorama ...) would be missed: the script
walks the resolved metadata with Windows markers and adds what is missing until nothing is.
Needs the network to PyPI; local indexes and pip configuration of this machine are ignored.
Exit 0 when everything resolves; tests/packaging/test_windows_wheels.py runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED = ("3.11", "3.12", "3.13")
MAX_ROUNDS = 6


def runtime_requirements() -> list[Requirement]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [Requirement(r) for r in data["project"]["dependencies"]]


def windows_env(python: str, extra: str = "") -> dict[str, str]:
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": "nt",
        "platform_machine": "AMD64",
        "platform_python_implementation": "CPython",
        "platform_release": "10",
        "platform_system": "Windows",
        "platform_version": "10.0.19045",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": "win32",
        "extra": extra,
    }


def _applies(marker: Marker | None, python: str, extras: set[str]) -> bool:
    if marker is None:
        return True
    return any(marker.evaluate(windows_env(python, e)) for e in {"", *extras})


def _pip_report(python: str, reqs: list[str], work: Path) -> dict[str, dict[str, object]]:
    """What pip would install for win_amd64 and this Python: name -> {version, wheel, requires}."""
    report = work / f"report-{python}.json"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(work)),
        "PIP_CONFIG_FILE": os.devnull,  # PyPI itself, as on the Windows build machine
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_DEFAULT_TIMEOUT": "60",
    }
    if os.environ.get("PIP_CERT"):
        env["PIP_CERT"] = os.environ["PIP_CERT"]
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--only-binary=:all:",
        "--platform",
        "win_amd64",
        "--python-version",
        python,
        "--implementation",
        "cp",
        "--target",
        str(work / "target"),
        "--report",
        str(report),
        "--quiet",
        *reqs,
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise ResolveError(
            f"Python {python}: pip could not resolve win_amd64 wheels:\n{done.stderr}"
        )
    out: dict[str, dict[str, object]] = {}
    for item in json.loads(report.read_text(encoding="utf-8"))["install"]:
        meta = item["metadata"]
        out[canonicalize_name(meta["name"])] = {
            "version": meta["version"],
            "wheel": item["download_info"]["url"].rsplit("/", 1)[-1],
            "requires": meta.get("requires_dist", []),
        }
    return out


class ResolveError(Exception):
    """A dependency has no wheel for Windows x64 and the Python named in the message."""


def _windows_closure(
    python: str, top: list[Requirement], found: dict[str, dict[str, object]]
) -> tuple[dict[str, set[str]], list[Requirement]]:
    """The packages Windows needs (name -> extras asked for) and the requirements pip missed."""
    needed: dict[str, set[str]] = {}
    missing: list[Requirement] = []
    queue = [(r, set[str]()) for r in top]
    while queue:
        req, parent_extras = queue.pop()
        if not _applies(req.marker, python, parent_extras):
            continue
        name = canonicalize_name(req.name)
        extras = set(req.extras)
        if name in needed and extras <= needed[name]:
            continue
        needed.setdefault(name, set()).update(extras)
        if name not in found:
            missing.append(req)
            continue
        requires = found[name]["requires"]
        assert isinstance(requires, list)
        queue.extend((Requirement(r), needed[name]) for r in requires)
    return needed, missing


def check(python: str, work: Path) -> list[tuple[str, str, str]]:
    """(name, version, wheel file) of every package a Windows install for `python` needs."""
    top = runtime_requirements()
    asked = [str(r) for r in top]
    for _round in range(MAX_ROUNDS):
        found = _pip_report(python, asked, work)
        needed, missing = _windows_closure(python, top, found)
        if not missing:
            break
        for req in missing:  # ask for it without its marker: pip would drop it on this machine
            plain = Requirement(str(req))
            plain.marker = None
            asked.append(str(plain))
    else:
        raise ResolveError(f"Python {python}: still missing after {MAX_ROUNDS} rounds: {missing}")
    rows = []
    for name in sorted(needed):
        info = found[name]
        wheel = str(info["wheel"])
        if not wheel.endswith(".whl"):
            raise ResolveError(f"Python {python}: {name} is not a wheel ({wheel})")
        platforms = {t.platform for t in parse_wheel_filename(wheel)[3]}
        if not platforms & {"win_amd64", "any"}:
            raise ResolveError(f"Python {python}: {wheel} is not for win_amd64")
        rows.append((name, str(info["version"]), wheel))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", nargs="+", default=list(SUPPORTED))
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory(prefix="ow-winwheels-") as tmp:

        def one(python: str) -> list[tuple[str, str, str]]:
            work = Path(tmp) / python
            work.mkdir()
            return check(python, work)

        with ThreadPoolExecutor(len(args.python)) as pool:  # the Pythons at once: network-bound
            futures = {python: pool.submit(one, python) for python in args.python}
        for python, future in futures.items():
            try:
                rows = future.result()
            except ResolveError as exc:
                print(f"FAIL {exc}", flush=True)
                failed = True
                continue
            print(f"Python {python} win_amd64: {len(rows)} packages, all wheels", flush=True)
            for name, version, wheel in rows:
                print(f"  {name} {version}  {wheel}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
