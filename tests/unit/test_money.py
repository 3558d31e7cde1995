from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.core.rates import discount_proceeds, rate, simple_interest


def test_money_from_string_keeps_minor_units() -> None:
    m = Money.of("1234.56", "CNY")
    assert m.minor == 123456
    assert m.amount_str() == "1234.56"
    assert str(m) == "CNY 1234.56"


def test_money_refuses_float() -> None:
    with pytest.raises(InvalidInput) as e:
        Money.of(12.5, "CNY")
    assert e.value.errors[0].field == "amount"
    with pytest.raises(TypeError):
        Money.of("1", "CNY") * 1.5  # type: ignore[operator]


def test_money_refuses_mixed_currencies() -> None:
    with pytest.raises(InvalidInput) as e:
        Money.of("1", "CNY") + Money.of("1", "USD")
    assert e.value.code == "currency_mismatch"


def test_money_refuses_unknown_currency_and_extra_decimals() -> None:
    with pytest.raises(InvalidInput) as e:
        Money.of("1", "XXX")
    assert e.value.code == "unknown_currency"
    with pytest.raises(InvalidInput) as e:
        Money.of("1.001", "CNY")
    assert e.value.code == "too_many_decimals"
    assert Money.of("5", "JPY").minor == 5


def test_money_is_frozen() -> None:
    m = Money.of("1", "HKD")
    with pytest.raises(AttributeError):
        m.minor = 5  # type: ignore[misc]


def test_act360_discount_check_value() -> None:
    face = Money.of("1000000", "CNY")
    assert simple_interest(face, rate("0.045"), 91, 360) == Money.of("11375.00", "CNY")
    assert discount_proceeds(face, rate("4.5%"), 91) == Money.of("988625.00", "CNY")


def test_rates_refuse_float_and_negative() -> None:
    with pytest.raises(InvalidInput):
        rate(0.05)
    with pytest.raises(InvalidInput):
        rate("-0.01")
    assert rate("3.85%") == Decimal("0.03850000")


@given(
    st.integers(min_value=0, max_value=10**15),
    st.lists(st.integers(0, 1000), min_size=1, max_size=20),
)
def test_allocate_conserves_value(minor: int, ratios: list[int]) -> None:
    if sum(ratios) == 0:
        ratios = [*ratios[:-1], 1]
    parts = Money(minor, "CNY").allocate(ratios)
    assert sum(p.minor for p in parts) == minor
    assert all(p.minor >= 0 for p in parts)


@given(st.integers(-(10**15), 10**15), st.integers(-(10**15), 10**15))
def test_addition_is_exact(a: int, b: int) -> None:
    assert (Money(a, "USD") + Money(b, "USD")).minor == a + b
    assert (Money(a, "USD") - Money(b, "USD") + Money(b, "USD")).minor == a


def test_every_iso4217_currency_has_its_exponent() -> None:
    from scf.core.money import CURRENCY_EXPONENTS

    assert len(CURRENCY_EXPONENTS) >= 150
    assert {c: CURRENCY_EXPONENTS[c] for c in ("PLN", "JPY", "BHD", "CLF", "CNY")} == {
        "PLN": 2,
        "JPY": 0,
        "BHD": 3,
        "CLF": 4,
        "CNY": 2,
    }
    assert Money.of("1.234", "BHD").minor == 1234
    with pytest.raises(InvalidInput) as e:
        Money.of("1.5", "JPY")
    assert e.value.code == "too_many_decimals"
    assert "XAU" not in CURRENCY_EXPONENTS  # no minor unit: not money to count


def test_settlement_currencies_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    from scf.core import money

    money.settlement_currencies.cache_clear()
    try:
        assert money.check_settlement_currency("CNY") == "CNY"
        with pytest.raises(InvalidInput) as e:
            money.check_settlement_currency("PLN", "amount")
        assert e.value.code == "not_a_settlement_currency"
        assert e.value.errors[0].field == "amount"
        monkeypatch.setenv("SCF_SETTLEMENT_CURRENCIES", "CNY, PLN")
        money.settlement_currencies.cache_clear()
        assert money.settlement_currencies() == ("CNY", "PLN")
        assert money.check_settlement_currency("PLN") == "PLN"
        monkeypatch.setenv("SCF_SETTLEMENT_CURRENCIES", "CNY,ZZZ")
        money.settlement_currencies.cache_clear()
        with pytest.raises(ValueError, match="ISO 4217"):
            money.settlement_currencies()
    finally:
        monkeypatch.delenv("SCF_SETTLEMENT_CURRENCIES", raising=False)
        money.settlement_currencies.cache_clear()
