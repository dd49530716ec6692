"""Style a check keeps: modules of at most 400 lines, a docstring on every public module and class."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400

# Over the limit on main, each kept by a helper who is rewriting it this session (issue 9 and the
# issues beside it); the entry goes once the file is under the limit (test_allowlist_is_current).
OVER_LIMIT_FOR_NOW: set[str] = set()


def _modules() -> list[Path]:
    return sorted(
        p
        for part in ("app", "ui")
        for p in (ROOT / part).rglob("*.py")
        if "versions" not in p.relative_to(ROOT).parts
    )


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_modules_are_at_most_400_lines() -> None:
    long = {
        _rel(p): n for p in _modules() if (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert {k: v for k, v in long.items() if k not in OVER_LIMIT_FOR_NOW} == {}


def test_allowlist_is_current() -> None:
    short = [
        name
        for name in OVER_LIMIT_FOR_NOW
        if len((ROOT / name).read_text("utf-8").splitlines()) <= MAX_LINES
    ]
    assert short == [], "remove these from OVER_LIMIT_FOR_NOW"


def test_every_public_module_and_class_has_a_docstring() -> None:
    missing = []
    for path in _modules():
        tree = ast.parse(path.read_text("utf-8"))
        if not ast.get_docstring(tree):
            missing.append(_rel(path))
        missing += [
            f"{_rel(path)}:{n.lineno} class {n.name}"
            for n in ast.walk(tree)
            if isinstance(n, ast.ClassDef)
            and not n.name.startswith("_")
            and not ast.get_docstring(n)
        ]
    assert missing == [], "\n".join(missing)
