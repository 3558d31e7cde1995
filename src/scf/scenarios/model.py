"""Rules of the district scenarios' records: marketplace payouts, FX conversion and staleness."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from scf.core.bounds import check_canonical_decimal
from scf.core.errors import InvalidInput
from scf.core.money import Money

# Marketplaces pay sellers out in these; advances against payouts are made in CNY or HKD.
PAYOUT_CURRENCIES = ("USD", "EUR", "HKD", "CNY")
ADVANCE_CURRENCIES = ("CNY", "HKD")
# An FX rate carries 8 decimal places (1 unit of the base currency in the quote currency).
FX_PLACES = Decimal("0.00000001")
# A rate may be timed a little ahead of the server's clock, never more.
FX_CLOCK_SKEW = timedelta(minutes=5)
# Fewer months of sales history than this sends an application to a person.
MIN_SALES_MONTHS = 3


class PayoutStatus(StrEnum):
    RECORDED = "recorded"  # the seller recorded it; the marketplace has not confirmed
    CONFIRMED = "confirmed"  # the marketplace confirmed it owes the payout
    ASSIGNED = "assigned"  # financed: the marketplace pays the funder (notice given)
    SETTLED = "settled"  # the financing closed; the assignment was released


VOCABULARY: dict[str, tuple[str, ...]] = {
    "financing.Scenario": ("cross_border_payout",),
    "financing.Check": ("marketplace_exposure",),
}


def fx_rate(value: object, field: str = "rate") -> Decimal:
    """Parse an FX rate: above zero, at most 8 places, plain decimal (never a float)."""
    if isinstance(value, bool | float) or not isinstance(value, str | int | Decimal):
        raise InvalidInput('a decimal string such as "7.12345678"', field=field)
    text = check_canonical_decimal(str(value).strip(), field)
    dec = Decimal(text)
    if not dec.is_finite() or dec <= 0:
        raise InvalidInput("an exchange rate is above zero", field=field)
    if dec != dec.quantize(FX_PLACES) or dec > Decimal(100000):
        raise InvalidInput("at most 8 decimal places and below 100000", field=field)
    return dec.quantize(FX_PLACES)


def convert(amount: Money, rate: Decimal, to: str) -> Money:
    """Convert at `rate` (1 unit of the amount's currency in `to`), rounded half up once."""
    if amount.currency == to:
        return amount
    value = amount.amount * rate
    return Money.of(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), to)


def stale_reason(observed_at: datetime, now: datetime, max_age: timedelta) -> str | None:
    """Why a rate observed at `observed_at` may not be used `now` (None: it may)."""
    age = now - observed_at
    if age > max_age:
        hours = int(max_age.total_seconds() // 3600)
        return (
            f"the rate was observed at {observed_at.isoformat()}, more than {hours} hours "
            "ago; load a fresh rate"
        )
    return None


def check_payout_currency(code: str, field: str = "amount.currency") -> str:
    if code not in PAYOUT_CURRENCIES:
        raise InvalidInput(
            f"marketplace payouts are in {', '.join(PAYOUT_CURRENCIES)}, not {code}", field=field
        )
    return code


def check_advance_currency(code: object, field: str = "asset.advance_currency") -> str:
    if not isinstance(code, str) or code not in ADVANCE_CURRENCIES:
        raise InvalidInput(
            f"advances against payouts are in {' or '.join(ADVANCE_CURRENCIES)}", field=field
        )
    return code
