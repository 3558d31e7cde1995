"""Shared pieces of the trade room: the input and result types and batch helpers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert

from scf.core.audit import AuditEntry
from scf.core.bounds import (
    NAME_MAX,
    check_date,
    check_decimal_bound,
    check_identifier,
    check_text,
)
from scf.core.errors import ErrorCollector, InvalidInput
from scf.core.money import Money, to_decimal
from scf.core.uow import UnitOfWork, jsonable, request_id_var
from scf.parties import service as parties
from scf.parties.model import Role
from scf.trade.tables import ReceivableRow

ENTERPRISE = (Role.SUPPLIER, Role.DISTRIBUTOR, Role.CORE_ENTERPRISE)
LOGISTICS = (Role.LOGISTICS, Role.WAREHOUSE, Role.MARKETPLACE)
INSTITUTIONS = (
    Role.BANK,
    Role.FACTORING_COMPANY,
    Role.LOCAL_FINANCIAL_ORG,
    Role.INSURER,
    Role.GUARANTEE_COMPANY,
)


def table_of(mapped: Any) -> Table:
    """The Core table of a mapped class, typed for insert()/update()."""
    return cast(Table, mapped.__table__)


# ---------------------------------------------------------------- inputs


@dataclass
class LineInput:
    item: str
    quantity: object
    unit_price: object
    order_line_no: int | None = None


@dataclass
class InvoiceInput:
    """An invoice or credit note (Chinese VAT e-invoice fields)."""

    number: str
    seller_uscc: str
    buyer_uscc: str
    issue_date: date
    currency: str
    amount_without_tax: object
    tax: object
    total: object
    due_date: date | None = None
    invoice_code: str | None = None
    kind: str = "invoice"
    order_number: str | None = None
    credited_number: str | None = None
    lines: Sequence[LineInput] = ()
    payable: object | None = None
    payee_name: str | None = None
    payee_id: str | None = None
    source: str = "json"
    document: dict[str, Any] | None = None
    line: int | None = None  # line in the upload, for error reports


@dataclass
class OrderInput:
    number: str
    seller_uscc: str
    buyer_uscc: str
    issue_date: date
    currency: str
    lines: Sequence[LineInput]
    kind: str = "purchase_order"
    contract_number: str | None = None
    line: int | None = None


@dataclass
class ShipmentLineInput:
    order_line_no: int
    quantity: object


@dataclass
class ShipmentInput:
    kind: str  # delivery or receipt
    number: str
    order_number: str
    seller_uscc: str
    buyer_uscc: str
    on_date: date
    lines: Sequence[ShipmentLineInput]
    line: int | None = None


@dataclass
class PaymentInput:
    amount: object
    currency: str
    value_date: date
    reference: str
    remittance: str = ""
    payer_uscc: str | None = None
    payee_uscc: str | None = None
    invoice_number: str | None = None
    source: str = "json"
    line: int | None = None


# ---------------------------------------------------------------- results for other rooms


@dataclass(frozen=True)
class ReceivableInfo:
    id: str
    seller_org_id: str
    debtor_org_id: str
    amount: Money
    confirmed: Money
    used: Money
    due_date: date
    status: str
    invoice_ids: tuple[str, ...]
    fingerprints: tuple[str, ...]
    paid: Money | None = None

    @property
    def unused_confirmed(self) -> Money:
        return self.confirmed - self.used

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seller_org_id": self.seller_org_id,
            "debtor_org_id": self.debtor_org_id,
            "amount": self.amount.as_json(),
            "confirmed": self.confirmed.as_json(),
            "used": self.used.as_json(),
            "unused_confirmed": self.unused_confirmed.as_json(),
            "paid": self.paid.as_json() if self.paid else None,
            "due_date": self.due_date.isoformat(),
            "status": self.status,
            "invoice_ids": list(self.invoice_ids),
            "fingerprints": list(self.fingerprints),
        }


@dataclass(frozen=True)
class FingerprintStatus:
    """What the platform knows of an invoice fingerprint, never whose it is."""

    fingerprint: str
    known: bool
    submitted: bool = False
    registered: bool = False
    financed: bool = False
    institutions: int = 0  # how many distinct institutions marked it (not which)
    on_platform: bool = False  # an invoice with this fingerprint was filed on the platform

    def as_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "known": self.known,
            "submitted": self.submitted,
            "registered": self.registered,
            "financed": self.financed,
            "institutions": self.institutions,
            "on_platform": self.on_platform,
        }


# ---------------------------------------------------------------- helpers


def fingerprint_secret(uow: UnitOfWork) -> str:
    if uow.settings is None:
        raise RuntimeError("settings are needed for the fingerprint secret")
    return str(uow.settings.secret_key)


# Text fields of intake items and their maximum lengths; the rest are identifiers.
_TEXT_LIMITS = {"item": NAME_MAX, "remittance": 500, "payee_name": NAME_MAX}
_NOT_TEXT = {"document", "source", "line"}


def check_item(item: object, errors: ErrorCollector, line: int | None, at: str = "") -> None:
    """Refuse control characters, overlong text and out-of-range dates in one intake item.

    CSV, XLSX and XML intake bypass the API's pydantic types; this applies the same bounds
    (`scf.core.bounds`) to every text and date field of the item and of its lines.
    """
    for f in fields(item):  # type: ignore[arg-type]
        if f.name in _NOT_TEXT:
            continue
        value, name = getattr(item, f.name), f"{at}{f.name}"
        try:
            if isinstance(value, str) and f.name in _TEXT_LIMITS:
                check_text(value, name, max_length=_TEXT_LIMITS[f.name], multiline=False)
            elif isinstance(value, str) and value.strip():
                check_identifier(value, name)
            elif isinstance(value, date):
                check_date(value, name)
        except InvalidInput as exc:
            errors.add(name, exc.message, line)
        if f.name == "lines" and isinstance(value, Sequence):
            for j, sub in enumerate(value, start=1):
                if is_dataclass(sub):
                    check_item(sub, errors, line, f"lines[{j}].")


def check_items(items: Sequence[Any], message: str) -> None:
    """Check every item's text, identifiers and dates before the batch reads anything."""
    errors = ErrorCollector()
    for i, it in enumerate(items, start=1):
        check_item(it, errors, getattr(it, "line", None) or i)
    errors.raise_if_any(message)


