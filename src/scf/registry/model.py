"""Registry rules: kinds, collateral identifiers, periods, tolerant names, priority order."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from scf.core.bounds import check_identifier
from scf.core.errors import ErrorCollector, InvalidInput


class RegistrationKind(StrEnum):
    PLEDGE = "pledge"
    ASSIGNMENT = "assignment"  # assignment of receivables, including factoring
    RETENTION_OF_TITLE = "retention_of_title"
    LEASE = "lease"
    OTHER = "other"


KIND_ALIASES = {"factoring": RegistrationKind.ASSIGNMENT}


class MatchKind(StrEnum):
    """How a tolerant search matched a grantor's name."""

    EXACT = "exact"  # the folded names are equal
    CONTAINS = "contains"  # the name contains the whole query
    SIMILAR = "similar"  # close by edit distance (a typo)


class CollateralKind(StrEnum):
    RECEIVABLE = "receivable"
    WAREHOUSE_RECEIPT = "warehouse_receipt"
    INVENTORY = "inventory"
    BILL = "bill"
    CERTIFICATE_PIECE = "certificate_piece"
    EQUIPMENT = "equipment"
    OTHER = "other"


# Goods that physically sit in a warehouse: pledging them needs the warehouse's confirmation.
GOODS_KINDS = frozenset({CollateralKind.WAREHOUSE_RECEIPT, CollateralKind.INVENTORY})


class Operation(StrEnum):
    INITIAL = "initial"
    AMENDMENT = "amendment"
    EXTENSION = "extension"
    CANCELLATION = "cancellation"
    OBJECTION = "objection"
    OBJECTION_LITIGATED = "objection_litigated"
    GOODS_CONFIRMED = "goods_confirmed"
    GOODS_RELEASED = "goods_released"
    AGENCY_GRANTED = "agency_granted"
    AGENCY_REVOKED = "agency_revoked"
    KEY_ROTATION = "key_rotation"


class Status(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


MIN_PERIOD_MONTHS = 1
MAX_PERIOD_MONTHS = 30 * 12
OBJECTION_DAYS = 30
QUANTITY_SCALE = 1000  # goods quantities are stored in thousandths of their unit


@dataclass(frozen=True)
class CollateralRef:
    """One piece of collateral by kind and normalized identifier.

    receivable: the invoice fingerprint (hex); warehouse_receipt: "<warehouse USCC>/<receipt
    no>"; bill: "<package no>/<from>-<to>" (a sub-bill interval; overlapping intervals
    conflict); certificate_piece: the piece id; inventory: "<commodity>/<lot>". `quantity`
    is the share of confirmed goods pledged (warehouse receipts and inventory only; all of
    the confirmed quantity when omitted).
    """

    kind: str
    identifier: str
    quantity: Decimal | None = None


@dataclass(frozen=True)
class CollateralKey:
    """How a collateral is indexed: exact key plus an interval (bills; 0-0 otherwise)."""

    kind: str
    key: str
    lo: int
    hi: int

    @property
    def identifier(self) -> str:
        if self.kind == CollateralKind.BILL:
            return f"{self.key}/{self.lo}-{self.hi}"
        return self.key


def parse_kind(value: str, field: str = "kind") -> RegistrationKind:
    v = (value or "").strip().lower()
    if v in KIND_ALIASES:
        return KIND_ALIASES[v]
    try:
        return RegistrationKind(v)
    except ValueError:
        allowed = ", ".join(k.value for k in RegistrationKind)
        raise InvalidInput(
            f"unknown registration kind {value!r}; use one of: {allowed}", field=field
        ) from None


def parse_collateral_kind(value: str, field: str = "collateral.kind") -> CollateralKind:
    try:
        return CollateralKind((value or "").strip().lower())
    except ValueError:
        allowed = ", ".join(k.value for k in CollateralKind)
        raise InvalidInput(
            f"unknown collateral kind {value!r}; use one of: {allowed}", field=field
        ) from None


_HEX = re.compile(r"^[0-9a-f]{16,128}$")
_USCC = re.compile(r"^[0-9A-Z]{18}$")
_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()


def collateral_key(ref: CollateralRef, field: str = "collateral") -> CollateralKey:
    """Normalize a collateral identifier so that the same asset always gets the same key."""
    kind = parse_collateral_kind(ref.kind, f"{field}.kind")
    ident = _clean(check_identifier(ref.identifier or "", f"{field}.identifier", max_length=260))
    if len(ident) > 200:
        raise InvalidInput("at most 200 characters", field=f"{field}.identifier")
    if kind == CollateralKind.RECEIVABLE:
        fp = ident.lower()
        if not _HEX.match(fp):
            raise InvalidInput(
                "a receivable is identified by its invoice fingerprint (16 to 128 hex digits)",
                field=f"{field}.identifier",
            )
        return CollateralKey(kind, fp, 0, 0)
    if kind == CollateralKind.WAREHOUSE_RECEIPT:
        uscc, sep, receipt = ident.partition("/")
        uscc, receipt = uscc.strip().upper(), receipt.strip().upper().replace(" ", "")
        if not sep or not _USCC.match(uscc) or not receipt:
            raise InvalidInput(
                'a warehouse receipt is "<warehouse USCC>/<receipt number>"',
                field=f"{field}.identifier",
            )
        return CollateralKey(kind, f"{uscc}/{receipt}", 0, 0)
    if kind == CollateralKind.BILL:
        m = re.match(r"^([0-9A-Za-z]+)\s*/\s*(\d+)\s*-\s*(\d+)$", ident)
        if not m:
            raise InvalidInput(
                'a bill is "<package number>/<from>-<to>" (a sub-bill interval)',
                field=f"{field}.identifier",
            )
        lo, hi = int(m.group(2)), int(m.group(3))
        if lo > hi or hi >= 2**62:
            raise InvalidInput(
                "the sub-bill interval must run from a lower to a higher number",
                field=f"{field}.identifier",
            )
        return CollateralKey(kind, m.group(1).upper(), lo, hi)
    if kind == CollateralKind.INVENTORY:
        commodity, sep, lot = ident.partition("/")
        if not sep or not commodity.strip() or not lot.strip():
            raise InvalidInput('inventory is "<commodity>/<lot>"', field=f"{field}.identifier")
        return CollateralKey(kind, f"{fold(commodity)}/{fold(lot)}", 0, 0)
    if kind == CollateralKind.CERTIFICATE_PIECE:
        return CollateralKey(kind, ident, 0, 0)
    return CollateralKey(kind, ident.casefold(), 0, 0)


def keys_into(
    collateral: Sequence[CollateralRef], field_name: str, errs: ErrorCollector
) -> list[CollateralKey]:
    """Normalize collateral to keys; add each refusal to `errs` under `field_name[i]`."""
    keys: list[CollateralKey] = []
    for i, ref in enumerate(collateral):
        try:
            keys.append(collateral_key(ref, f"{field_name}[{i}]"))
        except InvalidInput as exc:
            errs.errors.extend(exc.errors)
    return keys


def collateral_keys(
    collateral: Sequence[CollateralRef], field_name: str = "collateral"
) -> list[CollateralKey]:
    """Normalize collateral to keys; refuse every bad one at once."""
    errs = ErrorCollector()
    keys = keys_into(collateral, field_name, errs)
    errs.raise_if_any("collateral refused")
    return keys


def fold(text: str) -> str:
    """Fold for matching: NFKC (full/half width), case folded, spacing and punctuation removed."""
    t = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in t if unicodedata.category(ch)[0] in "LN")


