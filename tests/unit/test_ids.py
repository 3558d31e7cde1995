"""Prefixed ULID-style ids: layout, time order across milliseconds, the fast spelling."""

from __future__ import annotations

import base64
import os
import re
import time

from scf.core import ids


def test_layout_and_time_prefix() -> None:
    before = time.time_ns() // 1_000_000
    got = ids.new_id("pce")
    after = time.time_ns() // 1_000_000
    assert re.fullmatch(r"pce_[0-9A-HJKMNP-TV-Z]{26}", got)
    ms = 0
    for ch in got[4:14]:
        ms = ms * 32 + ids._ALPHABET.index(ch)
    assert before <= ms <= after


def test_ids_of_later_milliseconds_sort_later() -> None:
    first = ids.new_id("use")
    time.sleep(0.002)
    assert ids.new_id("use") > first


def test_the_random_part_spells_as_the_integer_would() -> None:
    for _ in range(500):
        raw = os.urandom(10)
        spelled = base64.b32encode(raw).translate(ids._CROCKFORD).decode()
        assert spelled == ids._b32(int.from_bytes(raw, "big"), 16)
