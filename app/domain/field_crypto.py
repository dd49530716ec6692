"""Level-3 field protection: SM4-GCM encryption of personal fields and an HMAC-SM3 blind index.

SM4 (GB/T 32907) in GCM mode is an authenticated cipher: a 96-bit random nonce per value, a
128-bit tag, and the column's name as associated data, so a value copied into another column (an
ID number moved into the address) fails to decrypt instead of reading as something else. The
blind index is HMAC-SM3 (GB/T 32905) under a second, separate key of the normalised value: equal
inputs give equal indexes, so the counter still finds a resident by ID number or phone, while the
index alone reveals nothing without the key. Both keys live outside the database.
"""

from __future__ import annotations

import base64
import hmac as std_hmac
import secrets
import unicodedata
from dataclasses import dataclass

PREFIX = "sm4g1:"  # stored text = PREFIX + base64(nonce | ciphertext | tag)
NONCE_BYTES = 12
TAG_BYTES = 16
SM4_KEY_BYTES = 16
INDEX_KEY_BYTES = 32
CHECK_LABEL = b"OneWindow key check v1"


class FieldCryptoError(Exception):
    """A protected value cannot be decrypted: wrong key, or the stored text was altered."""


def normalise_id(text: str) -> str:
    """An ID number as the blind index sees it: NFKC (full-width to ASCII), no spaces or dashes,
    upper case — the same form the identity checks store."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "-").upper()


def normalise_phone(text: str) -> str:
    """A phone as the blind index sees it: its digits only ("010-12345678" = "01012345678")."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if ch.isdigit())


NORMALISERS = {"id": normalise_id, "phone": normalise_phone}


def key_check(key: bytes) -> str:
    """A value stored in the database that tells whether a desk holds the same key, without
    revealing the key (HMAC-SM3 of a fixed label)."""
    return sm3_hmac(key, CHECK_LABEL)


def sm3_hmac(key: bytes, data: bytes) -> str:
    from cryptography.hazmat.primitives import hashes, hmac  # loaded at first use, not at start

    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


@dataclass(frozen=True)
class DataKey:
    """The two secrets of level 3: the SM4 key and the blind-index key, and the key's id (which
    names it in keyrings and key files; the database records the id and a check value)."""

    key_id: str
    sm4_key: bytes
    index_key: bytes

    @classmethod
    def generate(cls) -> DataKey:
        return cls(
            key_id=secrets.token_hex(8),
            sm4_key=secrets.token_bytes(SM4_KEY_BYTES),
            index_key=secrets.token_bytes(INDEX_KEY_BYTES),
        )

    def to_text(self) -> str:
        return f"{self.key_id}:{self.sm4_key.hex()}:{self.index_key.hex()}"

    @classmethod
    def from_text(cls, text: str) -> DataKey:
        key_id, sm4_hex, index_hex = text.strip().split(":")
        sm4_key, index_key = bytes.fromhex(sm4_hex), bytes.fromhex(index_hex)
        if len(sm4_key) != SM4_KEY_BYTES or len(index_key) != INDEX_KEY_BYTES or not key_id:
            raise ValueError("not a OneWindow data key")
        return cls(key_id, sm4_key, index_key)

    @property
    def check(self) -> str:
        return key_check(self.sm4_key + self.index_key)


class FieldCipher:
    """Encrypts and decrypts field values and computes blind indexes under one DataKey."""

    def __init__(self, key: DataKey) -> None:
        self.key = key

    def encrypt(self, plaintext: bytes, column: str) -> bytes:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        nonce = secrets.token_bytes(NONCE_BYTES)
        enc = Cipher(algorithms.SM4(self.key.sm4_key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(column.encode())
        body = enc.update(plaintext) + enc.finalize()
        return nonce + body + enc.tag

    def decrypt(self, blob: bytes, column: str) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise FieldCryptoError(f"{column}: protected value too short")
        nonce, body, tag = blob[:NONCE_BYTES], blob[NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
        dec = Cipher(algorithms.SM4(self.key.sm4_key), modes.GCM(nonce, tag)).decryptor()
        dec.authenticate_additional_data(column.encode())
        try:
            return dec.update(body) + dec.finalize()
        except InvalidTag as exc:
            raise FieldCryptoError(f"{column}: wrong key or altered value") from exc

    def encrypt_text(self, text: str, column: str) -> str:
        return PREFIX + base64.b64encode(self.encrypt(text.encode(), column)).decode("ascii")

    def decrypt_text(self, stored: str, column: str) -> str:
        return self.decrypt(base64.b64decode(stored[len(PREFIX) :]), column).decode()

    def blind_index(self, kind: str, value: str) -> str | None:
        """HMAC-SM3 of the normalised value under the index key; None for an empty value."""
        normal = NORMALISERS[kind](value)
        if not normal:
            return None
        return sm3_hmac(self.key.index_key, f"{kind}:{normal}".encode())

    def same_key(self, check: str) -> bool:
        return std_hmac.compare_digest(self.key.check, check)


def is_protected(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)