_LATIN_SUFFIXES = {
    "co",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "company",
    "llc",
    "plc",
}
_CN_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司")


def fold_name(name: str) -> str:
    """Tolerant form of an enterprise name: `fold` plus common legal suffixes stripped.

    Latin suffixes are dropped word by word before the spacing goes, so that "Tesco" keeps
    its "co" while "Tes Co., Ltd." loses both.
    """
    t = unicodedata.normalize("NFKC", name or "").casefold()
    words = [w for w in re.split(r"[^\w]+", t) if w]
    while len(words) > 1 and words[-1] in _LATIN_SUFFIXES:
        words.pop()
    folded = fold("".join(words))
    for suffix in _CN_SUFFIXES:  # longest first; one legal form per name
        if folded == suffix:
            break
        if folded.endswith(suffix):
            return folded[: -len(suffix)]
    return folded


def check_period(months: int, field: str = "period_months") -> int:
    """A registration runs from 1 month to 30 years (PBOC Order 2021 No. 7)."""
    if isinstance(months, bool) or not isinstance(months, int):
        raise InvalidInput("a whole number of months", field=field)
    if not MIN_PERIOD_MONTHS <= months <= MAX_PERIOD_MONTHS:
        raise InvalidInput(
            f"the period must be 1 to 360 months (30 years), not {months}", field=field
        )
    return months


def add_months(at: datetime, months: int) -> datetime:
    """The same day and time `months` later, clipped to the month's last day."""
    import calendar

    y, m = divmod(at.month - 1 + months, 12)
    year, month = at.year + y, m + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


def quantity_units(value: Decimal | str | int, field: str = "quantity") -> int:
    """A goods quantity as an integer number of thousandths (no float ever)."""
    if isinstance(value, float) or isinstance(value, bool):
        raise InvalidInput("give the quantity as a decimal string", field=field)
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"{value!r} is not a number", field=field) from None
    if not d.is_finite() or d <= 0:
        raise InvalidInput("the quantity must be positive", field=field)
    scaled = d * QUANTITY_SCALE
    if scaled != scaled.to_integral_value():
        raise InvalidInput("at most three decimal places", field=field)
    return int(scaled)


def units_to_decimal(units: int) -> Decimal:
    return (Decimal(units) / QUANTITY_SCALE).quantize(Decimal("0.001"))


def status_at(cancelled: bool, expires_at: datetime, now: datetime) -> Status:
    if cancelled:
        return Status.CANCELLED
    if expires_at <= now:
        return Status.EXPIRED
    return Status.ACTIVE


def registration_number(registered_at: datetime, seq: int) -> str:
    """A number that shows the filing day and is unique by the log's sequence number."""
    return f"R{registered_at:%Y%m%d}{seq:010d}"


def canonical(obj: Any) -> bytes:
    """The exact bytes a log leaf holds: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class PriorityItem:
    number: str | None
    seq: int | None
    registered: bool
    notice_at: datetime | None = None


def priority_order(items: list[PriorityItem]) -> list[list[PriorityItem]]:
    """Rank competing interests per Civil Code Art. 414 and 768.

    Registered before unregistered; registered ones by registration order (sequence); then
    unregistered ones by first notice to the debtor; those with neither share pro rata, so
    they come back together as one rank.
    """
    registered = sorted((i for i in items if i.registered), key=lambda i: i.seq or 0)
    noticed = sorted(
        (i for i in items if not i.registered and i.notice_at is not None),
        key=lambda i: i.notice_at,  # type: ignore[arg-type, return-value]
    )
    rest = [i for i in items if not i.registered and i.notice_at is None]
    ranks = [[i] for i in registered] + [[i] for i in noticed]
    if rest:
        ranks.append(rest)
    return ranks
