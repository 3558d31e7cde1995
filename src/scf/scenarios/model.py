"""Rules of the district scenarios' records: marketplace payouts, FX conversion and staleness."""

from __future__ import annotations

import re
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


class IpKind(StrEnum):
    PATENT = "patent"
    SOFTWARE_COPYRIGHT = "software_copyright"
    TRADEMARK = "trademark"


class IpStatus(StrEnum):
    RECORDED = "recorded"  # the owner recorded it; no appraiser has valued it yet
    VALUED = "valued"  # an appraiser valued it, with a haircut
    PLEDGED = "pledged"  # pledged to a funder, the pledge registered
    RELEASED = "released"  # the financing closed; the pledge was cancelled


# Registration numbers as the offices print them: a Chinese patent (ZL + 12 digits, a dot, a
# check character), a software copyright (year, SR, 7 digits), a trademark (7 to 9 digits).
IP_NUMBER = {
    IpKind.PATENT: re.compile(r"^ZL\d{12}\.[\dX]$"),
    IpKind.SOFTWARE_COPYRIGHT: re.compile(r"^(19|20)\d\dSR\d{7}$"),
    IpKind.TRADEMARK: re.compile(r"^\d{7,9}$"),
}
# An appraiser's haircut is at least this (weak property rights sell at a deep discount).
MIN_IP_HAIRCUT = Decimal("0.30")
# A valuation older than this many days is no basis for a financing.
IP_VALUATION_DAYS = 365

VOCABULARY: dict[str, tuple[str, ...]] = {
    "financing.Scenario": ("cross_border_payout", "ip_pledge"),
    "financing.Check": ("marketplace_exposure", "supply_chain_limit"),
}


def ip_number(kind: str, number: str, field: str = "registration_no") -> str:
    """The registration number in the office's spelling, or refuse it naming the kind."""
    try:
        k = IpKind(kind)
    except ValueError:
        raise InvalidInput("patent, software_copyright or trademark", field="kind") from None
    folded = number.strip().upper().replace(" ", "")
    if not IP_NUMBER[k].match(folded):
        raise InvalidInput(f"not a {k.value} registration number", field=field)
    return folded


def ip_haircut(value: object, field: str = "haircut") -> Decimal:
    """A haircut as a fraction from the platform's minimum to below 1."""
    if isinstance(value, bool | float) or not isinstance(value, str | Decimal):
        raise InvalidInput('a decimal string such as "0.40"', field=field)
    dec = Decimal(check_canonical_decimal(str(value).strip(), field))
    if not MIN_IP_HAIRCUT <= dec < 1:
        raise InvalidInput(f"from {MIN_IP_HAIRCUT} to below 1", field=field)
    return dec.quantize(Decimal("0.0001"))


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
