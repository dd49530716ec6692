"""Deployment configuration: a TOML file (database URL, security) with environment overrides."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from platformdirs import site_config_dir, user_config_dir, user_data_dir

APP_NAME = "OneWindow"


def data_dir() -> Path:
    return Path(os.environ.get("ONEWINDOW_DATA_DIR") or user_data_dir(APP_NAME, appauthor=False))


def config_path() -> Path:
    """ONEWINDOW_CONFIG, else this user's file, else the machine-wide one the Windows installer
    writes (%PROGRAMDATA%\\OneWindow\\onewindow.toml; /etc/xdg/OneWindow on Linux), else (none
    exists) this user's path."""
    env = os.environ.get("ONEWINDOW_CONFIG")
    if env:
        return Path(env)
    user = Path(user_config_dir(APP_NAME, appauthor=False)) / "onewindow.toml"
    machine = Path(site_config_dir(APP_NAME, appauthor=False)) / "onewindow.toml"
    return machine if not user.exists() and machine.exists() else user


def default_sqlite_url() -> str:
    return f"sqlite:///{(data_dir() / 'onewindow.db').as_posix()}"


@dataclass(frozen=True)
class SecuritySettings:
    """The `[security]` table: sign-in protection and the 等保 level (2 by default, 3 behind the switch)."""

    level: int = 2
    lockout_failures: int = 5  # wrong passwords in a row that lock an account
    lockout_minutes: int = 15
    idle_lock_minutes: int = 10  # an untouched counter locks after this long (0 = never)
    password_min_length: int = 8
    password_min_classes: int = 3  # of lower case, upper case, digits, other characters
    password_max_age_days: int = 90  # 0 = passwords do not expire
    audit_key_file: str | None = None  # a shared audit key file for centres with several desktops


@dataclass(frozen=True)
class DeploymentConfig:
    """What the TOML config file sets for one desktop: the database and the security settings."""

    database_url: str
    security: SecuritySettings = SecuritySettings()


def _security(table: dict[str, object], path: Path) -> SecuritySettings:
    values: dict[str, object] = {}
    for name in SecuritySettings.__dataclass_fields__:
        if name not in table:
            continue
        value = table[name]
        if name == "audit_key_file":
            values[name] = str(value)
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"配置文件 {path}：[security] {name} 应为非负整数")
        values[name] = value
    unknown = set(table) - set(SecuritySettings.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"配置文件 {path}：[security] 不认识的设置 {', '.join(sorted(unknown))}")
    settings = SecuritySettings(**values)  # type: ignore[arg-type]
    if settings.level not in (2, 3):
        raise ConfigError(f"配置文件 {path}：[security] level 只能是 2 或 3")
    return settings


class ConfigError(Exception):
    """The deployment file exists but cannot be used; the message names the file and the problem."""


def load_config(path: Path | None = None) -> DeploymentConfig:
    """Read the deployment TOML (if any). ONEWINDOW_DB overrides the database URL.

    Example file:
        [database]
        url = "postgresql://onewindow@10.0.0.5/centre"
        [security]
        level = 2               # 3: personal fields encrypted, second factor
        lockout_failures = 5
        lockout_minutes = 15
        idle_lock_minutes = 10
    """
    path = path or config_path()
    data: dict[str, dict[str, object]] = {}
    if path.exists():
        try:
            # utf-8-sig: Notepad and some installers write a byte-order mark, which TOML does not allow
            data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"配置文件 {path} 无法读取：{exc}") from exc
    db = data.get("database", {})
    # No [centre] or [hub] table: the desk's window is a per-desk setting (本机设置), the centre
    # comes from the database and the hub's address from enrolment; old files keep loading.
    security = _security(data.get("security", {}), path)
    url = os.environ.get("ONEWINDOW_DB") or str(db.get("url") or default_sqlite_url())
    return DeploymentConfig(
        database_url=url,
        security=security,
    )
