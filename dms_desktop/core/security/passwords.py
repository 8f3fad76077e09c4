"""argon2id password hashing above OWASP's minimum (m >= 19 MiB, t >= 2).

The parameters live in the hash string, so raising them here makes ``needs_rehash`` true for
older hashes, and the next successful login stores a hash with the new parameters.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TIME_COST = 2
MEMORY_COST_KIB = 46 * 1024  # 46 MiB: 2.4x the OWASP floor, ~90 ms on a laptop core
PARALLELISM = 2
OWASP_MIN_MEMORY_KIB = 19 * 1024
OWASP_MIN_TIME_COST = 2

_hasher = PasswordHasher(
    time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM, type=Type.ID
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A real hash to verify against when the user does not exist, so both paths take as long.
DUMMY_HASH = _hasher.hash("not a password of anyone")
