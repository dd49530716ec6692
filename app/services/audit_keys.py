"""The audit chain's key: one per database, kept in the OS keyring (or a shared key file), never in the database."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
from pathlib import Path

from sqlalchemy import Engine

log = logging.getLogger(__name__)

KEYRING_SERVICE = "OneWindow audit chain"
_cache: dict[str, bytes] = {}
_guard = threading.Lock()


class AuditKeyError(Exception):
    """The audit key cannot be read or stored; the message says where and what to do."""


def database_fingerprint(engine: Engine) -> str:
    """A name for the database that does not hold its password."""
    url = engine.url.set(password=None).render_as_string(hide_password=True)
    return hashlib.sha256(url.encode()).hexdigest()[:32]


def _configured_key_file() -> Path | None:
    from app.config import ConfigError, load_config

    try:
        name = load_config().security.audit_key_file
    except ConfigError:
        return None
    return Path(name).expanduser() if name else None


def _read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
        return bytes.fromhex(text)
    except (OSError, ValueError) as exc:
        raise AuditKeyError(f"审计密钥文件 {path} 无法读取，请联系安全管理员") from exc


def _write_private(path: Path, key: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.hex())


def _load_or_create(fingerprint: str) -> bytes:
    shared = _configured_key_file()
    if shared is not None:
        if not shared.exists():
            _write_private(shared, secrets.token_bytes(32))
        return _read_key_file(shared)
    name = f"audit-key:{fingerprint}"
    import keyring  # loaded at the first audit record, not when the app starts
    from keyring.errors import KeyringError

    try:
        stored = keyring.get_password(KEYRING_SERVICE, name)
        if stored:
            return bytes.fromhex(stored)
        key = secrets.token_bytes(32)
        keyring.set_password(KEYRING_SERVICE, name, key.hex())
        return key
    except KeyringError:
        # A headless Linux without a secret service: a file readable by the owner only, in the
        # data folder (outside the database, so a copied database alone cannot re-seal records).
        from app.config import data_dir

        path = data_dir() / "keys" / f"{name.replace(':', '-')}.key"
        if not path.exists():
            log.warning("no OS keyring: the audit key is kept in a 0600 file")
            _write_private(path, secrets.token_bytes(32))
        return _read_key_file(path)


def audit_key(engine: Engine) -> bytes:
    """This database's audit key, created on first use."""
    fingerprint = database_fingerprint(engine)
    with _guard:
        key = _cache.get(fingerprint)
        if key is None:
            key = _load_or_create(fingerprint)
            _cache[fingerprint] = key
        return key


def forget_cached_keys() -> None:
    """Tests swap keyrings between runs: drop what this process remembered."""
    with _guard:
        _cache.clear()