def parse_money(
    value: object, currency: str, field: str, errors: ErrorCollector, line: int | None
) -> Money | None:
    try:
        return Money.of(value, currency, field=field)
    except InvalidInput as exc:
        errors.add(field, exc.message, line)
        return None


def _decimal(value: object, field: str, errors: ErrorCollector, line: int | None) -> Decimal | None:
    try:
        return check_decimal_bound(to_decimal(value, field), field)
    except InvalidInput as exc:
        errors.add(field, exc.message, line)
        return None


def parse_quantity(
    value: object, field: str, errors: ErrorCollector, line: int | None
) -> Decimal | None:
    dec = _decimal(value, field, errors, line)
    if dec is not None and dec <= 0:
        errors.add(field, "must be greater than zero", line)
        return None
    return dec


def parse_unit_price(
    value: object, field: str, errors: ErrorCollector, line: int | None
) -> Decimal | None:
    """A line's unit price: a decimal of zero or more; None when it is not a number."""
    dec = _decimal(value, field, errors, line)
    if dec is not None and dec < 0:
        errors.add(field, "must not be negative", line)
    return dec


class PartyResolver:
    """Resolve USCCs to platform organizations once per batch."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.cache: dict[str, Any] = {}

    def get(self, uscc: str, field: str, errors: ErrorCollector, line: int | None) -> Any:
        key = (uscc or "").strip().upper()
        if key not in self.cache:
            self.cache[key] = parties.find_by_uscc(self.uow, key) if key else None
        org = self.cache[key]
        if org is None:
            errors.add(field, f"no organization with USCC {uscc!r} is on the platform", line)
        return org


def require_party(
    uow: UnitOfWork,
    seller: Any,
    buyer: Any,
    errors: ErrorCollector,
    line: int | None,
    *,
    extra_roles: Iterable[str] = (),
) -> None:
    actor = uow.actor
    if actor.is_system or seller is None or buyer is None:
        return
    if actor.org_id in (seller.id, buyer.id):
        return
    if actor.has(*extra_roles):
        return
    errors.add("seller_uscc", "you may only file documents your organization is party to", line)


def _audit_row(
    uow: UnitOfWork, action: str, kind: str, agg_id: str, after: Any, at: Any, rid: Any
) -> dict[str, Any]:
    """The row `uow.audit` would write, for a Core insert."""
    return {
        "at": at,
        "user_id": uow.actor.user_id,
        "org_id": uow.actor.org_id,
        "action": action,
        "aggregate_type": kind,
        "aggregate_id": agg_id,
        "before": None,
        "after": after,
        "request_id": rid,
    }


def audit_rows(
    uow: UnitOfWork, action: str, kind: str, items: list[tuple[str, dict[str, Any]]]
) -> None:
    if not items:
        return
    now = uow.now()
    rid = request_id_var.get()
    uow.session.connection().execute(
        insert(table_of(AuditEntry)),
        [
            _audit_row(uow, action, kind, agg_id, jsonable(after), now, rid)
            for agg_id, after in items
        ],
    )


def audit_json(uow: UnitOfWork, action: str, kind: str, agg_id: str, after: dict[str, Any]) -> None:
    """One audit entry written at once, `after` already JSON-safe (str, int, bool, None,
    lists and dicts of them), so a batch's long entry is not walked by `jsonable` again;
    the row is the one `uow.audit` would write."""
    uow.session.connection().execute(
        insert(table_of(AuditEntry)),
        _audit_row(uow, action, kind, agg_id, after, uow.now(), request_id_var.get()),
    )


def audit_receivable(
    uow: UnitOfWork,
    action: str,
    row: ReceivableRow,
    before: dict[str, Any],
    *,
    org_id: str | None = None,
    **extra: Any,
) -> None:
    """Flush a change to a receivable and audit it: its snapshot before and after, and `extra`."""
    uow.flush()
    uow.audit(
        action,
        "trade_receivable",
        row.id,
        before=before,
        after={**receivable_snapshot(row), **extra},
        org_id=org_id,
    )


def receivable_snapshot(r: ReceivableRow) -> dict[str, Any]:
    return {
        "face_minor": r.face_minor,
        "credited_minor": r.credited_minor,
        "confirmed_minor": r.confirmed_minor,
        "used_minor": r.used_minor,
        "paid_minor": r.paid_minor,
        "disputed": r.disputed,
        "status": receivable_status(r),
    }


def receivable_status(r: ReceivableRow) -> str:
    amount = r.face_minor - r.credited_minor
    if amount <= 0:
        return "credited"
    if r.paid_minor >= amount:
        return "settled"
    if r.disputed:
        return "disputed"
    if r.financed and r.used_minor > 0:
        return "financed"
    if r.used_minor > 0:
        return "used" if r.used_minor >= r.confirmed_minor else "partially_used"
    if r.confirmed_minor > 0:
        return "confirmed"
    return "open"
