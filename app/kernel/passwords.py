"""Password hashing: Argon2id (argon2-cffi) for new hashes; scrypt hashes of old databases still verify
and are replaced at the next sign-in; the password policy."""

from __future__ import annotations

import base64
import hashlib
import hmac
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.config import SecuritySettings
from app.domain.errors import ValidationError

# RFC 9106's second recommended option (64 MiB would slow a counter PC's sign-in to ~0.3 s).
_hasher = PasswordHasher(time_cost=3, memory_cost=32 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt_b64),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def verify_password(password: str, stored: str) -> bool:
    if stored.startswith("scrypt$"):
        return _verify_scrypt(password, stored)
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for scrypt hashes and Argon2 hashes made with weaker parameters than today's."""
    if not stored.startswith("$argon2"):
        return True
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def _classes(password: str) -> int:
    groups = (
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() or c in string.punctuation for c in password),
    )
    return sum(groups)


def check_policy(password: str, policy: SecuritySettings, *, username: str = "") -> None:
    """Raise ValidationError (in Chinese) when a new password breaks the policy."""
    if len(password) < policy.password_min_length:
        raise ValidationError(
            "PASSWORD_SHORT", f"密码至少 {policy.password_min_length} 位", "password"
        )
    if _classes(password) < policy.password_min_classes:
        raise ValidationError(
            "PASSWORD_WEAK",
            f"密码须包含小写字母、大写字母、数字、符号中的至少 {policy.password_min_classes} 类",
            "password",
        )
    if username and username.lower() in password.lower():
        raise ValidationError("PASSWORD_HAS_NAME", "密码不能包含用户名", "password")
