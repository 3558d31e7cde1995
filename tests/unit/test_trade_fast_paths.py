"""The shortcuts in the trade rules answer exactly what the general forms answer."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from scf.trade.model import item_key, keyed_fingerprint, normalize_number

SAMPLES = [
    "24440000000000012345",
    "inv-2025/001",
    "ab 12 cd",
    "２４４４０００",  # full-width digits
    "Straße 5",
    "№ 12",
    "ｉｎｖ　７",
    "",
    "  Steel  coil 钢卷 ",
    "Ⅻ",
]


def _number_reference(number: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", number).upper())


def _item_reference(item: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", item).strip().lower())


@given(st.one_of(st.sampled_from(SAMPLES), st.text(max_size=30)))
def test_normalize_number_agrees_with_nfkc_and_strip(number: str) -> None:
    assert normalize_number(number) == _number_reference(number)


@given(st.one_of(st.sampled_from(SAMPLES), st.text(max_size=30)))
def test_item_key_agrees_with_nfkc_and_spaces(item: str) -> None:
    assert item_key(item) == _item_reference(item)


def test_keyed_fingerprint_is_the_hmac_of_the_digest() -> None:
    digest = "sha256:" + hashlib.sha256(b"x").hexdigest()
    expected = hmac.new(b"secret", digest.encode(), hashlib.sha256).hexdigest()
    assert keyed_fingerprint("secret", digest) == expected
