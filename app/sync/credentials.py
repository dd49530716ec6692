"""The device token lives in the OS keyring (Windows Credential Manager), never in a file or the database."""

from __future__ import annotations

import contextlib
import uuid

import keyring
from keyring.errors import KeyringError, NoKeyringError

SERVICE = "OneWindow hub"


class CredentialError(Exception):
    """The keyring cannot be used; the message says what to do (Chinese)."""


def save_token(device_id: uuid.UUID, token: str) -> None:
    save_token_named(str(device_id), token)


def check_keyring() -> None:
    """Prove the keyring can keep a secret before anything depends on it (e.g. before a one-time
    enrolment code is spent at the hub)."""
    probe = "onewindow-probe"
    save_token_named(probe, "ok")
    with contextlib.suppress(KeyringError):
        keyring.delete_password(SERVICE, probe)


def save_token_named(name: str, token: str) -> None:
    try:
        keyring.set_password(SERVICE, name, token)
    except NoKeyringError as exc:
        raise CredentialError(
            "本机没有可用的系统密钥库（Windows 凭据管理器或 Secret Service），无法保存设备令牌；"
            "请在 Windows 上运行，或在 Linux 上启用 gnome-keyring / KWallet"
        ) from exc
    except KeyringError as exc:
        raise CredentialError(f"保存设备令牌失败：{exc}") from exc


def load_token(device_id: uuid.UUID) -> str | None:
    try:
        return keyring.get_password(SERVICE, str(device_id))
    except NoKeyringError as exc:
        raise CredentialError("本机没有可用的系统密钥库，无法读取设备令牌") from exc
    except KeyringError as exc:
        raise CredentialError(f"读取设备令牌失败：{exc}") from exc


def delete_token(device_id: uuid.UUID) -> None:
    with contextlib.suppress(KeyringError):
        keyring.delete_password(SERVICE, str(device_id))
