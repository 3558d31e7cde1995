"""Masking rules: what each role sees of personal and sensitive data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scf.core.actor import Actor
from scf.core.classification import DataClass
from scf.governance.masking import mask_for, mask_json
from scf.governance.model import is_masked, mask_text, mask_value, sees_in_full

P, S = DataClass.PERSONAL, DataClass.SENSITIVE


def test_texts_are_masked_by_class() -> None:
    assert mask_text("13800138000", P) == "138*****000"
    assert mask_text("王小明", P) == "王**"
    assert mask_text("王", P) == "*"
    assert mask_text("", P) == ""
    assert mask_text("0123456789abcdef", S) == "******cdef"
    assert mask_text("short", S) == "******"
    assert mask_value({"a": ["王小明", 3]}, P) == {"a": ["王**", 3]}


@given(st.text(min_size=1, max_size=40), st.sampled_from([P, S]))
def test_a_masked_text_reads_as_masked_and_masks_to_itself(
    text: str, data_class: DataClass
) -> None:
    masked = mask_text(text, data_class)
    assert is_masked(masked, data_class)
    assert mask_text(masked, data_class) == masked
    assert masked != text or "*" in text


def test_roles_that_see_in_full() -> None:
    assert sees_in_full(frozenset({"regulator"}), S)
    assert not sees_in_full(frozenset({"operator"}), S)
    assert sees_in_full(frozenset({"operator"}), P)
    assert not sees_in_full(frozenset({"bank"}), P)
    assert sees_in_full(frozenset({"bank"}), DataClass.CONFIDENTIAL)


BANK = Actor(user_id="usr_b", org_id="org_bank", roles=frozenset({"bank"}))
ANSWER = {
    "id": "org_other",
    "name": "他人供应商有限公司",
    "phone": "13800138000",
    "shareholders": [{"holder_name": "王小明", "share": "0.6"}],
    "key_persons": [{"person_id": "per_1", "name": "李大伟"}],
}


def test_others_records_are_masked_own_are_not() -> None:
    got = mask_for(ANSWER, BANK)
    assert got["phone"] == "138*****000"
    assert got["name"] == ANSWER["name"]  # an organization's name is public
    assert got["shareholders"][0] == {"holder_name": "王**", "share": "0.6"}
    assert got["key_persons"][0]["name"] == "李**"
    own = {**ANSWER, "id": "org_bank"}
    assert mask_for(own, BANK) == own
    regulator = Actor(user_id="u", org_id="org_reg", roles=frozenset({"regulator"}))
    assert mask_for(ANSWER, regulator) == ANSWER
    assert mask_for(ANSWER, None)["phone"] == "138*****000"


def test_json_answers_are_rewritten_only_when_something_is_masked() -> None:
    body = b'{"id":"x","amount":"1.00"}'
    assert mask_json(body, BANK) is body
    assert b"138*****000" in mask_json(b'{"id":"x","phone":"13800138000"}', BANK)
