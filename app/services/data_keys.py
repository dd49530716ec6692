"""Level 3's personal-data key: in the OS keyring under its key id (or a 0600 file where there is no
keyring), never in the database; exported to and imported from a key file to give other desks of
the same centre the same keys (the audit chain's key travels in the same file)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from sqlalchemy import Engine

from app.domain.field_crypto import DataKey
from app.services.audit_keys import AuditKeyError, audit_key, database_fingerprint, store_audit_key

log = logging.getLogger(__name__)

KEYRING_SERVICE = "OneWindow personal data"
KEY_FILE_FORMAT = "onewindow-keys/1"


class DataKeyError(Exception):
    """The key cannot be stored, read or imported; the message says what to do."""


def _entry(key_id: str) -> str:
    return f"data-key:{key_id}"


def _file(key_id: str) -> Path:
    from app.config import data_dir

    return data_dir() / "keys" / f"data-key-{key_id}.key"


def store_data_key(key: DataKey) -> None:
    import keyring  # loaded when a key is needed, not when the app starts
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, _entry(key.key_id), key.to_text())
        return
    except KeyringError:
        log.warning("no OS keyring: the personal-data key is kept in a 0600 file")
    path = _file(key.key_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.to_text())


def load_data_key(key_id: str) -> DataKey | None:
    """The key with this id from this desk's keyring (or key file); None when it has none."""
    import keyring  # loaded when a key is needed, not when the app starts
    from keyring.errors import KeyringError

    text: str | None = None
    try:
        text = keyring.get_password(KEYRING_SERVICE, _entry(key_id))
    except KeyringError:
        path = _file(key_id)
        text = path.read_text(encoding="ascii") if path.exists() else None
    if not text:
        return None
    try:
        return DataKey.from_text(text)
    except ValueError as exc:
        raise DataKeyError("本机保存的个人信息密钥已损坏，请重新导入密钥文件") from exc


def forget_data_key(key_id: str) -> None:
    """Drop a key that never came into use (a level-3 migration that rolled back)."""
    import keyring  # loaded when a key is needed, not when the app starts
    from keyring.errors import KeyringError

    try:
        keyring.delete_password(KEYRING_SERVICE, _entry(key_id))
    except KeyringError:
        _file(key_id).unlink(missing_ok=True)


def export_keys(engine: Engine, data_key_id: str | None, path: Path) -> None:
    """Write this database's keys (audit, and personal data at level 3) to a new 0600 file, for
    `import_keys` on the other desks of the centre. The file is a secret: carry it by hand."""
    document: dict[str, str] = {
        "format": KEY_FILE_FORMAT,
        "audit_key": audit_key(engine).hex(),
    }
    if data_key_id is not None:
        key = load_data_key(data_key_id)
        if key is None:
            raise DataKeyError("本机没有本数据库的个人信息密钥，无法导出")
        document["data_key"] = key.to_text()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise DataKeyError(f"文件 {path} 已存在，请换一个文件名") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(document, f)


def import_keys(engine: Engine, path: Path) -> DataKey | None:
    """Keep the keys of an exported file in this desk's keyring for this database."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != KEY_FILE_FORMAT:
            raise ValueError("format")
        audit = bytes.fromhex(document["audit_key"])
        data = DataKey.from_text(document["data_key"]) if "data_key" in document else None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataKeyError(f"密钥文件 {path} 无法读取或格式不对") from exc
    try:
        store_audit_key(database_fingerprint(engine), audit)
    except AuditKeyError as exc:
        raise DataKeyError(str(exc)) from exc
    if data is not None:
        store_data_key(data)
    return data
