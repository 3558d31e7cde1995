"""Ed25519 signing of tree heads and search certificates."""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scf.core.errors import InvalidInput

DEFAULT_KEY_FILE = Path("./var/registry-signing.key")
STH_PREFIX = b"scf-registry-sth-v1\x00"
CERT_PREFIX = b"scf-registry-search-certificate-v1\x00"
KEY_PREFIX = b"scf-registry-key-rotation-v1\x00"
COSIGNATURE_PREFIX = b"scf-registry-cosignature-v1\x00"


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """The key id recorded on every signed head: the first 16 hex digits of SHA-256(pubkey)."""
    return hashlib.sha256(public).hexdigest()[:16]


def load_private(b64: str) -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(b64.strip(), validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except Exception:
        raise InvalidInput(
            "SCF_REGISTRY_SIGNING_KEY must be a base64 raw 32-byte Ed25519 private key",
            field="registry_signing_key",
        ) from None


def generate_b64() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def key_from_settings(configured: str | None, path: Path = DEFAULT_KEY_FILE) -> Ed25519PrivateKey:
    """The configured key, or one generated once and kept in ./var/registry-signing.key."""
    if configured:
        return load_private(configured)
    if path.exists():
        return load_private(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(generate_b64())
    return load_private(path.read_text())


def tree_head_message(tree_size: int, timestamp_ms: int, root: bytes) -> bytes:
    """The signed bytes of a tree head: prefix, size and time as 8-byte big-endian, root."""
    return STH_PREFIX + struct.pack(">QQ", tree_size, timestamp_ms) + root


def key_rotation_message(seq: int, previous_key_id: str, public: bytes) -> bytes:
    """The bytes the previous key signs to introduce a new one at log entry `seq`."""
    return KEY_PREFIX + struct.pack(">Q", seq) + previous_key_id.encode("ascii") + public


def cosignature_message(tree_size: int, timestamp_ms: int, root: bytes, witnessed_ms: int) -> bytes:
    """The bytes a witness signs: the head it verified and its own time of verifying."""
    return (
        COSIGNATURE_PREFIX
        + struct.pack(">QQ", tree_size, timestamp_ms)
        + root
        + struct.pack(">Q", witnessed_ms)
    )


def public_from_hex(text: str, field_name: str) -> bytes:
    """A raw 32-byte Ed25519 public key from hex; refuse anything else, naming the field."""
    try:
        raw = bytes.fromhex(text.strip())
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise InvalidInput("a raw Ed25519 public key as 64 hex digits", field=field_name) from None
    return raw


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
