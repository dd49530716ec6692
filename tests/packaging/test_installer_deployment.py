"""The Windows installer registers the app in the Start menu and writes a deployment file that loads.

Inno Setup does not run here; its [Code] section is read as text. The TOML lines the Pascal code
writes are rebuilt from its string literals for both branches (a PostgreSQL centre, a one-PC
SQLite desk) and loaded with the app's own config loader.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import load_config

ROOT = Path(__file__).resolve().parents[2]
ISS = ROOT / "packaging" / "windows" / "onewindow.iss"


def _iss() -> str:
    return ISS.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")  # the script is CRLF


def _section(text: str, name: str) -> str:
    m = re.search(rf"^\[{name}\]\n(.*?)(?=^\[[A-Za-z]+\]\n|\Z)", text, re.M | re.S)
    assert m, f"[{name}] missing"
    return m.group(1)


def _pascal_value(expr: str, variables: dict[str, str]) -> str:
    """A Pascal string expression of quoted literals, variables and `+`."""
    out, rest = [], expr.strip()
    while rest:
        if rest.startswith("'"):
            m = re.match(r"'((?:[^']|'')*)'", rest)
            assert m, rest
            out.append(m.group(1).replace("''", "'"))
        else:
            m = re.match(r"[A-Za-z_]\w*", rest)
            assert m and m.group(0) in variables, rest
            out.append(variables[m.group(0)])
        rest = rest[m.end() :].lstrip()
        if rest:
            assert rest.startswith("+"), rest
            rest = rest[1:].lstrip()
    return "".join(out)


def _written_toml(url: str, key_file: str) -> str:
    """The file WriteDeploymentFile saves for these wizard answers."""
    code = _section(_iss(), "Code")
    body = code[code.index("procedure WriteDeploymentFile;") :]
    body = body[: body.index("\nend;")]
    lines: dict[int, str] = {}
    given = {"Url": url, "KeyFile": key_file}
    # `if X = '' then Lines[n] := A else Lines[n] := B;` or a plain `Lines[n] := A;`
    for m in re.finditer(
        r"if (\w+) = '' then\s+Lines\[(\d+)\] := (.+?)\s+else\s+Lines\[\2\] := (.+?);\n"
        r"|^\s+Lines\[(\d+)\] := (.+?);\n",
        body,
        re.M | re.S,
    ):
        if m.group(1):
            empty = given[m.group(1)] == ""
            lines[int(m.group(2))] = _pascal_value(m.group(3) if empty else m.group(4), given)
        else:
            lines[int(m.group(5))] = _pascal_value(m.group(6), given)
    size = re.search(r"SetArrayLength\(Lines, (\d+)\)", body)
    assert size and sorted(lines) == list(range(int(size.group(1))))
    return "\n".join(lines[i] for i in sorted(lines)) + "\n"


def test_installer_writes_the_machine_wide_deployment_file_after_installing() -> None:
    code = _section(_iss(), "Code")
    assert "ExpandConstant('{commonappdata}\\OneWindow\\onewindow.toml')" in code
    assert "SaveStringsToUTF8FileWithoutBOM(DeploymentFile, Lines, False)" in code
    step = code[code.index("procedure CurStepChanged") :]
    assert re.search(r"if CurStep = ssPostInstall then\s+WriteDeploymentFile;", step)
    # asked on a wizard page, or given on the command line of a silent install
    assert "CreateInputQueryPage(wpSelectDir" in code
    assert "{param:DBURL|}" in code and "{param:AUDITKEYFILE|}" in code
    assert "[Dirs]\n" in _iss() and 'Name: "{commonappdata}\\OneWindow"' in _section(_iss(), "Dirs")


def test_the_installer_folder_is_where_the_app_looks(monkeypatch: pytest.MonkeyPatch) -> None:
    """platformdirs' machine-wide config folder on Windows is {commonappdata}\\OneWindow."""
    import platformdirs.windows as win

    folders = {"CSIDL_COMMON_APPDATA": "C:\\ProgramData"}
    monkeypatch.setattr(win, "get_win_folder", lambda name: folders[name])
    site = win.Windows("OneWindow", appauthor=False).site_config_dir.replace("/", "\\")
    assert site == "C:\\ProgramData\\OneWindow"


@pytest.mark.parametrize(
    ("url", "key_file"),
    [
        ("postgresql://onewindow@10.0.0.5/centre", "\\\\server\\onewindow\\audit.key"),
        ("postgresql://ow:pa%40ss@db.centre.local:5433/centre", ""),
        ("", ""),
    ],
)
def test_what_the_installer_writes_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, key_file: str
) -> None:
    monkeypatch.delenv("ONEWINDOW_DB", raising=False)
    monkeypatch.setenv("ONEWINDOW_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "onewindow.toml"
    path.write_text(_written_toml(url, key_file), encoding="utf-8")
    config = load_config(path)
    if url:
        assert config.database_url == url
    else:
        assert config.database_url.startswith("sqlite:///") and "data" in config.database_url
    assert config.security.audit_key_file == (key_file or None)


def test_the_app_reads_the_machine_wide_file_when_the_user_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.config as config

    user, machine = tmp_path / "user", tmp_path / "machine"
    monkeypatch.delenv("ONEWINDOW_CONFIG", raising=False)
    monkeypatch.delenv("ONEWINDOW_DB", raising=False)
    monkeypatch.setattr(config, "user_config_dir", lambda *a, **k: str(user))
    monkeypatch.setattr(config, "site_config_dir", lambda *a, **k: str(machine))
    machine.mkdir()
    # with a byte-order mark, as Notepad may save it when an administrator edits the file
    (machine / "onewindow.toml").write_bytes(
        b"\xef\xbb\xbf" + _written_toml("postgresql://ow@10.0.0.5/centre", "").encode()
    )
    assert config.config_path() == machine / "onewindow.toml"
    assert config.load_config().database_url == "postgresql://ow@10.0.0.5/centre"
    user.mkdir()
    (user / "onewindow.toml").write_text('[database]\nurl = "sqlite:////tmp/own.db"\n')
    assert config.config_path() == user / "onewindow.toml"  # a user's own file wins


def test_installer_registers_the_app_in_the_start_menu() -> None:
    text = _iss()
    setup = _section(text, "Setup")
    assert re.search(r"^DefaultGroupName=一窗通$", setup, re.M)
    assert not re.search(r"^DisableStartupPrompt|^CreateAppDir=no", setup, re.M)
    icons = _section(text, "Icons")
    group = re.findall(r'^Name: "\{group\}\\([^"]+)"; Filename: "([^"]+)"', icons, re.M)
    targets = dict(group)
    assert targets["窗口受理"] == "{app}\\{#GuiExe}"
    assert targets["取号机"] == targets["叫号屏"] == "{app}\\{#GuiExe}"
    assert "{uninstallexe}" in targets.values()
    assert any(t == "{cmd}" for t in targets.values())  # the command-line prompt
