"""Password hashing (Argon2id) and the password policy."""
from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str) -> list[str]:
    """Chinese reasons a new password is refused (at least 8 characters, letters and digits)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少需要 {MIN_LENGTH} 个字符")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append("密码必须同时包含字母和数字")
    return problems


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of a random password, made with the same parameters as every real one."""
    return _hasher.hash(secrets.token_urlsafe(32))


def verify_unknown(password: str) -> bool:
    """Spend what checking a real account's password costs, for a name that has none (always False)."""
    verify_password(_dummy_hash(), password)
    return False


def warm_up() -> None:
    _dummy_hash()
