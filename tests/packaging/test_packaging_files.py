"""Cheap consistency checks of the packaging files (no PyInstaller run, no Windows needed).

The spec is parsed with `ast`, never executed: it only runs inside PyInstaller.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "pyinstaller" / "onewindow.spec"
LAUNCHER = ROOT / "packaging" / "pyinstaller" / "launch_onewindow.py"
ISS = ROOT / "packaging" / "windows" / "onewindow.iss"
BUILD_PS1 = ROOT / "packaging" / "windows" / "build.ps1"
UNIT = ROOT / "packaging" / "hub" / "onewindow-hub.service"
NGINX = ROOT / "packaging" / "hub" / "nginx-onewindow-hub.conf"
ENV_EXAMPLE = ROOT / "packaging" / "hub" / "hub.env.example"


def _spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))


def _spec_list(name: str) -> list[str]:
    """The literal list assigned to `name` at the top level of the spec."""
    for node in _spec_tree().body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, list)
            return value
    raise AssertionError(f"{name} not found in the spec")


def _spec_calls(func: str) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(_spec_tree())
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == func
    ]


def _kw(call: ast.Call, name: str) -> object:
    for kw in call.keywords:
        if kw.arg == name:
            return ast.literal_eval(kw.value)
    raise AssertionError(f"{name}= missing")


def _exe_names() -> dict[str, bool]:
    """EXE name -> console flag."""
    return {str(_kw(c, "name")): bool(_kw(c, "console")) for c in _spec_calls("EXE")}


def test_spec_parses() -> None:
    _spec_tree()


def test_spec_bundles_every_resources_folder() -> None:
    listed = set(_spec_list("RESOURCE_DIRS"))
    present = {p.name for p in (ROOT / "resources").iterdir() if p.is_dir()}
    assert present, "resources/ is empty?"
    assert present <= listed, f"resources folders missing from the spec: {sorted(present - listed)}"
    assert listed <= present, f"spec lists folders that do not exist: {sorted(listed - present)}"


def test_spec_bundles_every_counter_migrations_folder() -> None:
    listed = set(_spec_list("MIGRATION_DIRS"))
    excludes = set(_spec_list("excludes"))
    found = {
        p.parent.relative_to(ROOT).as_posix()
        for p in (ROOT / "app").rglob("env.py")
        if p.parent.name == "migrations" and "__pycache__" not in p.parts
    }
    assert "app/db/migrations" in found
    for folder in sorted(found):
        package = folder.rsplit("/migrations", 1)[0].replace("/", ".")
        if package in excludes:  # e.g. app.hub: not part of the counter build
            assert folder not in listed
            continue
        assert folder in listed, f"{folder} exists but the spec does not bundle it"
    for folder in listed:
        src = ROOT / folder
        assert (src / "env.py").is_file()
        assert (src / "script.py.mako").is_file()
        assert list((src / "versions").glob("*.py")), f"{folder}/versions has no revisions"


def test_spec_knows_the_hard_won_lessons() -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert 'collect_submodules("reportlab.graphics.barcode")' in text  # else code93 is missing
    assert 'collect_data_files("stdnum")' in text  # county table loc.dat
    assert 'collect_data_files("pypinyin")' in text
    for module in (
        "keyring.backends.Windows",
        "sqlalchemy.dialects.sqlite",
        "sqlalchemy.dialects.postgresql.psycopg",
        "psycopg_binary",
        "PySide6.QtPdf",
        "PySide6.QtTextToSpeech",
    ):
        assert f'"{module}"' in text, module
    excludes = set(_spec_list("excludes"))
    assert {"PySide6.QtWebEngineCore", "app.hub", "fastapi", "uvicorn"} <= excludes


def test_spec_excludes_no_module_the_counter_imports() -> None:
    """An excluded module the app imports fails only in the frozen app (QtCharts did, in the
    supervisor's page): every module imported under app/ and ui/ must survive the excludes."""
    excludes = set(_spec_list("excludes"))
    imported: set[str] = set()
    for folder in ("app", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            if "hub" in path.relative_to(ROOT).parts[:2]:
                continue  # the hub is excluded on purpose
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    imported.add(node.module)
                elif isinstance(node, ast.Import):
                    imported.update(a.name for a in node.names)
    hit = {
        m
        for m in imported
        if any(m == e or m.startswith(e + ".") for e in excludes) and not m.startswith("app.")
    }
    assert not hit, f"imported by the counter but excluded from the build: {sorted(hit)}"


def test_spec_builds_a_windowed_and_a_console_executable() -> None:
    assert _exe_names() == {"onewindow": False, "onewindow-cli": True}
    (collect,) = _spec_calls("COLLECT")
    assert _kw(collect, "name") == "onewindow"


def test_launcher_runs_the_console_script_entry() -> None:
    text = LAUNCHER.read_text(encoding="utf-8")
    assert "from ui.entry import main" in text
    from ui import entry

    assert callable(entry.main)


def _iss() -> str:
    raw = ISS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Inno Setup needs a UTF-8 BOM to read the Chinese names"
    return raw.decode("utf-8-sig")


def _iss_define(text: str, name: str) -> str:
    m = re.search(rf'^\s*#define {name} "([^"]*)"', text, re.M)
    assert m, name
    return m.group(1)


def test_inno_script_installs_what_the_spec_produces() -> None:
    text = _iss()
    exes = _exe_names()
    assert _iss_define(text, "GuiExe") == "onewindow.exe" and exes["onewindow"] is False
    assert _iss_define(text, "CliExe") == "onewindow-cli.exe" and exes["onewindow-cli"] is True
    (collect,) = _spec_calls("COLLECT")
    # The default DistDir is the COLLECT folder under build\dist, where build.ps1 puts it.
    assert (
        _iss_define(text, "DistDir")
        .replace("\\", "/")
        .endswith(f"build/dist/{_kw(collect, 'name')}")
    )
    assert 'Source: "{#DistDir}\\*"' in text and "recursesubdirs" in text
    assert "{uninstallexe}" in text
    assert "ChineseSimplified.isl" in text and "compiler:Default.isl" in text


def test_inno_shortcuts_use_real_subcommands() -> None:
    from app.cli import _parser

    text = _iss()
    icons = {
        m.group(1): m.group(2)
        for m in re.finditer(
            r'^Name: "\{group\}\\([^"]+)"; Filename: "\{app\}\\\{#GuiExe\}"(?:; Parameters: "([^"]*)")?',
            text,
            re.M,
        )
    }
    assert icons == {"窗口受理": None, "取号机": "kiosk", "叫号屏": "board"}
    parser = _parser()
    for params in icons.values():
        parser.parse_args(shlex.split(params or ""))


def test_build_script_points_at_existing_files() -> None:
    text = BUILD_PS1.read_text(encoding="utf-8-sig")
    for rel in re.findall(r'Join-Path \$Root "([^"]+\.(?:spec|iss))"', text):
        assert (ROOT / rel.replace("\\", "/")).is_file(), rel
    assert "onewindow-cli.exe" in text and "--self-test" in text and "ISCC" in text


def _unit() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_systemd_unit_runs_hub_serve() -> None:
    from app.hub.cli import _parser

    unit = _unit()
    (exec_start,) = unit["ExecStart"]
    argv = shlex.split(exec_start)
    assert argv[0].endswith("/onewindow-hub")
    args = _parser().parse_args(["--db", "sqlite://", *argv[1:]])
    assert args.command == "serve" and args.workers == 2 and args.host == "127.0.0.1"
    assert unit["Restart"] == ["on-failure"]
    assert unit["User"] != ["root"] and unit["User"]
    assert unit["EnvironmentFile"] == ["/etc/onewindow/hub.env"]
    for option in ("NoNewPrivileges", "ProtectSystem", "PrivateTmp", "ProtectHome"):
        assert option in unit, option
    env = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert re.search(r"^ONEWINDOW_HUB_DB=postgresql://", env, re.M)


@pytest.mark.parametrize(
    "needle",
    [
        "client_max_body_size 2m",
        "X-Forwarded-Proto https",
        "proxy_read_timeout 120s",
        "listen 443 ssl",
    ],
)
def test_nginx_site_matches_docs_hub(needle: str) -> None:
    assert needle in NGINX.read_text(encoding="utf-8")


def test_nginx_proxies_to_the_unit_port() -> None:
    (exec_start,) = _unit()["ExecStart"]
    port = shlex.split(exec_start)[shlex.split(exec_start).index("--port") + 1]
    assert f"server 127.0.0.1:{port};" in NGINX.read_text(encoding="utf-8")
