"""Password and token hashing: only hashes are ever stored."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id with the library's RFC 9106 low-memory profile: slow enough to blunt offline
# guessing of a leaked table, fast enough for interactive logins on two cores.
_hasher = PasswordHasher()


_dummy: dict[int, str] = {}


def use_cheap_hashing_for_tests() -> None:
    """Switch to minimal argon2 parameters; only test suites call this, to save seconds."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def dummy_hash() -> str:
    """A hash of no one's password with the current parameters: checked for an unknown user,
    so that answering them costs the same time as answering a known one."""
    key = id(_hasher)
    if key not in _dummy:
        _dummy[key] = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy[key]


TOKEN_PREFIX = "scf_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """Return a 256-bit bearer token; it is shown once and stored only as a hash."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: no dictionary can guess them.
    return hashlib.sha256(token.encode()).hexdigest()
