"""Rates as Decimal, with one rounding policy and the discount formulas of the platform."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from scf.core.errors import InvalidInput
from scf.core.money import Money, to_decimal

# Rates are held to 8 decimal places (0.01 basis point) and rounded half up.
RATE_PLACES: Final = Decimal("0.00000001")
RATE_ROUNDING: Final = ROUND_HALF_UP


def rate(value: object, *, field: str = "rate") -> Decimal:
    """Parse an annual rate given as a fraction ("0.045") or percent ("4.5%")."""
    if isinstance(value, str) and value.strip().endswith("%"):
        dec = to_decimal(value.strip()[:-1], field) / Decimal(100)
    else:
        dec = to_decimal(value, field)
    if dec < 0:
        raise InvalidInput("a rate cannot be negative", field=field)
    if dec > 1:
        raise InvalidInput(
            "rates are fractions (0.045 for 4.5%); this one is above 100%", field=field
        )
    return dec.quantize(RATE_PLACES, rounding=RATE_ROUNDING)


def simple_interest(principal: Money, annual_rate: Decimal, days: int, basis: int) -> Money:
    """Interest = principal x rate x days / basis, rounded once at the currency's exponent."""
    if days < 0:
        raise InvalidInput("days cannot be negative", field="days")
    return principal.scale(annual_rate * Decimal(days) / Decimal(basis))


def discount_proceeds(face: Money, annual_rate: Decimal, days: int, basis: int = 360) -> Money:
    """Return what a discounted face pays now: face - face x rate x days / basis."""
    return face - simple_interest(face, annual_rate, days, basis)
