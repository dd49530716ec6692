"""The layering contracts of pyproject.toml hold, and each one fails when its rule is broken."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = {
    "ui-through-services",
    "cli-through-services",
    "domain-pure",
    "hub-own-server",
    "app-headless",
    "no-cycles",
}


def _lint(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}  # the copy's app and ui, not the checkout's
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_contract_is_configured() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    ids = {c["id"] for c in config["tool"]["importlinter"]["contracts"]}
    assert ids == CONTRACTS


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


# What the command line may import of app besides the composition root and the public types.
CLI_INFRASTRUCTURE = {"app.cli", "app.config", "app.logging_setup"}


def test_the_cli_contract_forbids_every_other_part_of_app() -> None:
    """A package or module added to app later is forbidden to the CLI until the contract says."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [
        c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "cli-through-services"
    ]
    parts = {
        f"app.{p.stem}"
        for p in (ROOT / "app").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    assert set(contract["forbidden_modules"]) == parts - CLI_INFRASTRUCTURE


BREAKS = [
    (
        "ui-through-services",
        "ui/login.py",
        "from app.db.models import Case",
        "ui.login -> app.db.models",
    ),
    (
        "ui-through-services",
        "ui/board.py",
        "from app.services.queue import QueueService",
        "ui.board -> app.services.queue",
    ),
    (
        "cli-through-services",
        "app/cli/sync.py",
        "from app.sync.agent import SyncAgent",
        "app.cli.sync -> app.sync.agent",
    ),
    (
        "cli-through-services",
        "app/cli/papers.py",
        "from app.services.documents import DocumentService",
        "app.cli.papers -> app.services.documents",
    ),
    (
        "domain-pure",
        "app/domain/masking.py",
        "from app.clock import CHINA_TZ",
        "app.domain.masking -> app.clock",
    ),
    (
        "hub-own-server",
        "app/hub/changes.py",
        "from app.services import setup",
        "app.hub.changes -> app.services.setup",
    ),
    ("app-headless", "app/clock.py", "from PySide6 import QtCore", "app.clock -> PySide6"),
    ("no-cycles", "app/db/types.py", "import app.services.context", ".db -> .services"),
]


@pytest.mark.parametrize(("contract", "path", "line", "named"), BREAKS)
def test_each_contract_fails_when_its_rule_is_broken(
    tmp_path: Path, contract: str, path: str, line: str, named: str
) -> None:
    for part in ("app", "ui"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    assert _lint(tmp_path, "--contract", contract).returncode == 0  # the copy is clean
    with (tmp_path / path).open("a", encoding="utf-8") as f:
        f.write(f"\n{line}  # noqa\n")
    result = _lint(tmp_path, "--contract", contract)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and named in result.stdout, result.stdout


def _cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph.modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def test_no_module_imports_itself_round_a_cycle() -> None:
    """Deferred (in-function) and TYPE_CHECKING imports count: they hide a cycle, not remove it."""
    graph = grimp.build_graph("app", "ui", cache_dir=None)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path) -> None:
    pkg = tmp_path / "loop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from loop import b\n")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from loop import a\n"
    )
    (pkg / "c.py").write_text("from loop import a\n")
    sys.path.insert(0, str(tmp_path))
    try:
        graph = grimp.build_graph("loop", cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))
    assert _cycles(graph) == [{"loop.a", "loop.b"}]
