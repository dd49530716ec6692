"""The hub's master secret (a key file outside its database) and the sealing of centres' audit keys with it.

The hub keeps each centre's audit-chain key (app/hub/audit_keys.py) sealed with AES-256-GCM under
a key derived from this secret, so a dump or a backup of the hub's database holds no key in clear.
The associated data names the centre and the key's first record number: a sealed key copied onto
another centre's row (or another number) does not open. Each sealed key also says which secret
sealed it (`sealed_with`, a fingerprint that reveals nothing of the secret), so a wrong secret file
is told apart from a key that was moved or altered.

The secret is 32 random bytes in a file (mode 0600) named by `--secret-file` or
`ONEWINDOW_HUB_SECRET_FILE`; `onewindow-hub init-secret` creates it and never overwrites one. It is
never logged. It must be backed up apart from the database: a dump without it holds no usable key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

ENV = "ONEWINDOW_HUB_SECRET_FILE"
SIZE = 32
INFO_KEY = "hub_secret"  # a HubSecret in each hub session's `info` (app/hub/db.py)
_CHECK_LABEL = b"OneWindow hub secret check"
_SEAL_LABEL = b"OneWindow hub audit key sealing v1"
_NONCE = 12

NOT_CONFIGURED = (
    "区级平台未配置主密钥文件（--secret-file 或环境变量 ONEWINDOW_HUB_SECRET_FILE），"
    "无法保存或核对中心的审计密钥；请运行 onewindow-hub init-secret 创建后重试"
)


class SecretUnavailable(Exception):
    """The master secret is not configured, missing, unreadable, malformed or not the one that
    sealed the keys: `message` says so in Chinese (never the secret itself)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SealBroken(Exception):
    """A sealed key did not open with the right secret: moved to another row, or altered."""


def create(path: Path) -> bool:
    """Create the secret file (32 random bytes, mode 0600) unless it exists. True: created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as f:
        f.write(os.urandom(SIZE))
        f.flush()
        os.fsync(f.fileno())
    return True


def read(path: Path) -> bytes:
    """The secret's bytes (raises SecretUnavailable with a Chinese message)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SecretUnavailable(
            f"区级平台主密钥文件 {path} 不存在，无法保存或核对中心的审计密钥；"
            "新部署请运行 onewindow-hub init-secret 创建，已有部署请从备份恢复该文件"
        ) from None
    except OSError as exc:
        raise SecretUnavailable(
            f"区级平台主密钥文件 {path} 无法读取（{type(exc).__name__}），请检查其权限"
        ) from None
    if len(data) != SIZE:
        raise SecretUnavailable(
            f"区级平台主密钥文件 {path} 格式不对（应为 {SIZE} 字节），请从备份恢复该文件"
        )
    return data


def fingerprint(secret: bytes) -> str:
    """Which secret sealed a key, without revealing it (16 hex digits of an HMAC)."""
    return hmac.new(secret, _CHECK_LABEL, hashlib.sha256).hexdigest()[:16]


def _aad(centre_id: uuid.UUID, from_seq: int) -> bytes:
    return f"hub_audit_key|{centre_id}|{int(from_seq)}".encode()


class Sealer:
    """Seals and opens centres' audit keys with the master secret (AES-256-GCM)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != SIZE:
            raise SecretUnavailable(f"区级平台主密钥格式不对（应为 {SIZE} 字节）")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_LABEL)
        self._aead = AESGCM(derived.derive(secret))
        self.id = fingerprint(secret)

    def seal(self, centre_id: uuid.UUID, from_seq: int, key: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, key, _aad(centre_id, from_seq))

    def open(self, centre_id: uuid.UUID, from_seq: int, sealed: bytes) -> bytes:
        """The key (raises SealBroken: not sealed for this centre and number, or altered)."""
        try:
            return self._aead.decrypt(
                bytes(sealed[:_NONCE]), bytes(sealed[_NONCE:]), _aad(centre_id, from_seq)
            )
        except (InvalidTag, ValueError):
            raise SealBroken() from None


class HubSecret:
    """Where the hub's master secret is; read when first needed (so a file created while the hub
    runs is taken up without a restart) and kept once read."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._sealer: Sealer | None = None

    @classmethod
    def from_env(cls) -> HubSecret:
        raw = os.environ.get(ENV, "")
        return cls(Path(raw) if raw else None)

    def sealer(self) -> Sealer:
        """The sealer (raises SecretUnavailable: not configured, missing or malformed)."""
        if self._sealer is None:
            if self.path is None:
                raise SecretUnavailable(NOT_CONFIGURED)
            self._sealer = Sealer(read(self.path))
        return self._sealer


def sealer_of(session: Session) -> Sealer:
    """The sealer of a hub session (its sessionmaker's secret; else the environment's)."""
    source = session.info.get(INFO_KEY)
    if not isinstance(source, HubSecret):
        source = HubSecret.from_env()
        session.info[INFO_KEY] = source
    return source.sealer()
