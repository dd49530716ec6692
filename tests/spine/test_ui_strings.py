"""Every visible Chinese string in ui/ goes through tr() in the form pyside6-lupdate extracts,
and a translation made from lupdate's output is found at run time (same context)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from ui.i18n import CONTEXT, tr

ROOT = Path(__file__).resolve().parents[2]
IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")  # punctuation alone is not a word
MARKERS = {"tr", "QT_TR_NOOP"}

# Chinese text that is not a string shown on screen, with why.
NOT_SHOWN = {
    (
        "ui/announcer.py",
        "零一二三四五六七八九",
    ): "the digits the voice call reads out, one per character",
}


def _name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _docstrings(tree: ast.AST) -> set[ast.AST]:
    found: set[ast.AST] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = n.body[0] if n.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(first.value)
    return found


def scan(source: str) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    """(Chinese literals outside the extractable form, (context, text) of those inside it)."""
    tree = ast.parse(source)
    in_fstring = {
        id(m) for j in ast.walk(tree) if isinstance(j, ast.JoinedStr) for m in ast.walk(j)
    }
    marked: dict[ast.AST, str] = {}
    for n in ast.walk(tree):
        if not isinstance(n, ast.Call) or id(n) in in_fstring:  # lupdate skips f-strings
            continue
        name = _name(n)
        if name in MARKERS and len(n.args) == 1:
            marked[n.args[0]] = CONTEXT
        elif name == "translate" and len(n.args) >= 2 and isinstance(n.args[0], ast.Constant):
            marked[n.args[1]] = str(n.args[0].value)
    skip = _docstrings(tree)
    loose: list[tuple[int, str]] = []
    inside: list[tuple[str, str]] = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n not in skip:
            if n in marked:
                inside.append((marked[n], n.value))
            elif IDEOGRAPH.search(n.value):
                loose.append((n.lineno, n.value))
    return loose, inside


def _ui_files() -> list[Path]:
    return sorted((ROOT / "ui").rglob("*.py"))


def test_no_chinese_literal_outside_tr() -> None:
    loose = []
    for path in _ui_files():
        rel = path.relative_to(ROOT).as_posix()
        loose += [
            f"{rel}:{line}: {text!r}"
            for line, text in scan(path.read_text("utf-8"))[0]
            if (rel, text) not in NOT_SHOWN
        ]
    assert loose == [], "\n".join(loose)


@pytest.mark.parametrize(
    ("source", "loose"),
    [
        ('x = tr("叫号")', 0),
        ('x = QT_TR_NOOP("叫号")', 0),
        ('x = QCoreApplication.translate("Kiosk", "取号")', 0),
        ('label.setText("叫号")', 1),
        ('x = tr(f"第{n}号")', 2),  # lupdate would extract the braces, not the text shown
        ('x = tr("第" + "号")', 2),
        ('x = tr("共 %d 件") % n', 0),
        ('x = "（" + name + "）"', 0),  # punctuation alone
        ("x = f\"{tr('法定')} {n}\"", 1),  # lupdate does not look inside f-strings
        ('def f():\n    """说明。"""', 0),
    ],
)
def test_the_scan_itself(source: str, loose: int) -> None:
    assert len(scan(source)[0]) == loose


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    ts = tmp_path_factory.mktemp("ts") / "ui.ts"
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    files = [str(p) for p in _ui_files()]
    result = subprocess.run(
        [str(lupdate), *files, "-ts", str(ts)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    root = ET.parse(ts).getroot()
    return {
        (ctx.findtext("name") or "", msg.findtext("source") or "")
        for ctx in root.iter("context")
        for msg in ctx.iter("message")
    }


def test_lupdate_extracts_every_marked_string_under_the_context_used_at_run_time(
    extracted: set[tuple[str, str]],
) -> None:
    wanted = {pair for path in _ui_files() for pair in scan(path.read_text("utf-8"))[1]}
    assert len(wanted) > 250
    assert wanted - extracted == set()


def test_a_translation_from_lupdate_output_is_found_at_run_time(
    qapp, tmp_path: Path, extracted: set[tuple[str, str]]
) -> None:  # type: ignore[no-untyped-def]
    source = "立即与区级平台同步"
    assert (CONTEXT, source) in extracted
    ts = tmp_path / "en.ts"
    ts.write_text(
        '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE TS><TS version="2.1" language="en">'
        f"<context><name>{CONTEXT}</name><message><source>{source}</source>"
        "<translation>Sync with the district now</translation></message></context></TS>",
        encoding="utf-8",
    )
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    subprocess.run([str(lrelease), str(ts), "-qm", str(tmp_path / "en.qm")], check=True, timeout=60)
    translator = QTranslator()
    assert translator.load(str(tmp_path / "en.qm"))
    QCoreApplication.installTranslator(translator)
    try:
        assert tr(source) == "Sync with the district now"
    finally:
        QCoreApplication.removeTranslator(translator)
    assert tr(source) == source
