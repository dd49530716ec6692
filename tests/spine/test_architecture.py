"""Arrows point down: nothing under app/ imports Qt or ui; logs never carry personal data."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from app.logging_setup import PersonalDataFilter, scrub

ROOT = Path(__file__).resolve().parents[2]

BLOCKER = r"""
import importlib, importlib.abc, pkgutil, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6", "ui"):
            raise ImportError(f"blocked: {name}")
        return None
sys.meta_path.insert(0, Block())
import app
names = [m.name for m in pkgutil.walk_packages(app.__path__, "app.")]
for name in names:
    if ".migrations" in name:
        continue
    importlib.import_module(name)
print(len(names))
"""


def test_every_app_module_imports_without_qt() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 20


def test_no_module_under_app_mentions_qt_or_ui_imports() -> None:
    for path in (ROOT / "app").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import PySide6" not in text and "from PySide6" not in text, path
        assert "from ui" not in text and "import ui" not in text, path


def test_logs_mask_id_numbers_and_phones(caplog) -> None:  # type: ignore[no-untyped-def]
    assert (
        scrub("id 11010519491231002X phone 13812345678")
        == "id 110105********002X phone 138****5678"
    )
    logger = logging.getLogger("onewindow.test")
    logger.addFilter(PersonalDataFilter())
    with caplog.at_level(logging.INFO):
        logger.info("lookup %s by %s", "11010519491231002X", "13812345678")
    assert "11010519491231002X" not in caplog.text and "13812345678" not in caplog.text


def test_log_file_is_written_and_scrubbed(tmp_path: Path) -> None:
    from app.logging_setup import setup_logging

    path = setup_logging("INFO", log_dir=tmp_path / "logs")
    try:
        assert path is not None
        logging.getLogger("onewindow.test").info(
            "registered %s with %s", "11010519491231002X", "13812345678"
        )
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = path.read_text(encoding="utf-8")
        assert "110105********002X" in text and "138****5678" in text
        assert "11010519491231002X" not in text
    finally:
        logging.getLogger().handlers.clear()


def test_unwritable_log_folder_does_not_stop_the_app(tmp_path: Path) -> None:
    from app.logging_setup import setup_logging

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    try:
        assert setup_logging("INFO", log_dir=blocker / "logs") is None
    finally:
        logging.getLogger().handlers.clear()
