"""Money: integer minor units with a currency; never a float."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final, overload

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scf.core.bounds import check_amount_bound
from scf.core.errors import InvalidInput


def _iso4217_exponents() -> dict[str, int]:
    """Every ISO 4217 currency with its minor-unit exponent (the `iso4217` package, which
    follows the list the ISO 4217 maintenance agency publishes). Codes without a minor unit
    (gold, SDR and the other funds and metals, the testing code) are not money to count."""
    from iso4217 import Currency

    return {c.code: int(c.exponent) for c in Currency if c.exponent is not None}


CURRENCY_EXPONENTS: Final[Mapping[str, int]] = MappingProxyType(_iso4217_exponents())


class SettlementSettings(BaseSettings):
    """The currencies the platform settles in (SCF_SETTLEMENT_CURRENCIES, comma-separated).

    Trade documents may be in any ISO 4217 currency; certificates, credit lines, financing
    and payment instructions only in these. Qianhai cross-border business adds HKD and USD
    to CNY.
    """

    model_config = SettingsConfigDict(env_prefix="SCF_", extra="ignore")
    settlement_currencies: str = "CNY,HKD,USD"

    @field_validator("settlement_currencies")
    @classmethod
    def _known(cls, v: str) -> str:
        codes = [c.strip() for c in v.split(",") if c.strip()]
        unknown = [c for c in codes if c not in CURRENCY_EXPONENTS]
        if not codes or unknown:
            raise ValueError(
                f"SCF_SETTLEMENT_CURRENCIES must list ISO 4217 codes, not {unknown or v!r}"
            )
        return ",".join(codes)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.settlement_currencies.split(","))


@lru_cache
def settlement_currencies() -> tuple[str, ...]:
    return SettlementSettings().codes


# The one rounding policy for money: half up at the currency's exponent, as Chinese banks
# round interest and discount amounts.
MONEY_ROUNDING: Final = ROUND_HALF_UP


def check_currency(code: str, field: str = "currency") -> str:
    """Return the code if it is an ISO 4217 currency, else refuse."""
    if not isinstance(code, str) or code.upper() != code or code not in CURRENCY_EXPONENTS:
        raise InvalidInput(
            f"unknown currency {str(code)[:10]!r}; use an ISO 4217 code such as CNY",
            field=field,
            code="unknown_currency",
        )
    return code


def check_settlement_currency(code: str, field: str = "currency") -> str:
    """Return the code if the platform settles in it (SCF_SETTLEMENT_CURRENCIES), else refuse."""
    check_currency(code, field)
    allowed = settlement_currencies()
    if code not in allowed:
        raise InvalidInput(
            f"the platform does not settle in {code}; use one of {', '.join(allowed)}",
            field=field,
            code="not_a_settlement_currency",
        )
    return code


def to_decimal(value: object, field: str = "amount") -> Decimal:
    """Parse an exact decimal from a string, int or Decimal; refuse floats."""
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidInput('must be a decimal string such as "1234.56", not a float', field=field)
    if isinstance(value, Decimal):
        dec = value
    elif isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, str):
        try:
            dec = Decimal(value.strip().replace(",", "").replace("_", ""))
        except InvalidOperation:
            raise InvalidInput(f"{value!r} is not a decimal number", field=field) from None
    else:
        raise InvalidInput(f"{type(value).__name__} is not a decimal number", field=field)
    if not dec.is_finite():
        raise InvalidInput("must be a finite number", field=field)
    return dec


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An amount in integer minor units of one currency."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise InvalidInput("minor units must be an integer", field="amount")
        check_currency(self.currency)

    @classmethod
    def of(cls, amount: object, currency: str, *, field: str = "amount") -> Money:
        """Build from a decimal amount; refuse floats, amounts over the currency's maximum
        (`scf.core.bounds`) and more decimals than the currency has."""
        check_currency(currency, field="currency")
        dec = check_amount_bound(to_decimal(amount, field), currency, field)
        exp = CURRENCY_EXPONENTS[currency]
        scaled = dec.scaleb(exp)
        if scaled != scaled.to_integral_value():
            raise InvalidInput(
                f"{currency} amounts have at most {exp} decimal places, got {amount}",
                field=field,
                code="too_many_decimals",
            )
        return cls(int(scaled), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, *, field: str = "amount") -> Money:
        """Parse "CNY 1234.56" or "1234.56 CNY"."""
        parts = text.split()
        if len(parts) != 2:
            raise InvalidInput(f"{text!r} is not of the form 'CNY 1234.56'", field=field)
        a, b = parts
        if a.isalpha():
            return cls.of(b, a, field=field)
        return cls.of(a, b, field=field)

    @property
    def exponent(self) -> int:
        return CURRENCY_EXPONENTS[self.currency]

    @property
    def amount(self) -> Decimal:
        return Decimal(self.minor).scaleb(-self.exponent)

    def amount_str(self) -> str:
        """Return the amount as a plain string with exactly the currency's decimals."""
        return f"{self.amount:.{self.exponent}f}"

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise InvalidInput(
                f"cannot combine {self.currency} with {other.currency}",
                field="currency",
                code="currency_mismatch",
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.minor + self._same(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.minor - self._same(other).minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.minor < self._same(other).minor

    def __le__(self, other: Money) -> bool:
        return self.minor <= self._same(other).minor

    def __gt__(self, other: Money) -> bool:
        return self.minor > self._same(other).minor

    def __ge__(self, other: Money) -> bool:
        return self.minor >= self._same(other).minor

    def __mul__(self, other: object) -> Money:
        if isinstance(other, float):
            raise TypeError("Money cannot be multiplied by a float; use a Decimal")
        if isinstance(other, int) and not isinstance(other, bool):
            return Money(self.minor * other, self.currency)
        if isinstance(other, Decimal):
            return self.scale(other)
        return NotImplemented

    __rmul__ = __mul__

    def scale(self, factor: Decimal, rounding: str = MONEY_ROUNDING) -> Money:
        """Multiply by an exact factor, rounding once with the money policy."""
        if not isinstance(factor, Decimal):
            raise TypeError("scale factor must be a Decimal")
        minor = (Decimal(self.minor) * factor).quantize(Decimal(1), rounding=rounding)
        return Money(int(minor), self.currency)

    def allocate(self, ratios: list[int]) -> list[Money]:
        """Split into parts by integer ratios so that the parts add up exactly."""
        if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
            raise InvalidInput("ratios must be non-negative and not all zero", field="ratios")
        total = sum(ratios)
        parts = [self.minor * r // total for r in ratios]
        for i in range(self.minor - sum(parts)):
            parts[i % len(parts)] += 1
        return [Money(p, self.currency) for p in parts]

    def is_zero(self) -> bool:
        return self.minor == 0

    def is_positive(self) -> bool:
        return self.minor > 0

    def is_negative(self) -> bool:
        return self.minor < 0

    def __bool__(self) -> bool:
        return self.minor != 0

    def __str__(self) -> str:
        return f"{self.currency} {self.amount_str()}"

    def __repr__(self) -> str:
        return f"Money('{self.amount_str()}', '{self.currency}')"

    def as_json(self) -> dict[str, Any]:
        return {"amount": self.amount_str(), "currency": self.currency}


class MoneyOf:
    """A row's amount as `Money`, read from its integer minor-units column and its currency
    column: `face = MoneyOf("face_minor")` on a mapped class stands for the property that
    returns `Money(self.face_minor, self.currency)` (read-only, not mapped)."""

    def __init__(self, minor: str, currency: str = "currency") -> None:
        self.minor = minor
        self.currency = currency

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> MoneyOf: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> Money: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> Money | MoneyOf:
        if obj is None:
            return self
        return Money(getattr(obj, self.minor), getattr(obj, self.currency))


def total(items: list[Money], currency: str) -> Money:
    """Add up amounts of one currency; an empty list is zero."""
    out = Money.zero(currency)
    for m in items:
        out = out + m
    return out
