"""AES-GCM sealing with key versions: open, tamper, move, missing key, bad key text."""

from __future__ import annotations

import base64

import pytest

from scf.core.errors import InvalidInput
from scf.core.sealed import Keyring, MissingKey, version_of

K1 = base64.b64encode(b"1" * 32).decode()
K2 = base64.b64encode(b"2" * 32).decode()


def test_seal_and_open_with_versions() -> None:
    ring = Keyring.parse(f"1:{K1},2:{K2}")
    assert ring.current == 2
    token = ring.seal("110105194912310021", "persons.id_number_sealed:per_1")
    assert token.startswith("v2$") and "110105" not in token
    assert version_of(token) == 2
    assert ring.open(token, "persons.id_number_sealed:per_1") == "110105194912310021"
    assert ring.seal("x", "p") != ring.seal("x", "p")  # a fresh nonce every time
    old = Keyring.parse(f"1:{K1},2:{K2}", current=1).seal("abc", "p")
    assert ring.open(old, "p") == "abc" and not ring.is_current(old)


def test_a_value_moved_tampered_or_without_its_key_does_not_open() -> None:
    ring = Keyring.parse(f"1:{K1}")
    token = ring.seal("secret", "persons.id_number_sealed:per_1")
    with pytest.raises(InvalidInput, match="does not open"):
        ring.open(token, "persons.id_number_sealed:per_2")
    i = len(token) // 2
    flipped = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
    with pytest.raises(InvalidInput):
        ring.open(flipped, "persons.id_number_sealed:per_1")
    with pytest.raises(MissingKey):
        Keyring.parse(f"2:{K2}").open(token, "persons.id_number_sealed:per_1")


@pytest.mark.parametrize(
    "text",
    ["", "1", "x:abc", f"1:{base64.b64encode(b'short').decode()}", "1:not base64!"],
)
def test_bad_key_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        Keyring.parse(text)


def test_the_current_version_must_be_held() -> None:
    with pytest.raises(MissingKey):
        Keyring.parse(f"1:{K1}", current=2)
