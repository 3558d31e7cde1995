"""Time-ordered, prefixed identifiers (ULID layout in Crockford base32)."""

from __future__ import annotations

import base64
import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# RFC 4648 base32 digits to Crockford's, digit for digit (both spell 5 bits a character)
_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())


def _b32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


_last_ms = (-1, "")


def new_id(prefix: str) -> str:
    """Return `prefix_` plus 48 bits of milliseconds and 80 random bits, sortable by time.

    The 26 characters are the 130-bit big-endian number (two zero bits, then the 128):
    ten for the milliseconds (spelled once per millisecond) and sixteen for the 80 random
    bits, which RFC 4648 base32 spells exactly, translated to Crockford's digits.
    """
    global _last_ms
    ms = time.time_ns() // 1_000_000
    last = _last_ms
    if last[0] == ms:
        head = last[1]
    else:
        head = _b32(ms, 10)
        _last_ms = (ms, head)
    tail = base64.b32encode(os.urandom(10)).translate(_CROCKFORD).decode()
    return f"{prefix}_{head}{tail}"
