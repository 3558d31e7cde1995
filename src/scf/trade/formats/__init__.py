"""Readers of trade documents in standard formats: UBL 2.1, UN/CEFACT CII D16B, camt.053.

Readers turn a file into plain values (`ParsedDocument`, `StatementEntry`) with exact
Decimal amounts as the document states them; the service decides what to store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypedDict, cast

from scf.core.errors import InvalidInput


@dataclass(frozen=True)
class PartyInfo:
    """A party as the document names it: name, identifiers and country."""

    name: str | None = None
    legal_id: str | None = None  # PartyLegalEntity/CompanyID (a USCC for Chinese parties)
    tax_id: str | None = None  # PartyTaxScheme/CompanyID (VAT identifier)
    ids: tuple[str, ...] = ()  # PartyIdentification/ID and EndpointID
    country: str | None = None

    def identifiers(self) -> list[str]:
        out = [x for x in (self.legal_id, self.tax_id, *self.ids) if x]
        return list(dict.fromkeys(out))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "legal_id": self.legal_id,
            "tax_id": self.tax_id,
            "ids": list(self.ids),
            "country": self.country,
        }


@dataclass(frozen=True)
class ParsedLine:
    line_id: str | None
    item: str | None
    quantity: Decimal | None
    unit: str | None
    unit_price: Decimal | None
    net_amount: Decimal | None
    order_line_ref: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id,
            "item": self.item,
            "quantity": _s(self.quantity),
            "unit": self.unit,
            "unit_price": _s(self.unit_price),
            "net_amount": _s(self.net_amount),
            "order_line_ref": self.order_line_ref,
        }


def _s(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


@dataclass(frozen=True)
class ParsedDocument:
    """An invoice or credit note as the file states it (EN 16931 semantic model, in part)."""

    syntax: str  # ubl or cii
    kind: str  # invoice or credit_note
    number: str | None
    type_code: str | None
    issue_date: date | None
    due_date: date | None
    currency: str | None
    seller: PartyInfo
    buyer: PartyInfo
    payee: PartyInfo | None  # an assignee such as a factor, when the payee is not the seller
    line_total: Decimal | None
    allowance_total: Decimal | None
    charge_total: Decimal | None
    tax_exclusive: Decimal | None
    tax_total: Decimal | None
    tax_inclusive: Decimal | None
    prepaid: Decimal | None
    rounding: Decimal | None
    payable: Decimal | None
    order_ref: str | None
    contract_ref: str | None
    billing_refs: tuple[str, ...]
    delivery_date: date | None
    lines: tuple[ParsedLine, ...] = field(default_factory=tuple)
    customization_id: str | None = None

    @property
    def assigned_to_factor(self) -> bool:
        return self.payee is not None and bool(self.payee.name or self.payee.identifiers())

    def as_dict(self) -> dict[str, Any]:
        return {
            "syntax": self.syntax,
            "kind": self.kind,
            "number": self.number,
            "type_code": self.type_code,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "currency": self.currency,
            "seller": self.seller.as_dict(),
            "buyer": self.buyer.as_dict(),
            "payee": self.payee.as_dict() if self.payee else None,
            "assigned_to_factor": self.assigned_to_factor,
            "totals": {
                "line_total": _s(self.line_total),
                "allowance_total": _s(self.allowance_total),
                "charge_total": _s(self.charge_total),
                "tax_exclusive": _s(self.tax_exclusive),
                "tax_total": _s(self.tax_total),
                "tax_inclusive": _s(self.tax_inclusive),
                "prepaid": _s(self.prepaid),
                "rounding": _s(self.rounding),
                "payable": _s(self.payable),
            },
            "order_ref": self.order_ref,
            "contract_ref": self.contract_ref,
            "billing_refs": list(self.billing_refs),
            "delivery_date": self.delivery_date.isoformat() if self.delivery_date else None,
            "lines": [ln.as_dict() for ln in self.lines],
        }


@dataclass(frozen=True)
class StatementEntry:
    """One entry of a bank statement, report or notification (camt.052/053/054 Ntry)."""

    statement_id: str
    account: str | None
    entry_ref: str | None
    amount: Decimal
    currency: str
    credit: bool
    booking_date: date | None
    value_date: date | None
    remittance: tuple[str, ...]
    end_to_end_id: str | None
    counterparty_name: str | None
    status: str | None = None
    end_to_end_ids: tuple[str, ...] = ()  # every transaction's, where end_to_end_id is the first
    servicer_ref: str | None = None  # AcctSvcrRef: the bank's own reference of the entry

    @property
    def booked(self) -> bool:
        return self.status == "BOOK"

    def as_dict(self) -> dict[str, Any]:
        return {
            "statement_id": self.statement_id,
            "account": self.account,
            "entry_ref": self.entry_ref,
            "amount": str(self.amount),
            "currency": self.currency,
            "credit": self.credit,
            "booking_date": self.booking_date.isoformat() if self.booking_date else None,
            "value_date": self.value_date.isoformat() if self.value_date else None,
            "remittance": list(self.remittance),
            "end_to_end_id": self.end_to_end_id,
            "counterparty_name": self.counterparty_name,
            "status": self.status,
        }


class Totals(TypedDict):
    """The document totals (BG-22) but the tax total, as `ParsedDocument` names them."""

    line_total: Decimal | None
    allowance_total: Decimal | None
    charge_total: Decimal | None
    tax_exclusive: Decimal | None
    tax_inclusive: Decimal | None
    prepaid: Decimal | None
    rounding: Decimal | None
    payable: Decimal | None


# Each total's element in UBL's LegalMonetaryTotal and in CII's monetary summation.
TOTALS = (
    ("line_total", "cbc:LineExtensionAmount", "ram:LineTotalAmount"),  # BT-106
    ("allowance_total", "cbc:AllowanceTotalAmount", "ram:AllowanceTotalAmount"),  # BT-107
    ("charge_total", "cbc:ChargeTotalAmount", "ram:ChargeTotalAmount"),  # BT-108
    ("tax_exclusive", "cbc:TaxExclusiveAmount", "ram:TaxBasisTotalAmount"),  # BT-109
    ("tax_inclusive", "cbc:TaxInclusiveAmount", "ram:GrandTotalAmount"),  # BT-112
    ("prepaid", "cbc:PrepaidAmount", "ram:TotalPrepaidAmount"),  # BT-113
    ("rounding", "cbc:PayableRoundingAmount", "ram:RoundingAmount"),  # BT-114
    ("payable", "cbc:PayableAmount", "ram:DuePayableAmount"),  # BT-115
)


def read_totals(read: Callable[[str], str | None], syntax: str) -> Totals:
    """Read a UBL or CII (`syntax`) document's totals; `read` gives an element's text."""
    column = 1 if syntax == "ubl" else 2
    return cast(Totals, {row[0]: parse_decimal(read(row[column]), row[0]) for row in TOTALS})


def parse_decimal(text: str | None, field: str) -> Decimal | None:
    """Read an XML decimal exactly; refuse anything that is not a plain number."""
    if text is None:
        return None
    t = text.strip()
    if not t:
        return None
    try:
        value = Decimal(t)
    except Exception:
        raise InvalidInput(f"{t!r} is not a decimal number", field=field) from None
    if not value.is_finite():
        raise InvalidInput(f"{t!r} is not a finite number", field=field)
    return value


def parse_date(text: str | None, field: str) -> date | None:
    """Read ISO (YYYY-MM-DD) or format 102 (YYYYMMDD) dates."""
    if text is None:
        return None
    t = text.strip()
    if not t:
        return None
    try:
        if len(t) == 8 and t.isdigit():
            return date(int(t[:4]), int(t[4:6]), int(t[6:8]))
        return date.fromisoformat(t[:10])
    except ValueError:
        raise InvalidInput(f"{t!r} is not a date", field=field) from None
