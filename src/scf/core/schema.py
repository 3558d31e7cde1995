"""Shared API vocabulary: bounded input types, money as strings, pages, and problem details.

Every room's request schemas build on these, so that a value is refused the same way on
every route (the bounds themselves live in `scf.core.bounds`, which the CSV, XLSX, XML and
command-line paths share):

- `Amount`: a canonical decimal string ("1234.56"; no "1e6", "1,000.00" or full-width digits);
  `MoneyIn` adds the currency and its maximum;
- `DecimalText`: a quantity, price or share, canonical and bounded;
- `Text(max)`, `Name`, `Note`, `Description`: no control characters, a maximum length;
- `Identifier`: trimmed, never empty, no control characters, at most 128 characters;
- `BoundedDate`: 1900-01-01 to 2199-12-31;
- `RequestModel`: the base of request bodies; refuses control characters in any text it
  holds, nested or not, even in a field declared as a plain `str`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from scf.core.bounds import (
    IDENTIFIER_MAX,
    NAME_MAX,
    TEXT_MAX,
    check_amount_bound,
    check_canonical_decimal,
    check_date,
    check_decimal_bound,
    check_identifier,
    check_text,
)
from scf.core.errors import InvalidInput
from scf.core.money import Money, check_currency, to_decimal


def _as_value_error(check: Callable[..., Any]) -> Callable[..., Any]:
    """Run a bounds check, turning its refusal into the ValueError pydantic reports."""

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None

    return run


def _no_float(v: Any) -> Any:
    if isinstance(v, float) or isinstance(v, bool):
        raise ValueError('must be a decimal string such as "1234.56", not a JSON number')
    if isinstance(v, int):
        return str(v)
    return v


def _canonical(v: str) -> str:
    return str(_as_value_error(check_canonical_decimal)(v))


def _bounded_decimal(v: str) -> str:
    _as_value_error(check_decimal_bound)(Decimal(v), "value")
    return v


def _bounded_date(v: date) -> date:
    _as_value_error(check_date)(v, "date")
    return v


@dataclass(frozen=True)
class Text:
    """Text of at most `max_length` characters without control characters (line breaks and
    tabs allowed when `multiline`): `Annotated[str, Text(120)]`."""

    max_length: int = TEXT_MAX
    multiline: bool = True

    def check(self, v: Any) -> Any:
        if isinstance(v, str):
            check = _as_value_error(check_text)
            return check(v, "text", max_length=self.max_length, multiline=self.multiline)
        return v

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["maxLength"] = self.max_length
        return out


@dataclass(frozen=True)
class Ident(Text):
    """A trimmed, never empty identifier of at most `max_length` characters."""

    max_length: int = IDENTIFIER_MAX
    multiline: bool = False

    def check(self, v: Any) -> Any:
        if isinstance(v, str):
            return _as_value_error(check_identifier)(v, "identifier", max_length=self.max_length)
        return v

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = super().__get_pydantic_json_schema__(schema, handler)
        out["minLength"] = 1
        return out


Amount = Annotated[
    str,
    BeforeValidator(_no_float),
    AfterValidator(_canonical),
    Field(json_schema_extra={"pattern": r"^-?[0-9]+(\.[0-9]+)?$"}, examples=["1200.50"]),
]
DecimalText = Annotated[
    str, BeforeValidator(_no_float), AfterValidator(_canonical), AfterValidator(_bounded_decimal)
]
Identifier = Annotated[str, Ident()]
Name = Annotated[str, Text(NAME_MAX, multiline=False)]
Note = Annotated[str, Text(2000)]
Description = Annotated[str, Text(TEXT_MAX)]
BoundedDate = Annotated[date, AfterValidator(_bounded_date)]


def _walk_text(value: Any, field: str) -> None:
    if isinstance(value, str):
        check_text(value, field, max_length=10 * TEXT_MAX)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _walk_text(item, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk_text(key, field)
            _walk_text(item, field)


class RequestModel(BaseModel):
    """The base of request bodies: no control characters in any text, however nested."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, v: Any, info: ValidationInfo) -> Any:
        _as_value_error(_walk_text)(v, info.field_name or "body")
        return v


class MoneyIn(BaseModel):
    """An amount as a decimal string and a currency: {"amount": "1200.50", "currency": "CNY"}.

    The amount is canonical ("1200.50") and at most the currency's maximum
    (`scf.core.bounds.DEFAULT_MAX_AMOUNTS`, configurable with SCF_INPUT_MAX_AMOUNTS)."""

    model_config = ConfigDict(extra="forbid")

    # The currency is validated first so that the amount's maximum is known.
    currency: str
    amount: Amount

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        try:
            return check_currency(v)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None

    @field_validator("amount")
    @classmethod
    def _decimal(cls, v: str, info: ValidationInfo) -> str:
        try:
            dec = to_decimal(v)
            currency = info.data.get("currency")
            if currency is not None:
                check_amount_bound(dec, currency)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        if dec < 0:
            raise ValueError("must not be negative")
        return v

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
    if isinstance(v, str):
        _canonical(v)
        _bounded_decimal(v)
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


class Answer(BaseModel):
    """The base of documented answers: a field the model does not name is not allowed, so the
    document says exactly what the server sends (`additionalProperties: false`)."""

    model_config = ConfigDict(extra="forbid")


def answers(
    model: Any, status: int = 200, description: str = "Successful Response"
) -> dict[str, Any]:
    """Decorator arguments that document a route's success answer as `model` while the route
    keeps returning its own JSON unchanged (no filtering or re-serialization):
    `@router.get("/x", **answers(XOut))`. The tests' DocumentedClient and the fuzzing run
    check every real answer against the model's schema."""
    return {
        "response_model": None,
        "responses": {status: {"model": model, "description": description}},
    }
