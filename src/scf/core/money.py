"""Money: integer minor units with a currency; never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from scf.core.bounds import check_amount_bound
from scf.core.errors import InvalidInput

# ISO 4217 exponents of the currencies the platform settles in. Qianhai cross-border
# business adds HKD and USD to CNY; EUR and others appear on imported e-invoices.
CURRENCY_EXPONENTS: Final[dict[str, int]] = {
    "CNY": 2,
    "HKD": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "CHF": 2,
    "JPY": 0,
    "HUF": 2,
    "SGD": 2,
}

# The one rounding policy for money: half up at the currency's exponent, as Chinese banks
# round interest and discount amounts.
MONEY_ROUNDING: Final = ROUND_HALF_UP


def check_currency(code: str, field: str = "currency") -> str:
    """Return the currency code if the platform knows it, else refuse."""
    if not isinstance(code, str) or code.upper() != code or code not in CURRENCY_EXPONENTS:
        raise InvalidInput(
            f"unknown currency {code!r}; use one of {', '.join(sorted(CURRENCY_EXPONENTS))}",
            field=field,
            code="unknown_currency",
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


def total(items: list[Money], currency: str) -> Money:
    """Add up amounts of one currency; an empty list is zero."""
    out = Money.zero(currency)
    for m in items:
        out = out + m
    return out
