"""The audit chain's key: one per database, kept in the OS keyring (or a shared key file), never in the database."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
from pathlib import Path

from sqlalchemy import URL, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

KEYRING_SERVICE = "OneWindow audit chain"
_cache: dict[str, bytes] = {}
_guard = threading.Lock()


class AuditKeyError(Exception):
    """The audit key cannot be read or stored; the message says where and what to do."""


def database_fingerprint(engine: Engine) -> str:
    """A name for the database that holds neither its password nor the role connecting: the schema
    owner (migrations, restore) and the counter's own role reach one database and find one key."""
    u = engine.url
    url = URL.create(u.drivername, host=u.host, port=u.port, database=u.database, query=u.query)
    return hashlib.sha256(url.render_as_string().encode()).hexdigest()[:32]


def _role_fingerprint(engine: Engine) -> str | None:
    """The name keys had before it left the role out (2026-11-30): a key made then is found under
    it once and kept under the new name."""
    if not engine.url.username:
        return None
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


def _load_or_create(fingerprint: str, earlier: str | None = None) -> bytes:
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
        if not stored and earlier:
            stored = keyring.get_password(KEYRING_SERVICE, f"audit-key:{earlier}")
            if stored:
                keyring.set_password(KEYRING_SERVICE, name, stored)
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
        old = data_dir() / "keys" / f"audit-key-{earlier}.key" if earlier else None
        if not path.exists() and old is not None and old.exists():
            _write_private(path, _read_key_file(old))
        if not path.exists():
            log.warning("no OS keyring: the audit key is kept in a 0600 file")
            _write_private(path, secrets.token_bytes(32))
        return _read_key_file(path)


def store_audit_key(fingerprint: str, key: bytes) -> None:
    """Keep an imported audit key (the centre's, from another desk) for this database, replacing
    any key this desk made for itself."""
    import keyring
    from keyring.errors import KeyringError

    name = f"audit-key:{fingerprint}"
    try:
        keyring.set_password(KEYRING_SERVICE, name, key.hex())
    except KeyringError:
        from app.config import data_dir

        path = data_dir() / "keys" / f"{name.replace(':', '-')}.key"
        path.unlink(missing_ok=True)
        _write_private(path, key)
    with _guard:
        _cache.pop(fingerprint, None)


def adopt_key(engine: Engine, key: bytes) -> None:
    """This database takes the centre's key (a restore got it back from the hub): in this desk's
    keyring (or the configured shared key file), and as the database's recorded key check."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session as OrmSession

    from app.db.models import Protection
    from app.domain.field_crypto import key_check

    fingerprint = database_fingerprint(engine)
    shared = _configured_key_file()
    if shared is not None:
        shared.unlink(missing_ok=True)
        _write_private(shared, key)
    store_audit_key(fingerprint, key)
    with OrmSession(engine) as s, s.begin():
        s.execute(
            update(Protection)
            .where(Protection.name == AUDIT_KEY_CHECK)
            .values(value=key_check(key))
        )
    with _guard:
        _cache.pop(fingerprint, None)
        _checked.difference_update({c for c in _checked if c[0] == fingerprint})


def audit_key(engine: Engine) -> bytes:
    """This database's audit key, created on first use."""
    fingerprint = database_fingerprint(engine)
    with _guard:
        key = _cache.get(fingerprint)
        if key is None:
            key = _load_or_create(fingerprint, _role_fingerprint(engine))
            _cache[fingerprint] = key
        return key


_checked: set[tuple[str, str]] = set()  # (fingerprint, check value) found in the database

AUDIT_KEY_CHECK = "audit_key_check"
KEY_MISMATCH = (
    "本机的审计密钥与中心数据库的不一致（多台电脑共用一个数据库时必须共用一把审计密钥）。"
    "请安全管理员在已有密钥的电脑上运行 onewindow security export-keys，"
    "再在本机运行 onewindow security import-keys 导入，或配置共用的 audit_key_file"
)


def check_key_in_database(session: Session, key: bytes) -> None:
    """A PostgreSQL database records a check value of the audit key its first sealed record used; a desk
    holding another key (a second desk of a PostgreSQL centre that made its own) is refused
    before it seals anything, instead of forking the chain where no desk could verify it."""
    from sqlalchemy import select

    from app.db.models import Protection
    from app.db.types import new_id
    from app.domain.field_crypto import key_check

    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        return  # one desk's file: a copy of it is another database with a key of its own
    fingerprint = database_fingerprint(bind)  # type: ignore[arg-type]
    check = key_check(key)
    if (fingerprint, check) in _checked:
        return
    stored = session.scalar(select(Protection.value).where(Protection.name == AUDIT_KEY_CHECK))
    if stored is None:
        nested = session.begin_nested()
        try:
            session.add(Protection(id=new_id(), name=AUDIT_KEY_CHECK, value=check))
            session.flush()
            nested.commit()
            stored = check
        except IntegrityError:
            nested.rollback()  # another desk recorded its key first: compare with that one
            stored = session.scalar(
                select(Protection.value).where(Protection.name == AUDIT_KEY_CHECK)
            )
    if stored is None or not hmac.compare_digest(stored, check):
        raise AuditKeyError(KEY_MISMATCH)
    with _guard:
        _checked.add((fingerprint, check))


def forget_cached_keys() -> None:
    """Tests swap keyrings between runs: drop what this process remembered."""
    with _guard:
        _cache.clear()
        _checked.clear()
