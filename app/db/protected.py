"""Column types of personal fields: clear text at level 2, SM4-GCM ciphertext at level 3.

Which it is depends on the engine: `install(engine, cipher)` gives an engine's dialect the level-3
cipher (app/services/protection.py does it when the database is at level 3). Reads detect
ciphertext by its prefix, so a database read while being migrated, or one at level 2, reads as
before. A level-3 database opened by a desk without the key gets `MissingKey`: reading or
writing a personal field then fails with a message saying how to bring the key to this desk.

Exact lookups (ID number, phone) go through a blind index column next to the field (`*_bidx`,
HMAC-SM3 under a separate key, filled by a column default for Core inserts and by mapper events
for the ORM); `equals()` builds the condition for either level.
"""

from __future__ import annotations

import base64
import json
import weakref
from typing import Any

from sqlalchemy import JSON, Engine, LargeBinary, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from app.domain.field_crypto import PREFIX, FieldCipher, FieldCryptoError

BIDX_INFO = {"centre_only": True}  # blind indexes never travel: the hub has no key


class MissingKey(Exception):
    """This desk has no key for a level-3 database; the message says what the security admin does."""

    MESSAGE = (
        "本数据库的个人信息已加密（等保三级），本机没有密钥。"
        "请安全管理员在已有密钥的电脑上运行 onewindow security export-keys，"
        "再在本机运行 onewindow security import-keys 导入"
    )

    def __init__(self, detail: str = "") -> None:
        super().__init__(self.MESSAGE + (f"（{detail}）" if detail else ""))
        self.message = str(self)


_ciphers: weakref.WeakKeyDictionary[Dialect, FieldCipher | MissingKey] = weakref.WeakKeyDictionary()


def install(engine: Engine, cipher: FieldCipher | MissingKey | None) -> None:
    """Level 3 for this engine (a cipher, or the reason there is none); None = level 2."""
    if cipher is None:
        _ciphers.pop(engine.dialect, None)
    else:
        _ciphers[engine.dialect] = cipher


def cipher_of(dialect: Dialect) -> FieldCipher | None:
    """The engine's cipher at level 3, None at level 2; raises MissingKey without the key."""
    found = _ciphers.get(dialect)
    if isinstance(found, MissingKey):
        raise found
    return found


def session_cipher(session: Session) -> FieldCipher | None:
    return cipher_of(session.get_bind().dialect)


class ProtectedText(TypeDecorator[str]):
    """A personal text field (ID number, phone, address)."""

    impl = String
    cache_ok = True

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        cipher = cipher_of(dialect)
        if cipher is None or value is None or value.startswith(PREFIX):
            return value
        return cipher.encrypt_text(value, self.column)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if not isinstance(value, str) or not value.startswith(PREFIX):
            return value
        cipher = cipher_of(dialect)
        if cipher is None:
            raise MissingKey()
        try:
            return cipher.decrypt_text(value, self.column)
        except FieldCryptoError as exc:
            raise MissingKey(str(exc)) from exc


class ProtectedJSON(TypeDecorator[Any]):
    """A JSON document holding personal data (form fields: income, disability; outbox payloads):
    at level 3 stored as {"sm4g1": ciphertext}."""

    impl = JSON
    cache_ok = True
    KEY = PREFIX.rstrip(":")

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        cipher = cipher_of(dialect)
        if cipher is None or value is None:
            return value
        blob = cipher.encrypt(json.dumps(value, ensure_ascii=False).encode(), self.column)
        return {self.KEY: base64.b64encode(blob).decode("ascii")}

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if not (isinstance(value, dict) and len(value) == 1 and self.KEY in value):
            return value
        cipher = cipher_of(dialect)
        if cipher is None:
            raise MissingKey()
        try:
            plain = cipher.decrypt(base64.b64decode(value[self.KEY]), self.column)
        except FieldCryptoError as exc:
            raise MissingKey(str(exc)) from exc
        return json.loads(plain)


def clear_json_text(text: str, dialect: Dialect, column: str) -> str:
    """A protected JSON column read as raw text (the sync agent packs payloads without parsing
    them): the clear JSON text, decrypted at level 3, unchanged otherwise."""
    if not text.startswith('{"' + ProtectedJSON.KEY + '"'):
        return text
    cipher = cipher_of(dialect)
    if cipher is None:
        raise MissingKey()
    blob = base64.b64decode(json.loads(text)[ProtectedJSON.KEY])
    try:
        return cipher.decrypt(blob, column).decode()
    except FieldCryptoError as exc:
        raise MissingKey(str(exc)) from exc


class ProtectedBytes(TypeDecorator[bytes]):
    """Binary personal data (printed papers): at level 3 a magic prefix and SM4-GCM ciphertext."""

    impl = LargeBinary
    cache_ok = True
    MAGIC = PREFIX.encode()

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> Any:
        cipher = cipher_of(dialect)
        if cipher is None or not value or value.startswith(self.MAGIC):
            return value  # empty bytes stay empty: a print whose PDF is elsewhere (restore)
        return self.MAGIC + cipher.encrypt(bytes(value), self.column)

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        value = bytes(value)
        if not value.startswith(self.MAGIC):
            return value
        cipher = cipher_of(dialect)
        if cipher is None:
            raise MissingKey()
        try:
            return cipher.decrypt(value[len(self.MAGIC) :], self.column)
        except FieldCryptoError as exc:
            raise MissingKey(str(exc)) from exc


def bidx_default(kind: str, source: str) -> Any:
    """A column default computing the blind index of `source` in the same row (Core inserts: bulk
    demo data, restore); None at level 2 or when the row has no value."""

    def default(context: Any) -> str | None:
        if context is None:
            return None
        cipher = cipher_of(context.dialect)
        value = context.get_current_parameters().get(source)
        if cipher is None or not isinstance(value, str) or value.startswith(PREFIX):
            return None
        return cipher.blind_index(kind, value)

    return default


BIDX_TYPE = String(64)


def equals(
    session: Session,
    column: InstrumentedAttribute[str],
    bidx: InstrumentedAttribute[str | None],
    kind: str,
    value: str,
) -> ColumnElement[bool]:
    """`column == value` at level 2; at level 3 the blind index's equality (ciphertexts differ)."""
    return equals_on(session.get_bind().dialect, column, bidx, kind, value)


def equals_on(
    dialect: Dialect,
    column: InstrumentedAttribute[str],
    bidx: InstrumentedAttribute[str | None],
    kind: str,
    value: str,
) -> ColumnElement[bool]:
    """`equals` for an engine's dialect, when the condition is built before the session."""
    cipher = cipher_of(dialect)
    if cipher is None:
        return column == value
    return bidx == (cipher.blind_index(kind, value) or "")
