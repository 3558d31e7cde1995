"""Amounts and percentages formatted per locale; the messages are in `scf.core.i18n`'s catalogs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal

from scf.core.i18n import DEFAULT_LANG, LANGS
from scf.core.money import Money

__all__ = ["DEFAULT_LANG", "LANGS", "money", "percent"]

BABEL_LOCALE = {"zh": "zh_CN", "en": "en_US"}


def money(lang: str, value: Money | dict[str, Any] | None) -> str:
    """Format money for the locale from exact decimals (Money or {"amount", "currency"})."""
    if value is None:
        return "–"
    if isinstance(value, Money):
        amount, ccy = value.amount, value.currency
    else:
        amount, ccy = Decimal(str(value["amount"])), str(value["currency"])
    return format_currency(amount, ccy, locale=BABEL_LOCALE.get(lang, "zh_CN"))


def percent(lang: str, value: Any) -> str:
    """A rate such as 0.036 as 3.6%."""
    if value is None:
        return "–"
    return format_decimal(Decimal(str(value)) * 100, "#,##0.00##", locale=BABEL_LOCALE[lang]) + "%"
