"""argon2id password hashing, with length rules checked before any hashing work."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 10
MAX_LENGTH = 128  # refused before hashing: no megabyte passwords fed to argon2


class PasswordRejected(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "too_short" | "too_long"


def _hasher() -> PasswordHasher:
    config = current_app.config["SHELTER"]
    return PasswordHasher(
        time_cost=config.argon2_time_cost,
        memory_cost=config.argon2_memory_kib,
        parallelism=1,
        type=Type.ID,
    )


def check_policy(password: str) -> None:
    if len(password) > MAX_LENGTH:
        raise PasswordRejected("too_long")
    if len(password) < MIN_LENGTH:
        raise PasswordRejected("too_short")


def hash_password(password: str) -> str:
    check_policy(password)
    return _hasher().hash(password)


# A real hash to verify against when the account does not exist, so the response time does not
# tell an attacker which emails are registered.
_DUMMY_HASH: dict[tuple[int, int], str] = {}


def verify_password(password_hash: str | None, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    hasher = _hasher()
    if password_hash is None:
        key = (hasher.time_cost, hasher.memory_cost)
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = hasher.hash("not-a-real-password")
        password_hash = _DUMMY_HASH[key]
        try:
            hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
