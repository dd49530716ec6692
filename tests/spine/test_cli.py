"""The `onewindow` command line: version, init-db, catalogue check/import, demo-data, self-test."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.cli import main
from app.resources import resource_path


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ui.entry", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=180,
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_init_db_then_demo_data(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", sqlite_url, "init-db"]) == 0
    assert "已导入目录和示范中心" in capsys.readouterr().out
    assert main(["--db", sqlite_url, "init-db"]) == 0
    assert "已导入" not in capsys.readouterr().out
    assert (
        main(["--db", sqlite_url, "demo-data", "--days", "10", "--seed", "3", "--per-day", "20"])
        == 0
    )
    assert "取号" in capsys.readouterr().out


def test_catalogue_check_passes_on_the_shipped_catalogue(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["catalogue", "check", str(resource_path("catalogue"))]) == 0
    assert "目录检查通过" in capsys.readouterr().out


def test_catalogue_check_names_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "catalogue"
    shutil.copytree(resource_path("catalogue"), broken)
    path = broken / "matters" / "mz.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.strip().startswith("promised_days:"))
    lines[number] = lines[number].split(":")[0] + ": 很快"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["catalogue", "check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert f"mz.yaml:{number + 1}:" in out and "promised_days" in out


def test_catalogue_import_new_version(
    tmp_path: Path,
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy = tmp_path / "catalogue"
    shutil.copytree(resource_path("catalogue"), copy)
    header = copy / "publication.yaml"
    text = header.read_text(encoding="utf-8")
    version_line = next(line for line in text.splitlines() if line.startswith("version:"))
    header.write_text(text.replace(version_line, 'version: "2027.01"'), encoding="utf-8")
    assert main(["--db", sqlite_url, "init-db"]) == 0  # the demo centre and its accounts
    assert main(["--db", sqlite_url, "catalogue", "import", str(copy)]) == 1
    assert "--user" in capsys.readouterr().err  # accounts exist: a system administrator acts
    monkeypatch.setenv("ONEWINDOW_PASSWORD", "onewindow")
    assert main(["--db", sqlite_url, "--user", "clerk1", "catalogue", "import", str(copy)]) == 1
    assert "无权" in capsys.readouterr().err
    assert main(["--db", sqlite_url, "--user", "admin", "catalogue", "import", str(copy)]) == 0
    assert "2027.01" in capsys.readouterr().out


def test_self_test_builds_the_main_window(tmp_path: Path) -> None:
    result = run_cli("--self-test", env={"ONEWINDOW_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("self-test ok")
    db = tmp_path / "data" / "onewindow.db"
    assert db.exists()
    # Nobody signs in at a self-test: it must not leave a refused call in the real audit trail.
    with sqlite3.connect(db) as con:
        refused = con.execute(
            "SELECT action, detail FROM audit_record WHERE result = 'refused'"
        ).fetchall()
    assert refused == []


def test_gui_commands_are_handed_in_by_ui_entry(sqlite_url: str) -> None:
    from app.cli import GuiCommands

    seen: list[tuple[str, object]] = []
    gui = GuiCommands(
        counter=lambda url, self_test: seen.append(("counter", self_test)) or 0,
        kiosk=lambda url: seen.append(("kiosk", url)) or 0,
        board=lambda url, screen: seen.append(("board", screen)) or 0,
    )
    assert main(["--db", sqlite_url, "kiosk"], gui) == 0
    assert main(["--db", sqlite_url, "board", "--screen", "2"], gui) == 0
    assert main(["--db", sqlite_url], gui) == 0
    assert seen == [("kiosk", sqlite_url), ("board", 2), ("counter", False)]
    assert main(["--db", sqlite_url]) == 2  # app alone has no GUI to start


@pytest.mark.parametrize("where", ["before", "after"])
def test_db_option_before_or_after_the_command(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "centre.db"
    url = f"sqlite:///{db}"
    argv = ["--db", url, "init-db"] if where == "before" else ["init-db", "--db", url]
    assert main(argv) == 0
    assert "数据库已就绪" in capsys.readouterr().out
    assert db.exists()
    assert not (tmp_path / "data").exists()


def test_db_after_a_nested_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "catalogue"
    shutil.copytree(resource_path("catalogue"), copy)
    db = tmp_path / "after.db"
    assert main(["catalogue", "import", str(copy), "--db", f"sqlite:///{db}"]) == 0
    assert "个事项" in capsys.readouterr().out
    assert db.exists()


def test_db_after_the_command_overrides_the_one_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    assert main(["--db", f"sqlite:///{first}", "init-db", "--db", f"sqlite:///{second}"]) == 0
    assert second.exists() and not first.exists()
