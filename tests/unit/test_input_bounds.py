"""The shared input bounds: canonical amounts, maxima per currency, text, identifiers, dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field, ValidationError

from scf.core import bounds
from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.core.schema import (
    Amount,
    BoundedDate,
    Description,
    Identifier,
    MoneyIn,
    RequestModel,
    Text,
)


class Body(RequestModel):
    id: Identifier = "x"
    short: Annotated[str, Text(5)] = ""
    note: Description = ""
    amount: Amount = "0"
    on: BoundedDate | None = None
    loose: dict[str, Any] = Field(default_factory=dict)


def refused(**fields: Any) -> str:
    with pytest.raises(ValidationError) as exc:
        Body(**fields)
    err = exc.value.errors()[0]
    return f"{'.'.join(map(str, err['loc']))}: {err['msg']}"


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9
    )
)
def test_canonical_decimals_are_accepted(value: Decimal) -> None:
    text = f"{value:f}"
    assert Body(amount=text).amount == text


@pytest.mark.parametrize(
    "text",
    [
        "1e6",
        "1E6",
        "1,000.00",
        "1_000",
        "１２３",
        "٣",
        " 1",
        "1 ",
        "+1",
        ".5",
        "5.",
        "NaN",
        "-",
        "",
    ],
)
def test_other_spellings_of_a_number_are_refused(text: str) -> None:
    assert refused(amount=text).startswith("amount:")


def test_money_maximum_per_currency_on_every_path() -> None:
    top = bounds.DEFAULT_MAX_AMOUNTS["CNY"]
    assert Money.of(f"{top}", "CNY").amount == top
    with pytest.raises(InvalidInput) as exc:
        Money.of(f"{top}.01", "CNY", field="limit")
    assert exc.value.code == "amount_too_large" and exc.value.errors[0].field == "limit"
    with pytest.raises(InvalidInput):
        Money.of(-(top + 1), "CNY")
    with pytest.raises(ValidationError) as verr:
        MoneyIn(amount="1" + "0" * 30, currency="CNY")
    assert verr.value.errors()[0]["loc"] == ("amount",)
    assert Money.of("30000000000000", "JPY").minor == 30 * 10**12


def test_the_maximum_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCF_INPUT_MAX_AMOUNTS", '{"CNY": "5000"}')
    bounds.get_input_bounds.cache_clear()
    try:
        assert Money.of("5000", "CNY").minor == 500000
        with pytest.raises(InvalidInput):
            Money.of("5000.01", "CNY")
        assert Money.of("6000", "HKD").minor == 600000  # other currencies keep their default
    finally:
        bounds.get_input_bounds.cache_clear()


@pytest.mark.parametrize("bad", ["\x00", "a\x00", "\x1b[0m", "\x7f", "\x85", "\ud800"])
def test_control_characters_are_refused_in_any_text(bad: str) -> None:
    assert refused(note=bad).startswith("note:")
    assert refused(id=bad).startswith("id:")
    assert refused(loose={"k": [bad]}).startswith("loose:")
    assert refused(loose={bad: 1}).startswith("loose:")


def test_notes_keep_line_breaks_but_identifiers_do_not() -> None:
    assert Body(note="第一行\n\tsecond").note == "第一行\n\tsecond"
    assert "control" in refused(id="a\nb")


def test_identifiers_are_trimmed_and_never_empty() -> None:
    assert Body(id="  org_1 ").id == "org_1"
    for blank in ["", " ", "\u3000"]:
        assert "empty" in refused(id=blank)
    assert "invisible" in refused(id="org\u200b1")
    assert "128" in refused(id="x" * 129)


def test_lengths() -> None:
    assert Body(short="12345").short == "12345"
    assert "at most 5" in refused(short="123456")
    assert "at most 4000" in refused(note="x" * 4001)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"])
def test_dates_outside_1900_to_2199_are_refused(day: str) -> None:
    assert "2199-12-31" in refused(on=day)


def test_terms() -> None:
    today = date(2024, 2, 29)
    assert bounds.check_term(date(2029, 2, 28), today, "expires_on") == date(2029, 2, 28)
    with pytest.raises(InvalidInput) as exc:
        bounds.check_term(date(2029, 3, 1), today, "expires_on")
    assert exc.value.code == "term_too_long" and "5 years" in exc.value.message


def test_bounded_decimals() -> None:
    assert bounds.check_decimal_bound(Decimal("12.12345678"), "q") == Decimal("12.12345678")
    with pytest.raises(InvalidInput):
        bounds.check_decimal_bound(Decimal("1.123456789"), "q")
    with pytest.raises(InvalidInput):
        bounds.check_decimal_bound(Decimal("1e13"), "q")
