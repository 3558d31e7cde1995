"""Encryption at rest of sensitive personal information: AES-256-GCM with versioned keys.

A sealed value is `v<version>$<base64url(nonce || ciphertext || tag)>`: the version names the
key that sealed it, so that keys rotate without a flag day (`scf governance rotate-key` seals
every value again with the current key, batch by batch, while the platform runs). The
associated data binds a value to its place (table, column and row), so that a ciphertext
copied into another row does not open.

Keys come from SCF_DATA_KEYS, `1:<base64 of 32 bytes>,2:<...>`, the highest version sealing
unless SCF_DATA_KEY_VERSION names another. Without it a development key is derived from the
secret key (version 1); production sets real keys from its secret store.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from scf.core.errors import InvalidInput

_TOKEN = re.compile(r"^v([0-9]{1,6})\$([A-Za-z0-9_-]+={0,2})$")
NONCE_BYTES = 12


class MissingKey(InvalidInput):
    """A sealed value names a key version the keyring does not hold."""

    code = "missing_key"


@dataclass(frozen=True)
class Keyring:
    """The data keys by version and the version that seals new values."""

    keys: Mapping[int, bytes]
    current: int

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise MissingKey(
                f"the current data key version {self.current} is not among the keys",
                field="data_key_version",
            )
        for version, key in self.keys.items():
            if len(key) != 32:
                raise InvalidInput(
                    f"data key {version} must be 32 bytes (AES-256)", field="data_keys"
                )

    @classmethod
    def parse(cls, text: str, current: int | None = None) -> Keyring:
        """Read `1:<base64>,2:<base64>`; the highest version seals unless `current` is given."""
        keys: dict[int, bytes] = {}
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            version, sep, encoded = part.partition(":")
            if not sep or not version.strip().isdigit():
                raise InvalidInput("each key reads <version>:<base64>", field="data_keys")
            try:
                keys[int(version)] = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise InvalidInput(f"key {version} is not base64", field="data_keys") from None
        if not keys:
            raise InvalidInput("name at least one data key", field="data_keys")
        return cls(keys, current if current is not None else max(keys))

    @classmethod
    def derived(cls, secret: str) -> Keyring:
        """The development keyring: one key derived from the platform's secret key."""
        key = HKDF(hashes.SHA256(), 32, salt=None, info=b"scf data key 1").derive(secret.encode())
        return cls({1: key}, 1)

    def seal(self, plaintext: str, place: str) -> str:
        """Encrypt a text with the current key, bound to its place (table.column:row)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plaintext.encode(), place.encode())
        return f"v{self.current}${base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, token: str, place: str) -> str:
        """Decrypt a sealed text; refuse one whose key is missing or that was tampered with."""
        version, blob = parse_token(token)
        key = self.keys.get(version)
        if key is None:
            raise MissingKey(f"no data key of version {version}", field="data_keys")
        try:
            plain = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], place.encode())
        except InvalidTag:
            raise InvalidInput(f"the value sealed at {place} does not open", field=place) from None
        return plain.decode()

    def is_current(self, token: str) -> bool:
        return version_of(token) == self.current


def parse_token(token: str) -> tuple[int, bytes]:
    m = _TOKEN.match(token)
    if m is None:
        raise InvalidInput("not a sealed value", field="sealed")
    return int(m.group(1)), base64.urlsafe_b64decode(m.group(2))


def version_of(token: str) -> int:
    """The key version a sealed value names."""
    return parse_token(token)[0]
