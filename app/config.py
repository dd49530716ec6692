"""Deployment configuration: a TOML file (database URL, centre, hub) with environment overrides."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP_NAME = "OneWindow"


def data_dir() -> Path:
    return Path(os.environ.get("ONEWINDOW_DATA_DIR") or user_data_dir(APP_NAME, appauthor=False))


def config_path() -> Path:
    env = os.environ.get("ONEWINDOW_CONFIG")
    return Path(env) if env else Path(user_config_dir(APP_NAME, appauthor=False)) / "onewindow.toml"


def default_sqlite_url() -> str:
    return f"sqlite:///{(data_dir() / 'onewindow.db').as_posix()}"


@dataclass(frozen=True)
class DeploymentConfig:
    database_url: str
    centre_code: str | None = None
    counter_number: int | None = None
    hub_url: str | None = None


class ConfigError(Exception):
    """The deployment file exists but cannot be used; the message names the file and the problem."""


def load_config(path: Path | None = None) -> DeploymentConfig:
    """Read the deployment TOML (if any). ONEWINDOW_DB overrides the database URL.

    Example file:
        [database]
        url = "postgresql://onewindow@10.0.0.5/centre"
        [centre]
        code = "990101"
        counter = 3
        [hub]
        url = "https://hub.example.gov.cn"
    """
    path = path or config_path()
    data: dict[str, dict[str, object]] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"配置文件 {path} 无法读取：{exc}") from exc
    db = data.get("database", {})
    centre = data.get("centre", {})
    hub = data.get("hub", {})
    url = os.environ.get("ONEWINDOW_DB") or str(db.get("url") or default_sqlite_url())
    counter = centre.get("counter")
    return DeploymentConfig(
        database_url=url,
        centre_code=str(centre["code"]) if "code" in centre else None,
        counter_number=int(counter) if isinstance(counter, int) else None,
        hub_url=str(hub["url"]) if "url" in hub else None,
    )
