"""Amounts as people type them, and a refused form given back as it was sent."""

from __future__ import annotations

import pytest

from scf.core.errors import FieldError, InvalidInput
from scf.web.forms import keep_input, normalise_amount


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("1000.00", "1000.00"),
        ("1,000.00", "1000.00"),
        ("１２，３４５．６０", "12345.60"),
        ("¥ 1,000", "1000"),
        ("￥２００", "200"),
        ("CNY 99.5", "99.5"),
        ("350元", "350"),
        ("2.5万", "25000.0"),
        ("１亿", "100000000"),
        ("1 234 567.89", "1234567.89"),
    ],
)
def test_amounts_are_read_as_people_type_them(typed: str, canonical: str) -> None:
    assert normalise_amount(typed, "amount") == canonical


@pytest.mark.parametrize("typed", ["", "abc", "1e6", "1.2.3", "--5", "万", "12,34a", "0x10"])
def test_anything_else_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_amount(typed, "face")
    assert caught.value.errors[0].field == "face"


PAGE = """<!doctype html><html><body>
<form method="post" action="/other"><input name="amount" value=""></form>
<form method="post" action="/sme/financing">
<input type="hidden" name="csrf" value="tok">
<input type="hidden" name="idem" value="k1">
<label for="a">金额</label><input id="a" name="amount" value="">
<input type="password" name="password">
<select name="scenario"><option value="x" selected>X</option><option value="y">Y</option></select>
<input type="checkbox" name="funder_org_ids[]" value="f1" checked>
<input type="checkbox" name="funder_org_ids[]" value="f2" checked>
<textarea name="note"></textarea>
<input name="asset.face">
</form></body></html>"""


def test_a_refused_form_keeps_what_was_typed_and_says_why_by_each_field() -> None:
    sent = {
        "csrf": "tok",
        "idem": "k1",
        "amount": "abc",
        "password": "secret",
        "scenario": "y",
        "funder_org_ids[]": ["f2"],
        "note": "<b>n</b>",
    }
    errors = [FieldError("amount", "bad"), FieldError("asset.face", "worse")]
    html = keep_input(PAGE, "/sme/financing", sent, errors, lambda e: f"reason {e.reason}")
    form = html.split('action="/sme/financing"')[1]
    assert 'name="amount" value="abc" aria-invalid="true" aria-describedby="error-amount"' in form
    assert '<p class="field-error" id="error-amount">reason bad</p>' in form
    assert 'id="error-asset-face">reason worse</p>' in form
    assert 'value="y" selected' in form and 'value="x" selected' not in form
    assert 'value="f2" checked' in form and 'value="f1" checked' not in form
    assert "&lt;b&gt;n&lt;/b&gt;</textarea>" in form
    assert "secret" not in html and 'name="csrf" value="tok"' in form
    # the other form on the page is left as it was
    assert html.split('action="/other"')[1].split("</form>")[0].count("abc") == 0
