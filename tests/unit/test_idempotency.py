"""Rules of the Idempotency-Key: which keys are accepted, and what counts as the same request."""

from __future__ import annotations

import pytest

from scf.core.errors import InvalidInput
from scf.core.idempotency import MAX_KEY_LENGTH, checked_key, request_hash
from scf.core.money import Money


def test_keys_are_trimmed_and_bounded() -> None:
    assert checked_key("  abc-1 ", required=True) == "abc-1"
    assert checked_key(None, required=False) is None
    assert checked_key("k" * MAX_KEY_LENGTH, required=True) == "k" * MAX_KEY_LENGTH
    for key, required, code in (
        (None, True, "idempotency_key_missing"),
        ("  ", False, "idempotency_key_blank"),
        ("k" * (MAX_KEY_LENGTH + 1), False, "idempotency_key_invalid"),
        ("a\x00b", False, "idempotency_key_invalid"),
        ("键", False, "idempotency_key_invalid"),
    ):
        with pytest.raises(InvalidInput) as refused:
            checked_key(key, required=required)
        assert refused.value.code == code
        assert refused.value.errors[0].field == "Idempotency-Key"


def test_the_same_request_hashes_the_same() -> None:
    body = {"b": [1, 2], "a": Money.of("1.00", "CNY")}
    assert request_hash("split:p1", body) == request_hash("split:p1", dict(reversed(body.items())))
    assert request_hash("split:p1", body) != request_hash("split:p2", body)
    assert request_hash("split:p1", body) != request_hash("split:p1", {**body, "b": [2, 1]})
    assert request_hash("csv", b"a,b\n") == request_hash("csv", b"a,b\n")
    assert request_hash("csv", b"a,b\n") != request_hash("csv", b"a,b\n\n")
