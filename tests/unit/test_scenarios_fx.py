"""FX rules of the cross-border scenario: parsing a rate, converting once, staleness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.scenarios.model import (
    check_advance_currency,
    check_payout_currency,
    convert,
    fx_rate,
    stale_reason,
)


def test_a_rate_is_a_plain_positive_decimal_of_at_most_eight_places() -> None:
    assert fx_rate("7.12345678") == Decimal("7.12345678")
    assert fx_rate(7) == Decimal("7.00000000")
    for bad in ("0", "-1", "7.123456789", "abc", 7.1, True, "1e3", "200000"):
        with pytest.raises(InvalidInput) as err:
            fx_rate(bad)
        assert err.value.errors[0].field == "rate", bad


def test_conversion_rounds_half_up_once_and_keeps_the_same_currency() -> None:
    assert convert(Money.of("50000.00", "USD"), Decimal("7.1"), "CNY") == Money.of(
        "355000.00", "CNY"
    )
    # 0.05 USD x 7.1 = 0.355 CNY -> 0.36 (half up)
    assert convert(Money.of("0.05", "USD"), Decimal("7.1"), "CNY") == Money.of("0.36", "CNY")
    assert convert(Money.of("12.34", "HKD"), Decimal("0.9"), "HKD") == Money.of("12.34", "HKD")


def test_a_rate_older_than_the_staleness_is_refused_with_its_time() -> None:
    now = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
    day = timedelta(hours=24)
    assert stale_reason(now - timedelta(hours=23, minutes=59), now, day) is None
    assert stale_reason(now - day, now, day) is None
    reason = stale_reason(now - day - timedelta(seconds=1), now, day)
    assert reason is not None and "24 hours" in reason and "2025-03-02" in reason


def test_currencies_of_payouts_and_advances() -> None:
    for code in ("USD", "EUR", "HKD", "CNY"):
        assert check_payout_currency(code) == code
    with pytest.raises(InvalidInput):
        check_payout_currency("GBP")
    assert check_advance_currency("HKD") == "HKD"
    for bad in ("USD", None, 1):
        with pytest.raises(InvalidInput) as err:
            check_advance_currency(bad)
        assert err.value.errors[0].field == "asset.advance_currency"


def test_the_cross_border_scenario_is_found_through_its_entry_point() -> None:
    from scf.financing.scenario import scenarios

    found = scenarios()["cross_border_payout"]
    assert found.registry_kind == "assignment" and found.limits.max_advance == Decimal("0.80")
