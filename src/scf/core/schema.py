"""Shared API vocabulary: money as strings, pages, and problem details."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scf.core.errors import InvalidInput
from scf.core.money import Money, check_currency, to_decimal


class MoneyIn(BaseModel):
    """An amount as a decimal string and a currency: {"amount": "1200.50", "currency": "CNY"}."""

    model_config = ConfigDict(extra="forbid")

    amount: str
    currency: str

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, v: Any) -> Any:
        if isinstance(v, float) or isinstance(v, bool):
            raise ValueError('must be a decimal string such as "1234.56", not a JSON number')
        if isinstance(v, int):
            return str(v)
        return v

    @field_validator("amount")
    @classmethod
    def _decimal(cls, v: str) -> str:
        try:
            dec = to_decimal(v)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        if dec < 0:
            raise ValueError("must not be negative")
        return v

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        try:
            return check_currency(v)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None

    def to_money(self, field: str = "amount") -> Money:
        return Money.of(self.amount, self.currency, field=field)

    @classmethod
    def of(cls, money: Money) -> MoneyIn:
        return cls(amount=money.amount_str(), currency=money.currency)


class MoneyOut(BaseModel):
    amount: str
    currency: str

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(amount=money.amount_str(), currency=money.currency)


def decimal_str(v: Any) -> Decimal:
    """Parse a Decimal from JSON, refusing floats so that no binary rounding sneaks in."""
    if isinstance(v, float):
        raise ValueError('must be a decimal string such as "0.045", not a JSON number')
    try:
        return to_decimal(v)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class PageParams(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)
