"""Bounds on input from outside: amounts, decimals, text, identifiers and dates.

The API's pydantic types (`scf.core.schema`) and the paths that bypass pydantic (CSV, XLSX
and XML intake, the command line) apply the same checks from here, so a value refused on
one path is refused on every path. Reasons are given in Chinese and English.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Final

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from scf.core.errors import InvalidInput

# The largest amount accepted in one field, per currency, in major units. Far above any
# real trade or facility (one trillion yuan), and far enough below the BIGINT minor-unit
# columns (9.2 x 10^18) that sums over many rows cannot overflow them.
DEFAULT_MAX_AMOUNTS: Final[dict[str, Decimal]] = {
    "CNY": Decimal("1000000000000"),
    "HKD": Decimal("1000000000000"),
    "USD": Decimal("200000000000"),
    "EUR": Decimal("200000000000"),
    "GBP": Decimal("200000000000"),
    "SEK": Decimal("2000000000000"),
    "NOK": Decimal("2000000000000"),
    "DKK": Decimal("1000000000000"),
    "CHF": Decimal("200000000000"),
    "JPY": Decimal("30000000000000"),
    "HUF": Decimal("50000000000000"),
    "SGD": Decimal("200000000000"),
}
# The largest plain decimal (quantity, unit price, share) and the most decimal places.
MAX_DECIMAL: Final = Decimal("1000000000000")
MAX_DECIMAL_PLACES: Final = 8
# Dates outside these years are typing mistakes or probes, and break date arithmetic.
EARLIEST_DATE: Final = date(1900, 1, 1)
LATEST_DATE: Final = date(2199, 12, 31)

TEXT_MAX: Final = 4000
NAME_MAX: Final = 200
IDENTIFIER_MAX: Final = 128

_CANONICAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_LINE_BREAKS: Final = frozenset("\t\n\r")


class InputBounds(BaseSettings):
    """Configurable bounds (prefix SCF_INPUT_); the defaults are documented in the README."""

    model_config = SettingsConfigDict(env_prefix="SCF_INPUT_", extra="ignore")

    # Per currency, in major units, e.g. SCF_INPUT_MAX_AMOUNTS='{"CNY": "5000000000"}';
    # currencies not named keep their default.
    max_amounts: dict[str, Decimal] = Field(default_factory=dict)
    # How far ahead a credit line, an exposure cover or a cover policy may expire.
    max_term_years: int = Field(default=5, ge=1, le=30)

    def max_amount(self, currency: str) -> Decimal:
        return self.max_amounts.get(currency, DEFAULT_MAX_AMOUNTS.get(currency, MAX_DECIMAL))


@lru_cache
def get_input_bounds() -> InputBounds:
    return InputBounds()


def _refuse(field: str, zh: str, en: str, *, code: str) -> InvalidInput:
    return InvalidInput(f"{zh} ({en})", field=field, code=code)


def check_canonical_decimal(value: str, field: str = "amount") -> str:
    """Refuse anything but a plain decimal string: no exponent, separators or other digits."""
    if not _CANONICAL.fullmatch(value):
        raise _refuse(
            field,
            "须为规范的十进制数字字符串，如 1234.56",
            f'must be a plain decimal string such as "1234.56", not {value[:40]!r}',
            code="not_canonical_decimal",
        )
    return value


def check_amount_bound(amount: Decimal, currency: str, field: str = "amount") -> Decimal:
    """Refuse an amount above the currency's maximum (either sign)."""
    top = get_input_bounds().max_amount(currency)
    if abs(amount) > top:
        raise _refuse(
            field,
            f"金额超过上限 {currency} {top:,}",
            f"the amount is over the maximum of {currency} {top:,} for one field",
            code="amount_too_large",
        )
    return amount


def check_decimal_bound(value: Decimal, field: str) -> Decimal:
    """Refuse a quantity, price or share that is absurdly large or finely divided."""
    if abs(value) > MAX_DECIMAL:
        raise _refuse(
            field,
            f"数值超过上限 {MAX_DECIMAL:,}",
            f"over the maximum of {MAX_DECIMAL:,}",
            code="too_large",
        )
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
        raise _refuse(
            field,
            f"小数位数不得超过 {MAX_DECIMAL_PLACES} 位",
            f"at most {MAX_DECIMAL_PLACES} decimal places",
            code="too_many_decimals",
        )
    return value


def check_text(
    value: str, field: str, *, max_length: int = TEXT_MAX, multiline: bool = True
) -> str:
    """Refuse control characters (tabs and line breaks allowed in multi-line text) and long text."""
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cs") and not (multiline and ch in _LINE_BREAKS):
            raise _refuse(
                field,
                "含有控制字符（如 NUL）",
                f"contains the control character U+{ord(ch):04X}",
                code="control_character",
            )
    if len(value) > max_length:
        raise _refuse(
            field,
            f"长度不得超过 {max_length} 个字符",
            f"at most {max_length} characters, got {len(value)}",
            code="too_long",
        )
    return value


def check_identifier(value: str, field: str, *, max_length: int = IDENTIFIER_MAX) -> str:
    """Trim an identifier and refuse it empty, with control characters or too long."""
    value = value.strip()
    if not value:
        raise _refuse(
            field, "不能为空", "must not be empty or only spaces", code="empty_identifier"
        )
    check_text(value, field, max_length=max_length, multiline=False)
    if any(unicodedata.category(ch) == "Cf" for ch in value):
        # Zero-width and direction marks make two identifiers look alike.
        raise _refuse(
            field,
            "含有不可见的格式字符",
            "contains an invisible formatting character (zero-width or direction mark)",
            code="control_character",
        )
    return value


def check_date(value: date, field: str) -> date:
    """Refuse dates before 1900 or after 2199."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise _refuse(
            field,
            f"日期须在 {EARLIEST_DATE} 至 {LATEST_DATE} 之间",
            f"the date must be between {EARLIEST_DATE} and {LATEST_DATE}",
            code="date_out_of_range",
        )
    return value


def check_term(value: date, today: date, field: str) -> date:
    """Refuse an expiry further ahead than the configured maximum term."""
    years = get_input_bounds().max_term_years
    try:
        latest = today.replace(year=today.year + years)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + years, day=28)
    if value > latest:
        raise _refuse(
            field,
            f"到期日不得晚于 {latest}（最长 {years} 年）",
            f"may expire at most {years} years ahead, on {latest} at the latest",
            code="term_too_long",
        )
    return value
