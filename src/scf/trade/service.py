"""Use cases of the trade room: intake, confirmation, matching, authenticity and fingerprints.

Intake functions take a batch and land it whole or not at all: every bad item is collected
with its line number and reason, and nothing is written unless all items pass.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, or_, select

from scf.core.audit import AuditEntry
from scf.core.errors import Conflict, ErrorCollector, InvalidInput, NotFound, PermissionDenied
from scf.core.ids import new_id
from scf.core.money import CURRENCY_EXPONENTS, Money, to_decimal
from scf.core.uow import UnitOfWork, jsonable, request_id_var
from scf.parties import service as parties
from scf.parties.model import ConsentScope, Role
from scf.trade.config import trade_settings
from scf.trade.formats import ParsedDocument
from scf.trade.formats.camt import is_camt, read_camt
from scf.trade.formats.cii import is_cii, read_cii
from scf.trade.formats.en16931 import RuleFailure, validate_model, validate_ubl
from scf.trade.formats.ubl import is_ubl, read_ubl
from scf.trade.formats.xmlsafe import parse_xml
from scf.trade.model import (
    STATE_RANK,
    Assessment,
    DocKind,
    FingerprintState,
    InvLine,
    MatchResult,
    OrderLine,
    Reason,
    Tolerances,
    check_dates,
    check_vat_invoice_number,
    explain,
    invoice_digest,
    is_fingerprint,
    item_key,
    keyed_fingerprint,
    match_lines,
    near_duplicate,
    normalize_number,
    number_stem,
    price_outliers,
    score,
)
from scf.trade.tables import (
    FingerprintMarkRow,
    FingerprintRow,
    InvoiceLineRow,
    InvoiceRow,
    PaymentRow,
    ReceivableRow,
    ReceivableUseRow,
    ShipmentLineRow,
    ShipmentRow,
    TradeOrderLineRow,
    TradeOrderRow,
)

ENTERPRISE = (Role.SUPPLIER, Role.DISTRIBUTOR, Role.CORE_ENTERPRISE)
LOGISTICS = (Role.LOGISTICS, Role.WAREHOUSE, Role.MARKETPLACE)
INSTITUTIONS = (
    Role.BANK,
    Role.FACTORING_COMPANY,
    Role.LOCAL_FINANCIAL_ORG,
    Role.INSURER,
    Role.GUARANTEE_COMPANY,
)


def _table(mapped: Any) -> Table:
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


def _secret(uow: UnitOfWork) -> str:
    if uow.settings is None:
        raise RuntimeError("settings are needed for the fingerprint secret")
    return str(uow.settings.secret_key)


def _money(
    value: object, currency: str, field: str, errors: ErrorCollector, line: int | None
) -> Money | None:
    try:
        return Money.of(value, currency, field=field)
    except InvalidInput as exc:
        errors.add(field, exc.message, line)
        return None


def _qty(value: object, field: str, errors: ErrorCollector, line: int | None) -> Decimal | None:
    try:
        dec = to_decimal(value, field)
    except InvalidInput as exc:
        errors.add(field, exc.message, line)
        return None
    if dec <= 0:
        errors.add(field, "must be greater than zero", line)
        return None
    return dec


class _Parties:
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


def _require_party(
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


def _audit_rows(
    uow: UnitOfWork, action: str, kind: str, items: list[tuple[str, dict[str, Any]]]
) -> None:
    if not items:
        return
    now = uow.now()
    rid = request_id_var.get()
    uow.session.connection().execute(
        insert(_table(AuditEntry)),
        [
            {
                "at": now,
                "user_id": uow.actor.user_id,
                "org_id": uow.actor.org_id,
                "action": action,
                "aggregate_type": kind,
                "aggregate_id": agg_id,
                "before": None,
                "after": jsonable(after),
                "request_id": rid,
            }
            for agg_id, after in items
        ],
    )


# ---------------------------------------------------------------- orders and shipments


def record_orders(
    uow: UnitOfWork, items: Sequence[OrderInput], *, commit: bool = True
) -> list[str]:
    """File contracts or purchase orders; all land or none."""
    parties.require_role(uow.actor, *ENTERPRISE)
    errors = ErrorCollector()
    resolver = _Parties(uow)
    rows: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    now = uow.now()
    seen: set[tuple[str, str, str, str]] = set()
    for i, it in enumerate(items, start=1):
        ln = it.line or i
        n0 = len(errors.errors)
        if it.kind not in (DocKind.CONTRACT, DocKind.PURCHASE_ORDER):
            errors.add("kind", "use contract or purchase_order", ln)
        if not it.number.strip():
            errors.add("number", "an order number is required", ln)
        seller = resolver.get(it.seller_uscc, "seller_uscc", errors, ln)
        buyer = resolver.get(it.buyer_uscc, "buyer_uscc", errors, ln)
        if seller is not None and buyer is not None and seller.id == buyer.id:
            errors.add("buyer_uscc", "the seller and the buyer are the same organization", ln)
        _require_party(uow, seller, buyer, errors, ln)
        if it.currency not in CURRENCY_EXPONENTS:
            errors.add("currency", f"unknown currency {it.currency!r}", ln)
        if it.issue_date > uow.today():
            errors.add("issue_date", "is in the future", ln)
        if not it.lines and it.kind == DocKind.PURCHASE_ORDER:
            errors.add("lines", "a purchase order needs at least one line", ln)
        total = Decimal(0)
        parsed_lines = []
        for j, line in enumerate(it.lines, start=1):
            q = _qty(line.quantity, f"lines[{j}].quantity", errors, ln)
            try:
                p = to_decimal(line.unit_price, f"lines[{j}].unit_price")
                if p < 0:
                    errors.add(f"lines[{j}].unit_price", "must not be negative", ln)
            except InvalidInput as exc:
                errors.add(f"lines[{j}].unit_price", exc.message, ln)
                p = None
            if not line.item.strip():
                errors.add(f"lines[{j}].item", "an item is required", ln)
            if q is not None and p is not None:
                total += q * p
                parsed_lines.append((line.order_line_no or j, line.item.strip(), q, p))
        if len(errors.errors) > n0 or seller is None or buyer is None:
            continue
        key = (seller.id, buyer.id, it.kind, it.number.strip())
        if key in seen or uow.session.scalar(
            select(TradeOrderRow.id).where(
                TradeOrderRow.seller_org_id == seller.id,
                TradeOrderRow.buyer_org_id == buyer.id,
                TradeOrderRow.kind == it.kind,
                TradeOrderRow.number == it.number.strip(),
            )
        ):
            errors.add("number", f"{it.kind} {it.number} is already on file", ln)
            continue
        seen.add(key)
        contract_id = None
        if it.contract_number:
            contract_id = uow.session.scalar(
                select(TradeOrderRow.id).where(
                    TradeOrderRow.seller_org_id == seller.id,
                    TradeOrderRow.buyer_org_id == buyer.id,
                    TradeOrderRow.kind == DocKind.CONTRACT,
                    TradeOrderRow.number == it.contract_number,
                )
            )
            if contract_id is None:
                errors.add(
                    "contract_number", f"no contract {it.contract_number} between the parties", ln
                )
                continue
        oid = new_id("ord")
        exp = CURRENCY_EXPONENTS[it.currency]
        rows.append(
            {
                "id": oid,
                "kind": it.kind,
                "number": it.number.strip(),
                "seller_org_id": seller.id,
                "buyer_org_id": buyer.id,
                "contract_id": contract_id,
                "issue_date": it.issue_date,
                "currency": it.currency,
                "total_minor": int(total.scaleb(exp).quantize(Decimal(1))),
                "filed_by_org_id": uow.actor.org_id,
                "created_at": now,
            }
        )
        lines += [
            {"order_id": oid, "line_no": no, "item": item, "quantity": q, "unit_price": p}
            for no, item, q, p in parsed_lines
        ]
    errors.raise_if_any("the orders were refused")
    if rows:
        uow.session.execute(insert(TradeOrderRow), rows)
    if lines:
        uow.session.execute(insert(TradeOrderLineRow), lines)
    _audit_rows(uow, "order.filed", "trade_order", [(r["id"], r) for r in rows])
    if commit:
        uow.commit()
    return [r["id"] for r in rows]


def _find_order(
    uow: UnitOfWork, seller_id: str, buyer_id: str, number: str
) -> TradeOrderRow | None:
    return uow.session.scalar(
        select(TradeOrderRow)
        .where(
            TradeOrderRow.seller_org_id == seller_id,
            TradeOrderRow.buyer_org_id == buyer_id,
            TradeOrderRow.number == number,
        )
        .order_by(TradeOrderRow.kind.desc())
    )


def _orders_by_number(uow: UnitOfWork, numbers: Iterable[str]) -> dict[tuple[str, str, str], str]:
    """Order ids by (seller, buyer, number) for a batch, a purchase order before a contract
    of the same number (as `_find_order` picks)."""
    o = _table(TradeOrderRow).c
    wanted = sorted(set(numbers))
    found: dict[tuple[str, str, str], tuple[str, str]] = {}
    conn = uow.session.connection()
    for k in range(0, len(wanted), 500):
        for r in conn.execute(
            select(o.id, o.seller_org_id, o.buyer_org_id, o.number, o.kind).where(
                o.number.in_(wanted[k : k + 500])
            )
        ):
            key = (r.seller_org_id, r.buyer_org_id, r.number)
            if key not in found or r.kind > found[key][0]:
                found[key] = (r.kind, r.id)
    return {k: v[1] for k, v in found.items()}


def _invoices_by_number(uow: UnitOfWork, numbers: Iterable[str]) -> dict[tuple[str, str, str], str]:
    """Invoice ids by (seller, buyer, normalized number) for a batch's credit notes."""
    i = _table(InvoiceRow).c
    wanted = sorted(set(numbers))
    found: dict[tuple[str, str, str], str] = {}
    conn = uow.session.connection()
    for k in range(0, len(wanted), 500):
        for r in conn.execute(
            select(i.id, i.seller_org_id, i.buyer_org_id, i.number_norm).where(
                i.number_norm.in_(wanted[k : k + 500]), i.kind == DocKind.INVOICE
            )
        ):
            found.setdefault((r.seller_org_id, r.buyer_org_id, r.number_norm), r.id)
    return found


def record_shipments(
    uow: UnitOfWork, items: Sequence[ShipmentInput], *, commit: bool = True
) -> list[str]:
    """File delivery notes or waybills (seller or logistics) and goods receipts (buyer)."""
    parties.require_role(uow.actor, *ENTERPRISE, *LOGISTICS)
    errors = ErrorCollector()
    resolver = _Parties(uow)
    rows: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    now = uow.now()
    for i, it in enumerate(items, start=1):
        ln = it.line or i
        n0 = len(errors.errors)
        if it.kind not in (DocKind.DELIVERY, DocKind.RECEIPT):
            errors.add("kind", "use delivery or receipt", ln)
            continue
        seller = resolver.get(it.seller_uscc, "seller_uscc", errors, ln)
        buyer = resolver.get(it.buyer_uscc, "buyer_uscc", errors, ln)
        if seller is None or buyer is None:
            continue
        actor = uow.actor
        if not actor.is_system:
            if it.kind == DocKind.RECEIPT and actor.org_id != buyer.id:
                errors.add("kind", "only the buyer files a goods receipt", ln)
            if (
                it.kind == DocKind.DELIVERY
                and actor.org_id != seller.id
                and not actor.has(*LOGISTICS)
            ):
                errors.add(
                    "kind", "a delivery note is filed by the seller or a logistics participant", ln
                )
        order = _find_order(uow, seller.id, buyer.id, it.order_number)
        if order is None:
            errors.add("order_number", f"no order {it.order_number} between the parties", ln)
            continue
        if it.on_date > uow.today():
            errors.add("on_date", "is in the future", ln)
        known_lines = set(
            uow.session.scalars(
                select(TradeOrderLineRow.line_no).where(TradeOrderLineRow.order_id == order.id)
            )
        )
        if not it.lines:
            errors.add("lines", "at least one line is required", ln)
        parsed = []
        for j, sl in enumerate(it.lines, start=1):
            q = _qty(sl.quantity, f"lines[{j}].quantity", errors, ln)
            if sl.order_line_no not in known_lines:
                errors.add(
                    f"lines[{j}].order_line_no",
                    f"order {order.number} has no line {sl.order_line_no}",
                    ln,
                )
            if q is not None:
                parsed.append((sl.order_line_no, q))
        if len(errors.errors) > n0:
            continue
        sid = new_id("shp")
        rows.append(
            {
                "id": sid,
                "kind": it.kind,
                "number": it.number,
                "order_id": order.id,
                "on_date": it.on_date,
                "filed_by_org_id": uow.actor.org_id,
                "created_at": now,
            }
        )
        lines += [{"shipment_id": sid, "order_line_no": no, "quantity": q} for no, q in parsed]
    errors.raise_if_any("the shipments were refused")
    if rows:
        uow.session.execute(insert(ShipmentRow), rows)
        uow.session.execute(insert(ShipmentLineRow), lines)
    _audit_rows(uow, "shipment.filed", "trade_shipment", [(r["id"], r) for r in rows])
    if commit:
        uow.commit()
    return [r["id"] for r in rows]


# ---------------------------------------------------------------- invoices


def record_invoices(
    uow: UnitOfWork, items: Sequence[InvoiceInput], *, commit: bool = True
) -> list[str]:
    """File invoices and credit notes; each invoice opens a receivable against the buyer.

    A buyer filing its own payables confirms them in full (the debtor's upload counts as
    confirmation); a buyer filing an invoice the seller already filed confirms that one.
    """
    parties.require_role(uow.actor, *ENTERPRISE)
    errors = ErrorCollector()
    resolver = _Parties(uow)
    secret = _secret(uow)
    now = uow.now()
    today = uow.today()
    staged: list[tuple[InvoiceInput, int, Any, Any, dict[str, Any], list[dict[str, Any]]]] = []
    fps: dict[str, int] = {}
    # One read per batch for the orders and credited invoices named, not one per item.
    orders = _orders_by_number(uow, (it.order_number for it in items if it.order_number))
    credited = _invoices_by_number(
        uow,
        (
            normalize_number(it.credited_number)
            for it in items
            if it.kind == DocKind.CREDIT_NOTE and it.credited_number
        ),
    )
    for i, it in enumerate(items, start=1):
        ln = it.line or i
        n0 = len(errors.errors)
        if it.kind not in (DocKind.INVOICE, DocKind.CREDIT_NOTE):
            errors.add("kind", "use invoice or credit_note", ln)
        number = (it.number or "").strip()
        if not number:
            errors.add("number", "an invoice number is required", ln)
        elif it.source in ("json", "csv"):
            try:
                check_vat_invoice_number(number, it.invoice_code)
            except InvalidInput as exc:
                errors.add(exc.errors[0].field if exc.errors else "number", exc.message, ln)
        seller = resolver.get(it.seller_uscc, "seller_uscc", errors, ln)
        buyer = resolver.get(it.buyer_uscc, "buyer_uscc", errors, ln)
        if seller is not None and buyer is not None and seller.id == buyer.id:
            errors.add("buyer_uscc", "the seller and the buyer are the same organization", ln)
        _require_party(uow, seller, buyer, errors, ln)
        if it.currency not in CURRENCY_EXPONENTS:
            errors.add("currency", f"unknown currency {it.currency!r}", ln)
            continue
        net = _money(it.amount_without_tax, it.currency, "amount_without_tax", errors, ln)
        tax = _money(it.tax, it.currency, "tax", errors, ln)
        total = _money(it.total, it.currency, "total", errors, ln)
        payable = (
            _money(it.payable, it.currency, "payable", errors, ln)
            if it.payable is not None
            else total
        )
        if net is not None and tax is not None and total is not None:
            if net + tax != total:
                errors.add(
                    "total",
                    f"{net.amount_str()} + tax {tax.amount_str()} is not the total {total.amount_str()}",  # noqa: E501
                    ln,
                )
            if net.is_negative() or total.is_negative() or tax.is_negative():
                errors.add(
                    "total", "amounts are positive; file a credit note to reduce an invoice", ln
                )
        if it.issue_date > today:
            errors.add("issue_date", "is in the future", ln)
        due = it.due_date or it.issue_date + timedelta(days=30)
        if due < it.issue_date:
            errors.add("due_date", "is before the issue date", ln)
        line_rows: list[dict[str, Any]] = []
        line_sum = Decimal(0)
        for j, line in enumerate(it.lines, start=1):
            q = _qty(line.quantity, f"lines[{j}].quantity", errors, ln)
            try:
                p = to_decimal(line.unit_price, f"lines[{j}].unit_price")
                if p < 0:
                    errors.add(f"lines[{j}].unit_price", "must not be negative", ln)
            except InvalidInput as exc:
                errors.add(f"lines[{j}].unit_price", exc.message, ln)
                p = None
            if q is not None and p is not None:
                line_sum += q * p
                line_rows.append(
                    {
                        "line_no": j,
                        "item": (line.item or "").strip()[:200] or f"line {j}",
                        "quantity": q,
                        "unit_price": p,
                        "net_amount": q * p,
                        "order_line_no": line.order_line_no,
                    }
                )
        if it.source in ("json", "csv") and line_rows and net is not None:
            if abs(line_sum - net.amount) > Decimal("0.01") * len(line_rows):
                errors.add("lines", f"the lines add up to {line_sum}, not {net.amount_str()}", ln)
        if (
            len(errors.errors) > n0
            or seller is None
            or buyer is None
            or total is None
            or payable is None
            or net is None
            or tax is None
        ):
            continue
        digest = invoice_digest(seller.uscc, buyer.uscc, number, it.issue_date, total)
        fp = keyed_fingerprint(secret, digest)
        if fp in fps:
            errors.add("number", f"the same invoice appears on line {fps[fp]} of this batch", ln)
            continue
        fps[fp] = ln
        order_id = None
        if it.order_number:
            order_id = orders.get((seller.id, buyer.id, it.order_number))
            if order_id is None:
                errors.add("order_number", f"no order {it.order_number} between the parties", ln)
                continue
        credited_id = None
        if it.kind == DocKind.CREDIT_NOTE and it.credited_number:
            credited_id = credited.get((seller.id, buyer.id, normalize_number(it.credited_number)))
            if credited_id is None and it.source in ("json", "csv"):
                errors.add(
                    "credited_number",
                    f"no invoice {it.credited_number} between the parties to credit",
                    ln,
                )
                continue
        row = {
            "id": new_id("inv"),
            "kind": it.kind,
            "number": number,
            "number_norm": normalize_number(number),
            "invoice_code": it.invoice_code,
            "seller_org_id": seller.id,
            "buyer_org_id": buyer.id,
            "seller_uscc": seller.uscc,
            "buyer_uscc": buyer.uscc,
            "issue_date": it.issue_date,
            "due_date": due,
            "currency": it.currency,
            "net_minor": net.minor,
            "tax_minor": tax.minor,
            "total_minor": total.minor,
            "payable_minor": payable.minor,
            "order_id": order_id,
            "order_number": it.order_number,
            "credited_invoice_id": credited_id,
            "payee_name": it.payee_name,
            "payee_id": it.payee_id,
            "source": it.source,
            "fingerprint": fp,
            "filed_by_org_id": uow.actor.org_id,
            "document": it.document,
            "created_at": now,
        }
        staged.append((it, ln, seller, buyer, row, line_rows))
    # Exact duplicates already on the platform: refused, except that the debtor filing the
    # seller's invoice confirms it.
    existing: dict[str, InvoiceRow] = {}
    fp_list = list(fps)
    for k in range(0, len(fp_list), 500):
        for inv in uow.session.scalars(
            select(InvoiceRow).where(InvoiceRow.fingerprint.in_(fp_list[k : k + 500]))
        ):
            existing[inv.fingerprint] = inv
    to_confirm: list[InvoiceRow] = []
    keep = []
    for it, ln, seller, buyer, row, line_rows in staged:
        prior = existing.get(row["fingerprint"])
        if prior is not None:
            if uow.actor.org_id == buyer.id and prior.filed_by_org_id != buyer.id:
                to_confirm.append(prior)
            else:
                errors.add(
                    "number",
                    f"invoice {row['number']} of {row['issue_date']} is already on the platform",
                    ln,
                )
            continue
        keep.append((it, ln, seller, buyer, row, line_rows))
    errors.raise_if_any("the invoices were refused")
    inv_rows = [r for *_, r, _ in keep]
    all_lines = [{**lr, "invoice_id": r["id"]} for *_, r, lrs in keep for lr in lrs]
    receivables: list[dict[str, Any]] = []
    for it, _ln, seller, buyer, row, _ in keep:  # noqa: B007
        if row["kind"] != DocKind.INVOICE:
            continue
        by_debtor = uow.actor.org_id == buyer.id
        receivables.append(
            {
                "id": new_id("rcv"),
                "invoice_id": row["id"],
                "seller_org_id": seller.id,
                "debtor_org_id": buyer.id,
                "currency": row["currency"],
                "face_minor": row["payable_minor"],
                "credited_minor": 0,
                "confirmed_minor": row["payable_minor"] if by_debtor else 0,
                "used_minor": 0,
                "paid_minor": 0,
                "due_date": row["due_date"],
                "disputed": False,
                "financed": False,
                "confirmed_at": now if by_debtor else None,
                "created_at": now,
                "version": 1,
            }
        )
    s = uow.session
    # Core executemany on the tables: the ORM's bulk path costs more than the database here.
    conn = s.connection()
    if inv_rows:
        conn.execute(insert(_table(InvoiceRow)), inv_rows)
    if all_lines:
        conn.execute(insert(_table(InvoiceLineRow)), all_lines)
    if receivables:
        conn.execute(insert(_table(ReceivableRow)), receivables)
    if inv_rows:
        _mark_many(
            uow,
            [r["fingerprint"] for r in inv_rows],
            FingerprintState.SUBMITTED,
            uow.actor.org_id,
            new_only=True,
        )
    if inv_rows:
        # One audit entry per batch, listing every invoice and receivable it opened: the
        # trail stays complete while a batch of thousands writes one row, not thousands.
        rcv_of = {r["invoice_id"]: r for r in receivables}
        uow.audit(
            "invoice.batch_filed",
            "trade_invoice_batch",
            new_id("bat"),
            after={
                "count": len(inv_rows),
                "invoices": [
                    {
                        "id": r["id"],
                        "kind": str(r["kind"]),
                        "number": r["number"],
                        "seller_org_id": r["seller_org_id"],
                        "buyer_org_id": r["buyer_org_id"],
                        "currency": r["currency"],
                        "total_minor": r["total_minor"],
                        "issue_date": r["issue_date"].isoformat(),
                        "source": r["source"],
                        **(
                            {
                                "receivable_id": opened["id"],
                                "face_minor": opened["face_minor"],
                                "confirmed_minor": opened["confirmed_minor"],
                            }
                            if (opened := rcv_of.get(r["id"])) is not None
                            else {}
                        ),
                    }
                    for r in inv_rows
                ],
            },
        )
    for it, _ln, _seller, _buyer, row, _ in keep:  # noqa: B007
        if row["kind"] == DocKind.CREDIT_NOTE and row["credited_invoice_id"]:
            _apply_credit(uow, row["credited_invoice_id"], row["payable_minor"], row["id"])
    for prior in to_confirm:
        rcv = s.scalar(select(ReceivableRow).where(ReceivableRow.invoice_id == prior.id))
        if rcv is not None:
            _confirm(uow, rcv, rcv.face_minor - rcv.credited_minor)
    uow.flush()
    if commit:
        uow.commit()
    return [r["id"] for r in inv_rows] + [p.id for p in to_confirm]


def _apply_credit(uow: UnitOfWork, invoice_id: str, amount_minor: int, credit_note_id: str) -> None:
    rcv = uow.session.scalar(select(ReceivableRow).where(ReceivableRow.invoice_id == invoice_id))
    if rcv is None:
        return
    before = _snapshot(rcv)
    remaining = rcv.face_minor - rcv.credited_minor - amount_minor
    if remaining < rcv.used_minor:
        raise Conflict(
            f"the credit note would reduce receivable {rcv.id} below the "
            f"{Money(rcv.used_minor, rcv.currency)} already used",
            code="credit_exceeds_unused",
        )
    rcv.credited_minor += amount_minor
    rcv.confirmed_minor = min(rcv.confirmed_minor, max(remaining, 0))
    uow.flush()
    uow.audit(
        "receivable.credited",
        "trade_receivable",
        rcv.id,
        before=before,
        after={**_snapshot(rcv), "credit_note_id": credit_note_id},
        org_id=rcv.seller_org_id,
    )


def _snapshot(r: ReceivableRow) -> dict[str, Any]:
    return {
        "face_minor": r.face_minor,
        "credited_minor": r.credited_minor,
        "confirmed_minor": r.confirmed_minor,
        "used_minor": r.used_minor,
        "paid_minor": r.paid_minor,
        "disputed": r.disputed,
        "status": _status(r),
    }


def _status(r: ReceivableRow) -> str:
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


# ---------------------------------------------------------------- e-invoice files


@dataclass(frozen=True)
class FileReport:
    """What a file says, and the EN 16931 rules it fails."""

    kind: str
    document: ParsedDocument | None
    failures: tuple[RuleFailure, ...]
    entries: tuple[Any, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.document is not None:
            d = self.document.as_dict()
            out.update(
                {
                    "syntax": d["syntax"],
                    "document_kind": d["kind"],
                    "number": d["number"],
                    "issue_date": d["issue_date"],
                    "due_date": d["due_date"],
                    "currency": d["currency"],
                    "parties": {"seller": d["seller"], "buyer": d["buyer"], "payee": d["payee"]},
                    "assigned_to_factor": d["assigned_to_factor"],
                    "totals": d["totals"],
                    "lines": d["lines"],
                    "order_ref": d["order_ref"],
                    "billing_refs": d["billing_refs"],
                }
            )
        if self.entries:
            out["entries"] = [e.as_dict() for e in self.entries]
        out["failed_rules"] = sorted({f.rule for f in self.failures})
        out["failures"] = [f.as_dict() for f in self.failures]
        return out


def read_file(content: bytes) -> FileReport:
    """Parse and check one UBL, CII or camt file without storing anything."""
    root = parse_xml(content)
    if is_ubl(root):
        return FileReport("einvoice", read_ubl(root), tuple(validate_ubl(root)))
    if is_cii(root):
        doc = read_cii(root)
        return FileReport("einvoice", doc, tuple(validate_model(doc)))
    if is_camt(root):
        return FileReport("camt", None, (), tuple(read_camt(root)))
    raise InvalidInput(
        "not a UBL 2.1 invoice or credit note, a CII D16B invoice or an ISO 20022 camt "
        f"statement (root element {root.tag!r})",
        field="file",
        code="wrong_namespace",
    )


def _as_input(doc: ParsedDocument, seller_uscc: str, buyer_uscc: str) -> InvoiceInput:
    errors = ErrorCollector()
    for name, value in (
        ("number", doc.number),
        ("issue_date", doc.issue_date),
        ("currency", doc.currency),
        ("tax_inclusive", doc.tax_inclusive),
        ("tax_exclusive", doc.tax_exclusive),
    ):
        if value is None:
            errors.add(name, "the document does not state it", None)
    errors.raise_if_any("the e-invoice lacks required fields")
    assert (
        doc.number
        and doc.issue_date
        and doc.currency
        and doc.tax_inclusive is not None
        and doc.tax_exclusive is not None
    )
    # A negative invoice is a credit in disguise (Peppol allows it); store it as a credit note.
    sign = -1 if doc.tax_inclusive < 0 else 1
    kind = "credit_note" if (doc.kind == "credit_note" or sign < 0) else "invoice"
    total = doc.tax_inclusive * sign
    net = doc.tax_exclusive * sign
    tax = total - net
    payable = (doc.payable if doc.payable is not None else doc.tax_inclusive) * sign
    lines = []
    for ln in doc.lines:
        q = (ln.quantity or Decimal(1)) * sign
        price = ln.unit_price if ln.unit_price is not None else (ln.net_amount or Decimal(0)) / q
        if q < 0:
            q, price = -q, price
        lines.append(
            LineInput(
                ln.item or ln.line_id or "",
                q if q != 0 else Decimal(1),
                abs(price),
                _int(ln.order_line_ref),
            )
        )
    return InvoiceInput(
        number=doc.number,
        seller_uscc=seller_uscc,
        buyer_uscc=buyer_uscc,
        issue_date=doc.issue_date,
        due_date=doc.due_date if doc.due_date and doc.due_date >= doc.issue_date else None,
        currency=doc.currency,
        amount_without_tax=net,
        tax=tax,
        total=total,
        payable=payable,
        kind=kind,
        credited_number=doc.billing_refs[0] if doc.billing_refs else None,
        lines=[ln for ln in lines if ln.quantity],
        payee_name=doc.payee.name if doc.payee else None,
        payee_id=next(iter(doc.payee.identifiers()), None) if doc.payee else None,
        source=doc.syntax,
        document=doc.as_dict(),
    )


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _resolve_doc_party(uow: UnitOfWork, ids: list[str], explicit: str | None, side: str) -> str:
    if explicit:
        return parties.find_organization(uow, explicit).uscc
    for ident in ids:
        cand = re.sub(r"^CN", "", ident.strip().upper())
        if len(cand) == 18 and parties.find_by_uscc(uow, cand) is not None:
            return cand
    raise InvalidInput(
        f"the {side} ({', '.join(ids) or 'no identifier'}) is not on the platform; give "
        f"{side}_org_id to say which organization it is",
        field=f"{side}_org_id",
        code="unknown_party",
    )


def import_files(
    uow: UnitOfWork,
    files: Sequence[tuple[str, bytes]],
    *,
    seller_org_id: str | None = None,
    buyer_org_id: str | None = None,
    commit: bool = True,
) -> dict[str, Any]:
    """Import e-invoices (UBL, CII) and camt statements; every file lands or none does."""
    parties.require_role(uow.actor, *ENTERPRISE)
    invoices: list[InvoiceInput] = []
    camt: list[tuple[str, Any]] = []
    errors = ErrorCollector()
    for n, (name, content) in enumerate(files, start=1):
        try:
            rep = read_file(content)
            if rep.kind == "camt":
                camt.append((name, rep.entries))
                continue
            assert rep.document is not None
            if rep.failures:
                raise InvalidInput(
                    "fails EN 16931 rules " + ", ".join(sorted({f.rule for f in rep.failures})),
                    field="file",
                    code="en16931_rules_failed",
                )
            seller = _resolve_doc_party(
                uow, rep.document.seller.identifiers(), seller_org_id, "seller"
            )
            buyer = _resolve_doc_party(uow, rep.document.buyer.identifiers(), buyer_org_id, "buyer")
            inp = _as_input(rep.document, seller, buyer)
            inp.line = n
            invoices.append(inp)
        except InvalidInput as exc:
            reasons = exc.errors or []
            errors.add(
                name,
                exc.message
                + (
                    ""
                    if not reasons or reasons[0].reason == exc.message
                    else f" ({reasons[0].field}: {reasons[0].reason})"
                ),
                n,
            )
    errors.raise_if_any("the files were refused")
    ids = record_invoices(uow, invoices, commit=False) if invoices else []
    matched: list[dict[str, Any]] = []
    for name, entries in camt:
        matched += record_statement(uow, entries, source_name=name, commit=False)
    if commit:
        uow.commit()
    return {"invoice_ids": ids, "payments": matched}


# ---------------------------------------------------------------- payments


def record_payments(
    uow: UnitOfWork, items: Sequence[PaymentInput], *, commit: bool = True
) -> list[dict[str, Any]]:
    """Record payments received; each is matched to an invoice by reference and amount."""
    parties.require_role(uow.actor, *ENTERPRISE)
    errors = ErrorCollector()
    resolver = _Parties(uow)
    out = []
    seen: set[str] = set()
    for i, it in enumerate(items, start=1):
        ln = it.line or i
        n0 = len(errors.errors)
        payee = (
            resolver.get(it.payee_uscc, "payee_uscc", errors, ln)
            if it.payee_uscc
            else (parties.find_organization(uow, uow.actor.org_id) if uow.actor.org_id else None)
        )
        if payee is None and not it.payee_uscc:
            errors.add("payee_uscc", "name the payee", ln)
        payer = resolver.get(it.payer_uscc, "payer_uscc", errors, ln) if it.payer_uscc else None
        if (
            payee is not None
            and not uow.actor.is_system
            and uow.actor.org_id not in (payee.id, payer.id if payer else None)
        ):
            errors.add(
                "payee_uscc", "you may only record payments your organization made or received", ln
            )
        amount = (
            _money(it.amount, it.currency, "amount", errors, ln)
            if it.currency in CURRENCY_EXPONENTS
            else None
        )
        if it.currency not in CURRENCY_EXPONENTS:
            errors.add("currency", f"unknown currency {it.currency!r}", ln)
        if amount is not None and not amount.is_positive():
            errors.add("amount", "must be greater than zero", ln)
        if not it.reference.strip():
            errors.add("reference", "a payment reference is required", ln)
        if len(errors.errors) > n0 or payee is None or amount is None:
            continue
        key = f"{payee.id}|{it.reference}"
        if key in seen or uow.session.scalar(
            select(PaymentRow.id).where(
                PaymentRow.payee_org_id == payee.id, PaymentRow.reference == it.reference
            )
        ):
            errors.add("reference", f"payment {it.reference} is already recorded", ln)
            continue
        seen.add(key)
        out.append((it, payee, payer, amount))
    errors.raise_if_any("the payments were refused")
    results = []
    for it, payee, payer, amount in out:
        results.append(
            _store_payment(
                uow,
                payee.id,
                payer.id if payer else None,
                amount,
                it.value_date,
                it.reference,
                it.remittance,
                it.invoice_number,
                it.source,
            )
        )
    if commit:
        uow.commit()
    return results


def _store_payment(
    uow: UnitOfWork,
    payee_id: str,
    payer_id: str | None,
    amount: Money,
    value_date: date,
    reference: str,
    remittance: str,
    invoice_number: str | None,
    source: str,
) -> dict[str, Any]:
    inv = _match_payment(
        uow,
        payee_id,
        payer_id,
        amount,
        " ".join(filter(None, [invoice_number, remittance, reference])),
    )
    row = PaymentRow(
        id=new_id("pay"),
        payer_org_id=payer_id or (inv.buyer_org_id if inv else None),
        payee_org_id=payee_id,
        currency=amount.currency,
        amount_minor=amount.minor,
        value_date=value_date,
        reference=reference[:140],
        remittance=remittance[:1000],
        invoice_id=inv.id if inv else None,
        source=source,
        created_at=uow.now(),
    )
    uow.session.add(row)
    if inv is not None:
        rcv = uow.session.scalar(select(ReceivableRow).where(ReceivableRow.invoice_id == inv.id))
        if rcv is not None:
            before = _snapshot(rcv)
            rcv.paid_minor += amount.minor
            uow.flush()
            uow.audit(
                "receivable.paid",
                "trade_receivable",
                rcv.id,
                before=before,
                after=_snapshot(rcv),
                org_id=payee_id,
            )
    uow.flush()
    uow.audit(
        "payment.recorded",
        "trade_payment",
        row.id,
        after={"amount": amount, "invoice_id": row.invoice_id, "reference": reference},
        org_id=payee_id,
    )
    return {
        "payment_id": row.id,
        "invoice_id": row.invoice_id,
        "amount": amount.as_json(),
        "matched": inv is not None,
    }


def _match_payment(
    uow: UnitOfWork, payee_id: str, payer_id: str | None, amount: Money, text: str
) -> InvoiceRow | None:
    """Find the invoice a payment settles: its number in the remittance, then the amount."""
    tokens = {
        normalize_number(t) for t in re.split(r"[\s,;:/#]+", text) if len(normalize_number(t)) >= 4
    }
    if not tokens:
        return None
    stmt = select(InvoiceRow).where(
        InvoiceRow.seller_org_id == payee_id,
        InvoiceRow.kind == DocKind.INVOICE,
        InvoiceRow.number_norm.in_(tokens),
        InvoiceRow.currency == amount.currency,
    )
    if payer_id:
        stmt = stmt.where(InvoiceRow.buyer_org_id == payer_id)
    candidates = list(uow.session.scalars(stmt))
    if not candidates:
        return None
    exact = [c for c in candidates if c.payable_minor == amount.minor]
    return (exact or sorted(candidates, key=lambda c: abs(c.payable_minor - amount.minor)))[0]


def record_statement(
    uow: UnitOfWork, entries: Sequence[Any], *, source_name: str = "", commit: bool = True
) -> list[dict[str, Any]]:
    """Record the credit entries of a camt statement as payments to the acting organization."""
    if uow.actor.org_id is None:
        raise PermissionDenied("a statement is imported by the account holder's organization")
    out = []
    for e in entries:
        if not e.credit or (e.status and e.status not in ("BOOK", "BOOKED")):
            continue
        if e.currency not in CURRENCY_EXPONENTS:
            raise InvalidInput(
                f"{source_name}: unknown currency {e.currency!r}",
                field="Ccy",
                code="unknown_currency",
            )
        ref = (e.entry_ref or e.end_to_end_id or f"{e.statement_id}:{e.amount}:{e.booking_date}")[
            :140
        ]
        if uow.session.scalar(
            select(PaymentRow.id).where(
                PaymentRow.payee_org_id == uow.actor.org_id, PaymentRow.reference == ref
            )
        ):
            continue
        out.append(
            _store_payment(
                uow,
                uow.actor.org_id,
                None,
                Money.of(e.amount, e.currency, field="Amt"),
                e.value_date or e.booking_date or uow.today(),
                ref,
                " ".join(e.remittance),
                None,
                "camt",
            )
        )
    if commit:
        uow.commit()
    return out


# ---------------------------------------------------------------- confirmation


def _rcv(uow: UnitOfWork, receivable_id: str) -> ReceivableRow:
    row = uow.session.get(ReceivableRow, receivable_id)
    if row is None:
        raise NotFound(f"receivable {receivable_id} not found", code="receivable_not_found")
    return row


def _confirm(uow: UnitOfWork, row: ReceivableRow, amount_minor: int) -> None:
    before = _snapshot(row)
    row.confirmed_minor = amount_minor
    row.confirmed_at = uow.now()
    uow.flush()
    uow.audit(
        "receivable.confirmed",
        "trade_receivable",
        row.id,
        before=before,
        after=_snapshot(row),
        org_id=row.debtor_org_id,
    )


def confirm_receivables(
    uow: UnitOfWork, items: Sequence[tuple[str, Money | None]], *, commit: bool = True
) -> list[ReceivableInfo]:
    """The debtor confirms receivables in full (amount None) or in part; all or none."""
    parties.require_role(uow.actor, *ENTERPRISE)
    errors = ErrorCollector()
    staged = []
    for i, (rid, amount) in enumerate(items, start=1):
        row = uow.session.get(ReceivableRow, rid)
        if row is None or (not uow.actor.is_system and row.debtor_org_id != uow.actor.org_id):
            if row is not None and uow.actor.org_id == row.seller_org_id:
                errors.add("receivable_id", "only the debtor confirms a receivable", i)
            else:
                errors.add("receivable_id", f"receivable {rid} not found", i)
            continue
        open_minor = row.face_minor - row.credited_minor
        want = open_minor if amount is None else amount.minor
        if amount is not None and amount.currency != row.currency:
            errors.add("amount", f"the receivable is in {row.currency}", i)
        elif want <= 0:
            errors.add("amount", "must be greater than zero", i)
        elif want > open_minor:
            errors.add("amount", f"exceeds the open amount {Money(open_minor, row.currency)}", i)
        elif want < row.used_minor:
            errors.add(
                "amount", f"is below the {Money(row.used_minor, row.currency)} already used", i
            )
        elif row.disputed:
            errors.add("receivable_id", "the receivable is disputed; withdraw the dispute first", i)
        else:
            staged.append((row, want))
    errors.raise_if_any("the confirmations were refused")
    for row, want in staged:
        _confirm(uow, row, want)
    out = [_info(uow, row) for row, _ in staged]
    if commit:
        uow.commit()
    return out


def confirm_receivable(
    uow: UnitOfWork, receivable_id: str, amount: Money | None = None
) -> ReceivableInfo:
    return confirm_receivables(uow, [(receivable_id, amount)])[0]


def dispute_receivable(uow: UnitOfWork, receivable_id: str, reason: str) -> ReceivableInfo:
    """The debtor disputes a receivable; nothing more of it may be used."""
    row = _rcv(uow, receivable_id)
    if not uow.actor.is_system and row.debtor_org_id != uow.actor.org_id:
        raise NotFound(f"receivable {receivable_id} not found", code="receivable_not_found")
    if not reason.strip():
        raise InvalidInput("say why the receivable is disputed", field="reason")
    before = _snapshot(row)
    row.disputed = True
    uow.flush()
    uow.audit(
        "receivable.disputed",
        "trade_receivable",
        row.id,
        before=before,
        after={**_snapshot(row), "reason": reason},
        org_id=row.debtor_org_id,
    )
    uow.commit()
    return _info(uow, row)


# ---------------------------------------------------------------- for other rooms


def _info(uow: UnitOfWork, row: ReceivableRow) -> ReceivableInfo:
    fp = uow.session.scalar(select(InvoiceRow.fingerprint).where(InvoiceRow.id == row.invoice_id))
    cur = row.currency
    return ReceivableInfo(
        id=row.id,
        seller_org_id=row.seller_org_id,
        debtor_org_id=row.debtor_org_id,
        amount=Money(row.face_minor - row.credited_minor, cur),
        confirmed=Money(row.confirmed_minor, cur),
        used=Money(row.used_minor, cur),
        due_date=row.due_date,
        status=_status(row),
        invoice_ids=(row.invoice_id,),
        fingerprints=(fp,) if fp else (),
        paid=Money(row.paid_minor, cur),
    )


def receivable_info(uow: UnitOfWork, receivable_id: str) -> ReceivableInfo:
    """Return a receivable for another room's rules (no access check)."""
    return _info(uow, _rcv(uow, receivable_id))


def use_receivable(
    uow: UnitOfWork, receivable_id: str, amount: Money, *, purpose: str, reference: str
) -> ReceivableInfo:
    """Consume confirmed, unused amount for a certificate or financing (joins the caller's unit)."""
    row = _rcv(uow, receivable_id)
    if amount.currency != row.currency:
        raise InvalidInput(
            f"the receivable is in {row.currency}", field="amount", code="currency_mismatch"
        )
    if not amount.is_positive():
        raise InvalidInput("must be greater than zero", field="amount")
    if row.disputed:
        raise Conflict(f"receivable {row.id} is disputed by the debtor", code="receivable_disputed")
    unused = row.confirmed_minor - row.used_minor
    if amount.minor > unused:
        raise Conflict(
            f"receivable {row.id} has {Money(unused, row.currency)} confirmed and unused; "
            f"{amount} was asked",
            code="receivable_exhausted",
            details={"unused_confirmed": Money(unused, row.currency).as_json()},
        )
    before = _snapshot(row)
    row.used_minor += amount.minor
    if purpose in FINANCING_PURPOSES:
        row.financed = True
    uow.session.add(
        ReceivableUseRow(
            id=new_id("use"),
            receivable_id=row.id,
            amount_minor=amount.minor,
            released_minor=0,
            purpose=purpose,
            reference=reference,
            at=uow.now(),
        )
    )
    uow.flush()
    uow.audit(
        "receivable.used",
        "trade_receivable",
        row.id,
        before=before,
        after={**_snapshot(row), "purpose": purpose, "reference": reference},
    )
    return _info(uow, row)


FINANCING_PURPOSES = ("financing", "factoring", "reverse_factoring", "pledge")


def _consume_statement(by_id: bool, financing: bool) -> Any:
    """The guarded UPDATE of `consume_receivable`, built once per shape and then reused."""
    key = (by_id, financing)
    if key not in _CONSUME:
        r = _table(ReceivableRow).c
        guard = (
            (r.seller_org_id == bindparam("creditor"))
            & (r.debtor_org_id == bindparam("debtor"))
            & (r.currency == bindparam("cur"))
            & r.disputed.is_(False)
            & (r.confirmed_minor - r.used_minor >= bindparam("amount"))
        )
        target = (
            r.id == bindparam("rid")
            if by_id
            else r.id
            == select(r.id).where(guard).order_by(r.due_date, r.id).limit(1).scalar_subquery()
        )
        values: dict[str, Any] = {
            "used_minor": r.used_minor + bindparam("amount"),
            "version": r.version + 1,
        }
        if financing:
            values["financed"] = True
        _CONSUME[key] = (
            _table(ReceivableRow)
            .update()
            .where(target & guard)
            .values(values)
            .returning(
                r.id,
                r.face_minor,
                r.credited_minor,
                r.confirmed_minor,
                r.used_minor,
                r.paid_minor,
                r.disputed,
                r.financed,
            )
        )
    return _CONSUME[key]


_CONSUME: dict[tuple[bool, bool], Any] = {}
_INSERT_USE = insert(_table(ReceivableUseRow))
_INSERT_AUDIT = insert(_table(AuditEntry))


def consume_receivable(
    uow: UnitOfWork,
    *,
    creditor_org_id: str,
    debtor_org_id: str,
    amount: Money,
    purpose: str,
    reference: str,
    receivable_id: str | None = None,
    audit_into: list[dict[str, Any]] | None = None,
) -> str | None:
    """Consume `amount` of a confirmed, undisputed receivable the debtor owes the creditor.

    One guarded UPDATE (unused >= amount in its WHERE) checks and uses at once, so two
    concurrent uses can never both pass; without `receivable_id` the earliest-due receivable
    that covers the amount is taken. Returns the receivable's id, or None when none
    qualifies: the caller then asks `receivable_info`/`use_receivable` for the precise
    reason. Joins the caller's unit of work. Audit rows go to `audit_into` when given (the
    caller inserts them with its own), else straight to the audit log.
    """
    if not amount.is_positive():
        raise InvalidInput("must be greater than zero", field="amount")
    financing = purpose in FINANCING_PURPOSES
    conn = uow.session.connection()
    params = {
        "creditor": creditor_org_id,
        "debtor": debtor_org_id,
        "cur": amount.currency,
        "amount": amount.minor,
    }
    if receivable_id is not None:
        params["rid"] = receivable_id
    got = conn.execute(_consume_statement(receivable_id is not None, financing), params).first()
    if got is None:
        return None
    now = uow.now()
    conn.execute(
        _INSERT_USE,
        [
            {
                "id": new_id("use"),
                "receivable_id": got.id,
                "amount_minor": amount.minor,
                "released_minor": 0,
                "purpose": purpose,
                "reference": reference,
                "at": now,
            }
        ],
    )
    after = {
        "face_minor": got.face_minor,
        "credited_minor": got.credited_minor,
        "confirmed_minor": got.confirmed_minor,
        "used_minor": got.used_minor,
        "paid_minor": got.paid_minor,
        "disputed": got.disputed,
    }
    # RETURNING gives only the new row; a financing use may just have set `financed`.
    before = {**after, "used_minor": got.used_minor - amount.minor}
    before["status"] = _status(SimpleNamespace(**before, financed=got.financed))  # type: ignore[arg-type]
    after["status"] = _status(SimpleNamespace(**after, financed=got.financed))  # type: ignore[arg-type]
    entry = {
        "at": now,
        "user_id": uow.actor.user_id,
        "org_id": uow.actor.org_id,
        "action": "receivable.used",
        "aggregate_type": "trade_receivable",
        "aggregate_id": got.id,
        "before": before,
        "after": {**after, "purpose": purpose, "reference": reference},
        "request_id": request_id_var.get(),
    }
    if audit_into is not None:
        audit_into.append(entry)
    else:
        conn.execute(_INSERT_AUDIT, [entry])
    return str(got.id)


def release_receivable(
    uow: UnitOfWork, receivable_id: str, amount: Money, *, reference: str
) -> ReceivableInfo:
    """Give back (part of) a use made under a reference."""
    row = _rcv(uow, receivable_id)
    uses = list(
        uow.session.scalars(
            select(ReceivableUseRow).where(
                ReceivableUseRow.receivable_id == row.id, ReceivableUseRow.reference == reference
            )
        )
    )
    open_minor = sum(u.amount_minor - u.released_minor for u in uses)
    if amount.currency != row.currency or not amount.is_positive() or amount.minor > open_minor:
        raise InvalidInput(
            f"under {reference!r} only {Money(open_minor, row.currency)} is in use", field="amount"
        )
    before = _snapshot(row)
    left = amount.minor
    for u in uses:
        take = min(left, u.amount_minor - u.released_minor)
        u.released_minor += take
        left -= take
    row.used_minor -= amount.minor
    if row.used_minor == 0:
        row.financed = False
    uow.flush()
    uow.audit(
        "receivable.released",
        "trade_receivable",
        row.id,
        before=before,
        after={**_snapshot(row), "reference": reference},
    )
    return _info(uow, row)


def receivables_between(
    uow: UnitOfWork, creditor_org_id: str, debtor_org_id: str, *, with_unused_confirmed: bool = True
) -> list[ReceivableInfo]:
    stmt = select(ReceivableRow).where(
        ReceivableRow.seller_org_id == creditor_org_id,
        ReceivableRow.debtor_org_id == debtor_org_id,
        ReceivableRow.disputed.is_(False),
    )
    if with_unused_confirmed:
        stmt = stmt.where(ReceivableRow.confirmed_minor > ReceivableRow.used_minor)
    return [
        _info(uow, r)
        for r in uow.session.scalars(stmt.order_by(ReceivableRow.due_date, ReceivableRow.id))
    ]


# ---------------------------------------------------------------- reads with access control


def get_receivable(uow: UnitOfWork, receivable_id: str) -> ReceivableInfo:
    row = _rcv(uow, receivable_id)
    parties.authorize_read(
        uow,
        [row.seller_org_id, row.debtor_org_id],
        ConsentScope.TRADE,
        f"receivable/{receivable_id}",
    )
    return _info(uow, row)


def list_receivables(
    uow: UnitOfWork, org_id: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[ReceivableInfo], int]:
    """Receivables where the organization is seller or debtor (own, by consent, or all for the platform)."""  # noqa: E501
    actor = uow.actor
    stmt = select(ReceivableRow)
    subject = org_id or actor.org_id
    if org_id is not None:
        parties.authorize_read(
            uow, org_id, ConsentScope.TRADE, f"organization/{org_id}/receivables"
        )
    if subject is not None and not (org_id is None and (actor.is_regulator or actor.is_operator)):
        stmt = stmt.where(
            or_(ReceivableRow.seller_org_id == subject, ReceivableRow.debtor_org_id == subject)
        )
    total = uow.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = uow.session.scalars(stmt.order_by(ReceivableRow.id).limit(limit).offset(offset))
    return [_info(uow, r) for r in rows], total


def get_invoice(uow: UnitOfWork, invoice_id: str) -> dict[str, Any]:
    inv = uow.session.get(InvoiceRow, invoice_id)
    if inv is None:
        raise NotFound(f"invoice {invoice_id} not found", code="invoice_not_found")
    parties.authorize_read(
        uow, [inv.seller_org_id, inv.buyer_org_id], ConsentScope.TRADE, f"invoice/{invoice_id}"
    )
    lines = uow.session.scalars(
        select(InvoiceLineRow)
        .where(InvoiceLineRow.invoice_id == inv.id)
        .order_by(InvoiceLineRow.line_no)
    )
    cur = inv.currency
    return {
        "id": inv.id,
        "kind": inv.kind,
        "number": inv.number,
        "invoice_code": inv.invoice_code,
        "seller_org_id": inv.seller_org_id,
        "buyer_org_id": inv.buyer_org_id,
        "seller_uscc": inv.seller_uscc,
        "buyer_uscc": inv.buyer_uscc,
        "issue_date": inv.issue_date.isoformat(),
        "due_date": inv.due_date.isoformat(),
        "amount_without_tax": Money(inv.net_minor, cur).as_json(),
        "tax": Money(inv.tax_minor, cur).as_json(),
        "total": Money(inv.total_minor, cur).as_json(),
        "payable": Money(inv.payable_minor, cur).as_json(),
        "order_number": inv.order_number,
        "credited_invoice_id": inv.credited_invoice_id,
        "payee": {"name": inv.payee_name, "id": inv.payee_id}
        if inv.payee_name or inv.payee_id
        else None,
        "source": inv.source,
        "fingerprint": inv.fingerprint,
        "lines": [
            {
                "line_no": ln.line_no,
                "item": ln.item,
                "quantity": str(ln.quantity),
                "unit_price": str(ln.unit_price),
                "order_line_no": ln.order_line_no,
            }
            for ln in lines
        ],
    }


# ---------------------------------------------------------------- matching


def _tol() -> Tolerances:
    return trade_settings().tolerances()


def match_invoice(uow: UnitOfWork, invoice_id: str, tol: Tolerances | None = None) -> MatchResult:
    """Three- and four-way match of an invoice to its order lines, deliveries, receipts, payments."""  # noqa: E501
    tol = tol or _tol()
    inv = uow.session.get(InvoiceRow, invoice_id)
    if inv is None:
        raise NotFound(f"invoice {invoice_id} not found", code="invoice_not_found")
    issues, lines, _ = _match(uow, inv, tol)
    status = "no_order" if inv.order_id is None else ("matched" if not issues else "exceptions")
    return MatchResult(status, tuple(issues), tuple(lines))


def _match(
    uow: UnitOfWork, inv: InvoiceRow, tol: Tolerances
) -> tuple[list[Reason], list[dict[str, Any]], dict[str, Any]]:
    s = uow.session
    if inv.order_id is None:
        return [], [], {"order": None, "deliveries": 0, "receipts": 0}
    order = s.get(TradeOrderRow, inv.order_id)
    assert order is not None
    order_lines = [
        OrderLine(r.line_no, r.item, Decimal(r.quantity), Decimal(r.unit_price))
        for r in s.scalars(select(TradeOrderLineRow).where(TradeOrderLineRow.order_id == order.id))
    ]
    shipments = list(s.scalars(select(ShipmentRow).where(ShipmentRow.order_id == order.id)))
    ship_kind = {sh.id: sh.kind for sh in shipments}
    delivered: dict[int, Decimal] = defaultdict(Decimal)
    received: dict[int, Decimal] = defaultdict(Decimal)
    if shipments:
        for sl in s.scalars(
            select(ShipmentLineRow).where(ShipmentLineRow.shipment_id.in_(list(ship_kind)))
        ):
            target = delivered if ship_kind[sl.shipment_id] == DocKind.DELIVERY else received
            target[sl.order_line_no] += Decimal(sl.quantity)
    before: dict[int, Decimal] = defaultdict(Decimal)
    others = [
        i.id
        for i in s.scalars(
            select(InvoiceRow).where(
                InvoiceRow.order_id == order.id,
                InvoiceRow.kind == DocKind.INVOICE,
                InvoiceRow.id < inv.id,
            )
        )
    ]
    if others:
        for il in s.scalars(select(InvoiceLineRow).where(InvoiceLineRow.invoice_id.in_(others))):
            if il.order_line_no is not None:
                before[il.order_line_no] += Decimal(il.quantity)
    inv_lines = [
        InvLine(r.line_no, r.item, Decimal(r.quantity), Decimal(r.unit_price), r.order_line_no)
        for r in s.scalars(
            select(InvoiceLineRow)
            .where(InvoiceLineRow.invoice_id == inv.id)
            .order_by(InvoiceLineRow.line_no)
        )
    ]
    paid = (
        s.scalar(
            select(func.coalesce(func.sum(PaymentRow.amount_minor), 0)).where(
                PaymentRow.invoice_id == inv.id
            )
        )
        or 0
    )
    return _judge_match(
        inv,
        order,
        order_lines,
        [(sh.kind, sh.on_date) for sh in shipments],
        delivered,
        received,
        before,
        inv_lines,
        int(paid),
        tol,
    )


def _judge_match(
    inv: Any,
    order: Any,
    order_lines: list[OrderLine],
    shipments: list[tuple[str, date]],
    delivered: dict[int, Decimal],
    received: dict[int, Decimal],
    before: dict[int, Decimal],
    inv_lines: list[InvLine],
    paid: int,
    tol: Tolerances,
) -> tuple[list[Reason], list[dict[str, Any]], dict[str, Any]]:
    """The rules of a match, on rows already read (one invoice, or many in `match_invoices`)."""
    facts: dict[str, Any] = {
        "order": order.number,
        "deliveries": sum(1 for k, _ in shipments if k == DocKind.DELIVERY),
        "receipts": sum(1 for k, _ in shipments if k == DocKind.RECEIPT),
    }
    ol_by_item = {item_key(o.item): o.line_no for o in order_lines}
    inv_lines = [
        InvLine(
            il.line_no,
            il.item,
            il.quantity,
            il.unit_price,
            il.order_line_no or ol_by_item.get(item_key(il.item)),
        )
        for il in inv_lines
    ]
    issues, report = match_lines(
        inv_lines, order_lines, dict(delivered) or {}, dict(received) or {}, dict(before), tol
    )
    if not inv_lines:
        exp = CURRENCY_EXPONENTS[inv.currency]
        order_net = Decimal(order.total_minor).scaleb(-exp)
        if Decimal(inv.net_minor).scaleb(-exp) > order_net * (1 + tol.price_pct):
            issues.append(
                Reason(
                    "AMOUNT_MISMATCH",
                    f"The invoice bills {Money(inv.net_minor, inv.currency)} before tax against an order of {Money(order.total_minor, order.currency)}.",  # noqa: E501
                    {
                        "invoice_net": Money(inv.net_minor, inv.currency).amount_str(),
                        "order_total": Money(order.total_minor, order.currency).amount_str(),
                    },
                )
            )
    issues += check_dates(
        order.issue_date,
        [d for k, d in shipments if k == DocKind.DELIVERY],
        [d for k, d in shipments if k == DocKind.RECEIPT],
        inv.issue_date,
        inv.due_date,
        tol,
    )
    facts["paid"] = Money(paid, inv.currency).amount_str()
    if paid > inv.payable_minor:
        issues.append(
            Reason(
                "AMOUNT_MISMATCH",
                f"Payments of {Money(paid, inv.currency)} exceed the amount due {Money(inv.payable_minor, inv.currency)}.",  # noqa: E501
                {
                    "paid": facts["paid"],
                    "payable": Money(inv.payable_minor, inv.currency).amount_str(),
                },
            )
        )
    return issues, report, facts


def match_invoices(
    uow: UnitOfWork,
    invoice_ids: Sequence[str],
    tol: Tolerances | None = None,
    *,
    chunk: int = 5000,
) -> dict[str, MatchResult]:
    """Match many invoices at once, with the rules and tolerances of `match_invoice`.

    Set-based: each chunk of invoices costs seven reads in all (invoices, orders, order
    lines, shipments with their lines, lines invoiced on those orders, own lines, payments)
    instead of seven per invoice; the judging is the same function `match_invoice` uses.
    """
    tol = tol or _tol()
    conn = uow.session.connection()
    i, il = _table(InvoiceRow).c, _table(InvoiceLineRow).c
    o, ol = _table(TradeOrderRow).c, _table(TradeOrderLineRow).c
    sh, sl = _table(ShipmentRow).c, _table(ShipmentLineRow).c
    pay = _table(PaymentRow).c
    out: dict[str, MatchResult] = {}
    r: Any
    ids = list(dict.fromkeys(invoice_ids))
    for k in range(0, len(ids), chunk):
        part = ids[k : k + chunk]
        invs = {
            r.id: r
            for r in conn.execute(
                select(
                    i.id,
                    i.order_id,
                    i.currency,
                    i.net_minor,
                    i.payable_minor,
                    i.issue_date,
                    i.due_date,
                ).where(i.id.in_(part))
            )
        }
        for inv_id in part:
            if inv_id not in invs:
                raise NotFound(f"invoice {inv_id} not found", code="invoice_not_found")
        oids = sorted({r.order_id for r in invs.values() if r.order_id is not None})
        orders: dict[str, Any] = {}
        o_lines: dict[str, list[OrderLine]] = defaultdict(list)
        ships: dict[str, list[tuple[str, date]]] = defaultdict(list)
        dlv: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        rcv: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        billed: dict[str, list[tuple[str, int, Decimal]]] = defaultdict(list)
        for m in range(0, len(oids), 1000):
            few = oids[m : m + 1000]
            for r in conn.execute(
                select(o.id, o.number, o.total_minor, o.currency, o.issue_date).where(o.id.in_(few))
            ):
                orders[r.id] = r
            for r in conn.execute(
                select(ol.order_id, ol.line_no, ol.item, ol.quantity, ol.unit_price).where(
                    ol.order_id.in_(few)
                )
            ):
                o_lines[r.order_id].append(
                    OrderLine(r.line_no, r.item, Decimal(r.quantity), Decimal(r.unit_price))
                )
            for r in conn.execute(
                select(sh.order_id, sh.kind, sh.on_date).where(sh.order_id.in_(few))
            ):
                ships[r.order_id].append((r.kind, r.on_date))
            for r in conn.execute(
                select(sh.order_id, sh.kind, sl.order_line_no, sl.quantity)
                .join_from(_table(ShipmentLineRow), _table(ShipmentRow), sh.id == sl.shipment_id)
                .where(sh.order_id.in_(few))
            ):
                target = dlv if r.kind == DocKind.DELIVERY else rcv
                target[r.order_id][r.order_line_no] += Decimal(r.quantity)
            for r in conn.execute(
                select(i.order_id, i.id, il.order_line_no, il.quantity)
                .join_from(_table(InvoiceLineRow), _table(InvoiceRow), i.id == il.invoice_id)
                .where(
                    i.order_id.in_(few),
                    i.kind == DocKind.INVOICE,
                    il.order_line_no.is_not(None),
                )
            ):
                billed[r.order_id].append((r.id, r.order_line_no, Decimal(r.quantity)))
        own: dict[str, list[InvLine]] = defaultdict(list)
        for r in conn.execute(
            select(il.invoice_id, il.line_no, il.item, il.quantity, il.unit_price, il.order_line_no)
            .where(il.invoice_id.in_(part))
            .order_by(il.invoice_id, il.line_no)
        ):
            own[r.invoice_id].append(
                InvLine(
                    r.line_no, r.item, Decimal(r.quantity), Decimal(r.unit_price), r.order_line_no
                )
            )
        paid = {
            r.invoice_id: int(r.total)
            for r in conn.execute(
                select(pay.invoice_id, func.sum(pay.amount_minor).label("total"))
                .where(pay.invoice_id.in_(part))
                .group_by(pay.invoice_id)
            )
        }
        for inv_id in part:
            inv = invs[inv_id]
            if inv.order_id is None:
                out[inv_id] = MatchResult("no_order", (), ())
                continue
            before: dict[int, Decimal] = defaultdict(Decimal)
            for other, line_no, qty in billed[inv.order_id]:
                if other < inv_id:
                    before[line_no] += qty
            issues, lines, _ = _judge_match(
                inv,
                orders[inv.order_id],
                o_lines[inv.order_id],
                ships[inv.order_id],
                dlv[inv.order_id],
                rcv[inv.order_id],
                before,
                own[inv_id],
                paid.get(inv_id, 0),
                tol,
            )
            out[inv_id] = MatchResult(
                "matched" if not issues else "exceptions", tuple(issues), tuple(lines)
            )
    return out


# ---------------------------------------------------------------- authenticity


def assess_authenticity(
    uow: UnitOfWork, receivable_id: str, *, for_org_id: str | None = None
) -> Assessment:
    """Score the trade background of a receivable 0..100 with reasons and their evidence."""
    settings = trade_settings()
    tol = settings.tolerances()
    s = uow.session
    row = _rcv(uow, receivable_id)
    inv = s.get(InvoiceRow, row.invoice_id)
    assert inv is not None
    reasons: list[Reason] = []
    issues, _report, facts = _match(uow, inv, tol)
    if inv.order_id is None:
        reasons.append(
            Reason(
                "NO_ORDER",
                "No contract or purchase order backs the invoice.",
                {"invoice": inv.number},
            )
        )
    else:
        if facts["deliveries"] == 0:
            reasons.append(
                Reason(
                    "NO_DELIVERY",
                    f"No delivery note or waybill is on file for order {facts['order']}.",
                    {"order": facts["order"]},
                )
            )
        if facts["receipts"] == 0:
            reasons.append(
                Reason(
                    "NO_RECEIPT",
                    f"The buyer filed no goods receipt for order {facts['order']}.",
                    {"order": facts["order"]},
                )
            )
    seen_codes: set[str] = set()
    for issue in issues:
        if issue.code not in seen_codes:
            extra = sum(1 for i in issues if i.code == issue.code) - 1
            reasons.append(
                Reason(
                    issue.code,
                    issue.message + (f" ({extra} more like it)" if extra else ""),
                    issue.evidence,
                )
            )
            seen_codes.add(issue.code)
    if inv.order_id is None:
        reasons += [
            r
            for r in check_dates(None, [], [], inv.issue_date, inv.due_date, tol)
            if r.code not in seen_codes
        ]
    status = check_fingerprint(uow, inv.fingerprint, _log=False)
    marks = list(
        s.execute(
            select(FingerprintMarkRow.org_id, FingerprintMarkRow.state).where(
                FingerprintMarkRow.fingerprint == inv.fingerprint
            )
        )
    )
    insts = {
        m.org_id for m in marks if m.org_id not in (inv.seller_org_id, inv.buyer_org_id, for_org_id)
    }
    encumbered = [
        m for m in marks if m.state in ("registered", "financed") and m.org_id != for_org_id
    ]
    if insts or (encumbered and not row.used_minor):
        reasons.append(
            Reason(
                "DUPLICATE_INVOICE",
                "The same invoice (seller, buyer, number, date, total) was already submitted, registered or financed at another institution.",  # noqa: E501
                {
                    "fingerprint": inv.fingerprint,
                    "registered": status.registered,
                    "financed": status.financed,
                    "institutions": len(insts),
                },
            )
        )
    near = []
    window = timedelta(days=tol.near_duplicate_days)
    total = Money(inv.total_minor, inv.currency)
    for other in s.scalars(
        select(InvoiceRow).where(
            InvoiceRow.seller_org_id == inv.seller_org_id,
            InvoiceRow.buyer_org_id == inv.buyer_org_id,
            InvoiceRow.kind == DocKind.INVOICE,
            InvoiceRow.id != inv.id,
            InvoiceRow.issue_date.between(inv.issue_date - window, inv.issue_date + window),
        )
    ):
        same_items = other.order_id == inv.order_id or number_stem(other.number) == number_stem(
            inv.number
        )
        if (
            near_duplicate(
                total,
                Money(other.total_minor, other.currency),
                inv.issue_date,
                other.issue_date,
                tol,
            )
            and same_items
        ):
            near.append(other)
    if near:
        reasons.append(
            Reason(
                "NEAR_DUPLICATE_INVOICE",
                f"{len(near)} other invoice(s) between the same parties have a total within 1% and a date within {tol.near_duplicate_days} days: "  # noqa: E501
                + ", ".join(f"{o.number} of {o.issue_date}" for o in near[:5])
                + ".",
                {
                    "invoices": [
                        {
                            "id": o.id,
                            "number": o.number,
                            "issue_date": o.issue_date.isoformat(),
                            "total": Money(o.total_minor, o.currency).amount_str(),
                        }
                        for o in near[:5]
                    ]
                },
            )
        )
    if row.credited_minor > 0:
        reasons.append(
            Reason(
                "INVOICE_CREDITED",
                f"Credit notes reduced the receivable by {Money(row.credited_minor, row.currency)}.",  # noqa: E501
                {
                    "credited": Money(row.credited_minor, row.currency).amount_str(),
                    "face": Money(row.face_minor, row.currency).amount_str(),
                },
            )
        )
    open_minor = row.face_minor - row.credited_minor
    if row.confirmed_minor < open_minor:
        reasons.append(
            Reason(
                "DEBTOR_NOT_CONFIRMED",
                "The debtor has not confirmed the receivable"
                + (
                    f" beyond {Money(row.confirmed_minor, row.currency)}"
                    if row.confirmed_minor
                    else ""
                )
                + f" of {Money(open_minor, row.currency)}.",
                {
                    "confirmed": Money(row.confirmed_minor, row.currency).amount_str(),
                    "amount": Money(open_minor, row.currency).amount_str(),
                },
            )
        )
    links = parties.related_links(uow, row.seller_org_id, row.debtor_org_id)
    if links:
        reasons.append(
            Reason(
                "RELATED_PARTIES",
                "Seller and debtor are related parties: "
                + "; ".join(
                    f"{link.reason}" + (f" via {link.via}" if link.via else "") for link in links
                )
                + ".",
                {"links": [{"reason": link.reason, "via": link.via} for link in links]},
            )
        )
    history: dict[str, list[Decimal]] = defaultdict(list)
    hist_rows = s.execute(
        select(InvoiceLineRow.item, InvoiceLineRow.unit_price)
        .join(InvoiceRow, InvoiceRow.id == InvoiceLineRow.invoice_id)
        .where(
            InvoiceRow.seller_org_id == inv.seller_org_id,
            InvoiceRow.buyer_org_id == inv.buyer_org_id,
            InvoiceRow.kind == DocKind.INVOICE,
            InvoiceRow.id != inv.id,
        )
        .limit(5000)
    )
    for item, price in hist_rows:
        history[item_key(item)].append(Decimal(price))
    own_lines = [
        (r.item, Decimal(r.unit_price))
        for r in s.scalars(select(InvoiceLineRow).where(InvoiceLineRow.invoice_id == inv.id))
    ]
    outliers = price_outliers(own_lines, history, tol)
    if outliers:
        reasons.append(
            outliers[0]
            if len(outliers) == 1
            else Reason(
                "PRICE_OUTLIER",
                " ".join(o.message for o in outliers),
                {"lines": [o.evidence for o in outliers]},
            )
        )
    seller = parties.find_organization(uow, row.seller_org_id)
    age = (inv.issue_date - seller.founded_on).days
    if age < tol.seller_min_age_days:
        reasons.append(
            Reason(
                "SELLER_TOO_NEW",
                f"The seller was founded on {seller.founded_on}, {age} days before the invoice.",
                {
                    "founded_on": seller.founded_on.isoformat(),
                    "age_days": age,
                    "minimum_days": tol.seller_min_age_days,
                },
            )
        )
    value = score(reasons, settings.merged_weights())
    return Assessment(row.id, value, tuple(reasons), explain(value, reasons))


def assess_receivable(uow: UnitOfWork, receivable_id: str) -> Assessment:
    """Assess for a reader allowed to see the receivable (own, consent, platform)."""
    row = _rcv(uow, receivable_id)
    parties.authorize_read(
        uow,
        [row.seller_org_id, row.debtor_org_id],
        ConsentScope.TRADE,
        f"receivable/{receivable_id}/assessment",
    )
    return assess_authenticity(uow, receivable_id, for_org_id=uow.actor.org_id)


# ---------------------------------------------------------------- fingerprints


def invoice_fingerprint(
    uow_or_secret: UnitOfWork | str,
    seller_uscc: str,
    buyer_uscc: str,
    number: str,
    issue_date: date,
    total: Money,
) -> str:
    """The platform's keyed fingerprint of an invoice (HMAC-SHA256 of the public digest)."""
    secret = uow_or_secret if isinstance(uow_or_secret, str) else _secret(uow_or_secret)
    return keyed_fingerprint(
        secret, invoice_digest(seller_uscc, buyer_uscc, number, issue_date, total)
    )


def _normalize_fp(uow: UnitOfWork, value: str) -> str:
    value = value.strip()
    if value.startswith("sha256:"):
        return keyed_fingerprint(_secret(uow), value.lower())
    if not is_fingerprint(value):
        raise InvalidInput(
            "give a fingerprint (64 hex digits) or a digest 'sha256:<64 hex>'", field="fingerprint"
        )
    return value


_F = _table(FingerprintRow).c
_I = _table(InvoiceRow).c
_M = _table(FingerprintMarkRow).c
# Both lookups go by an index (the fingerprint primary key and the invoices' unique
# fingerprint), in one round trip; the marks are read only for a known fingerprint.
_FP_STATE = select(
    select(_F.state).where(_F.fingerprint == bindparam("fp")).scalar_subquery().label("state"),
    select(_I.id)
    .where(_I.fingerprint == bindparam("fp"))
    .limit(1)
    .scalar_subquery()
    .label("invoice_id"),
)
_FP_MARKS = select(_M.state, _M.org_id).where(_M.fingerprint == bindparam("fp"))


def check_fingerprint(uow: UnitOfWork, fingerprint: str, *, _log: bool = True) -> FingerprintStatus:
    """Answer whether an invoice was submitted, registered or financed anywhere, not where."""
    fp = _normalize_fp(uow, fingerprint)
    conn = uow.session.connection()
    head = conn.execute(_FP_STATE, {"fp": fp}).one()
    on_platform = head.invoice_id is not None
    if head.state is None:
        return FingerprintStatus(fp, known=on_platform, on_platform=on_platform)
    marks = conn.execute(_FP_MARKS, {"fp": fp}).all()
    states = {m.state for m in marks}
    orgs = {m.org_id for m in marks if m.state != FingerprintState.SUBMITTED}
    return FingerprintStatus(
        fp,
        True,
        "submitted" in states or on_platform,
        "registered" in states,
        "financed" in states,
        len(orgs),
        on_platform,
    )


def _mark_many(
    uow: UnitOfWork, fps: list[str], state: str, org_id: str | None, *, new_only: bool = False
) -> None:
    now = uow.now()
    s = uow.session.connection()
    if new_only:
        s.execute(
            insert(_table(FingerprintRow)),
            [
                {"fingerprint": f, "state": state, "first_seen_at": now, "updated_at": now}
                for f in fps
            ],
        )
    if org_id:
        s.execute(
            insert(_table(FingerprintMarkRow)),
            [{"fingerprint": f, "org_id": org_id, "state": state, "at": now} for f in fps],
        )


def mark_fingerprint(uow: UnitOfWork, fingerprint: str, state: str, *, by_org_id: str) -> None:
    """Record that an institution submitted, registered or financed an invoice (no commit)."""
    if state not in STATE_RANK:
        raise InvalidInput("state is submitted, registered or financed", field="state")
    fp = _normalize_fp(uow, fingerprint)
    s = uow.session
    row = s.get(FingerprintRow, fp)
    now = uow.now()
    if row is None:
        row = FingerprintRow(fingerprint=fp, state=state, first_seen_at=now, updated_at=now)
        s.add(row)
    elif STATE_RANK[state] > STATE_RANK.get(row.state, 0):
        row.state = state
        row.updated_at = now
    if (
        s.scalar(
            select(FingerprintMarkRow.id).where(
                FingerprintMarkRow.fingerprint == fp,
                FingerprintMarkRow.org_id == by_org_id,
                FingerprintMarkRow.state == state,
            )
        )
        is None
    ):
        s.add(FingerprintMarkRow(fingerprint=fp, org_id=by_org_id, state=state, at=now))
    uow.flush()
    uow.audit(
        "fingerprint.marked", "trade_fingerprint", fp, after={"state": state}, org_id=by_org_id
    )


def submit_fingerprint(uow: UnitOfWork, fingerprint: str) -> FingerprintStatus:
    """An institution checks an invoice offered to it and records that it was offered."""
    parties.require_role(uow.actor, *INSTITUTIONS)
    if uow.actor.org_id is None:
        raise PermissionDenied("a submission is made by an institution")
    fp = _normalize_fp(uow, fingerprint)
    before = check_fingerprint(uow, fp)
    # Count other institutions only: the invoice's own parties filing it is no duplicate.
    own_parties = {
        org
        for pair in uow.session.execute(
            select(InvoiceRow.seller_org_id, InvoiceRow.buyer_org_id).where(
                InvoiceRow.fingerprint == fp
            )
        )
        for org in pair
    }
    marked_by = set(
        uow.session.scalars(
            select(FingerprintMarkRow.org_id).where(FingerprintMarkRow.fingerprint == fp)
        )
    )
    others = len(marked_by - own_parties - {uow.actor.org_id})
    mark_fingerprint(uow, fp, FingerprintState.SUBMITTED, by_org_id=uow.actor.org_id)
    uow.commit()
    return FingerprintStatus(
        fp,
        before.known,
        before.submitted or others > 0,
        before.registered,
        before.financed,
        int(others),
        before.on_platform,
    )


# ---------------------------------------------------------------- features for risk


def trade_summary(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """Aggregates of an organization's trade that risk scoring can use as features."""
    s = uow.session
    sold = list(
        s.execute(
            select(
                InvoiceRow.issue_date,
                InvoiceRow.currency,
                InvoiceRow.total_minor,
                InvoiceRow.buyer_org_id,
            ).where(InvoiceRow.seller_org_id == org_id, InvoiceRow.kind == DocKind.INVOICE)
        )
    )
    bought = list(
        s.execute(
            select(
                InvoiceRow.issue_date,
                InvoiceRow.currency,
                InvoiceRow.total_minor,
                InvoiceRow.seller_org_id,
            ).where(InvoiceRow.buyer_org_id == org_id, InvoiceRow.kind == DocKind.INVOICE)
        )
    )
    by_month: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for d, cur, minor, _ in sold:
        by_month[d.strftime("%Y-%m")][cur] += minor
    rcv = list(s.scalars(select(ReceivableRow).where(ReceivableRow.seller_org_id == org_id)))
    confirmed = sum(1 for r in rcv if r.confirmed_minor > 0)
    disputed = sum(1 for r in rcv if r.disputed)
    pays = list(
        s.execute(
            select(PaymentRow.value_date, InvoiceRow.issue_date)
            .join(InvoiceRow, InvoiceRow.id == PaymentRow.invoice_id)
            .where(PaymentRow.payee_org_id == org_id)
        )
    )
    days = sorted((v - i).days for v, i in pays)
    credited = (
        s.scalar(
            select(func.count())
            .select_from(InvoiceRow)
            .where(InvoiceRow.seller_org_id == org_id, InvoiceRow.kind == DocKind.CREDIT_NOTE)
        )
        or 0
    )
    return {
        "org_id": org_id,
        "invoices_issued": len(sold),
        "invoices_received": len(bought),
        "sales_by_month": {
            m: {c: Money(v, c).amount_str() for c, v in cur.items()}
            for m, cur in sorted(by_month.items())
        },
        "customers": len({b for *_, b in sold}),
        "suppliers": len({x for *_, x in bought}),
        "top_customer_share": str(_top_share([(b, m) for _, _, m, b in sold])),
        "receivables": len(rcv),
        "confirmation_rate": str(Decimal(confirmed) / len(rcv)) if rcv else "0",
        "dispute_rate": str(Decimal(disputed) / len(rcv)) if rcv else "0",
        "credit_notes": int(credited),
        "payments_matched": len(days),
        "median_days_to_pay": days[len(days) // 2] if days else None,
        "first_invoice": min((d for d, *_ in sold), default=None),
        "last_invoice": max((d for d, *_ in sold), default=None),
    }


def _top_share(pairs: list[tuple[str, int]]) -> Decimal:
    if not pairs:
        return Decimal(0)
    tot: dict[str, int] = defaultdict(int)
    for k, v in pairs:
        tot[k] += v
    whole = sum(tot.values())
    return (
        (Decimal(max(tot.values())) / Decimal(whole)).quantize(Decimal("0.0001"))
        if whole
        else Decimal(0)
    )


def order_info(uow: UnitOfWork, order_id: str) -> dict[str, Any]:
    """Return an order's parties, total and who filed it, for another room's rules (no access
    check); the buyer filing the order itself counts as its confirmation."""
    row = uow.session.get(TradeOrderRow, order_id)
    if row is None:
        raise NotFound(f"order {order_id} not found", code="order_not_found")
    return {
        "id": row.id,
        "kind": row.kind,
        "number": row.number,
        "seller_org_id": row.seller_org_id,
        "buyer_org_id": row.buyer_org_id,
        "issue_date": row.issue_date,
        "total": Money(row.total_minor, row.currency),
        "filed_by_org_id": row.filed_by_org_id,
        "confirmed_by_buyer": row.filed_by_org_id == row.buyer_org_id,
    }


def trade_edges(uow: UnitOfWork) -> Iterable[tuple[str, str, Money, date]]:
    """Each invoice as (seller, buyer, total, issue date): the risk room's trade graph."""
    stmt = select(
        InvoiceRow.seller_org_id,
        InvoiceRow.buyer_org_id,
        InvoiceRow.currency,
        InvoiceRow.total_minor,
        InvoiceRow.issue_date,
    ).where(InvoiceRow.kind == DocKind.INVOICE)
    for seller, buyer, currency, minor, on in uow.session.execute(stmt):
        yield seller, buyer, Money(minor, currency), on


# ---------------------------------------------------------------- risk adapters (read-only)


def _cv(values: Sequence[int]) -> float | None:
    """Coefficient of variation of a list of day counts (None below two values or mean 0)."""
    if len(values) < 2:
        return None
    mean = sum(values) / len(values)
    if mean == 0:
        return None
    var = sum((v - mean) ** 2 for v in values) / len(values)
    return float(var**0.5 / mean)


def trade_features(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """The risk room's `TradeInputs` of a seller, keyed by that record's field names.

    Windows end today (the injected clock): sales in the last 90 days, the 90 before and the
    trailing year; amounts are CNY minor units (other currencies count in shares of number
    only). Three indexed queries (invoices, receivables with their last payment, delivered
    invoices) plus one for first-trade dates with core enterprises; no per-row queries. No
    access check: the risk room checks consent before it asks.
    """
    s = uow.session
    today = uow.today()
    d90, d180, d365 = (today - timedelta(days=n) for n in (90, 180, 365))
    prev_start, prev_end = today - timedelta(days=455), d90
    tol = _tol()
    rows = list(
        s.execute(
            select(
                InvoiceRow.buyer_org_id,
                InvoiceRow.issue_date,
                InvoiceRow.currency,
                InvoiceRow.total_minor,
            ).where(
                InvoiceRow.seller_org_id == org_id,
                InvoiceRow.kind == DocKind.INVOICE,
                InvoiceRow.issue_date > prev_start,
                InvoiceRow.issue_date <= today,
            )
        )
    )
    sales_90 = sales_prev_90 = sales_365 = 0
    by_buyer: dict[str, int] = defaultdict(int)
    by_buyer_prev: dict[str, int] = defaultdict(int)
    year_dates: list[date] = []
    recent: dict[tuple[str, str], list[tuple[date, int]]] = defaultdict(list)
    for buyer, on, ccy, minor in rows:
        cny = minor if ccy == "CNY" else 0
        if on > d365:
            year_dates.append(on)
            sales_365 += cny
            by_buyer[buyer] += cny
        if on > d90:
            sales_90 += cny
        elif on > d180:
            sales_prev_90 += cny
        if prev_start < on <= prev_end:
            by_buyer_prev[buyer] += cny
        if on > d90 - timedelta(days=tol.near_duplicate_days):
            recent[(buyer, ccy)].append((on, minor))
    year_dates.sort()
    gaps = [(year_dates[i + 1] - year_dates[i]).days for i in range(len(year_dates) - 1)]

    def top(d: dict[str, int]) -> float | None:
        whole = sum(d.values())
        return float(max(d.values()) / whole) if whole else None

    # near-duplicates: an invoice of the last 90 days with another to the same buyer whose
    # total is within the tolerance and whose date is within the tolerance's days
    near = 0
    for items in recent.values():
        items.sort()
        for i, (on, minor) in enumerate(items):
            if on <= d90:
                continue
            for j in range(len(items)):
                if j == i:
                    continue
                o_on, o_minor = items[j]
                if abs((o_on - on).days) > tol.near_duplicate_days:
                    continue
                big = max(abs(minor), abs(o_minor), 1)
                if Decimal(abs(minor - o_minor)) / Decimal(big) <= tol.near_duplicate_pct:
                    near += 1
                    break
    # receivables of the trailing year, with the day each was last paid
    last_paid = (
        select(PaymentRow.invoice_id, func.max(PaymentRow.value_date).label("paid_on"))
        .where(PaymentRow.payee_org_id == org_id, PaymentRow.invoice_id.is_not(None))
        .group_by(PaymentRow.invoice_id)
        .subquery()
    )
    rcv = list(
        s.execute(
            select(
                ReceivableRow.currency,
                ReceivableRow.face_minor,
                ReceivableRow.credited_minor,
                ReceivableRow.confirmed_minor,
                ReceivableRow.paid_minor,
                ReceivableRow.disputed,
                ReceivableRow.due_date,
                last_paid.c.paid_on,
            )
            .join(InvoiceRow, InvoiceRow.id == ReceivableRow.invoice_id)
            .outerjoin(last_paid, last_paid.c.invoice_id == ReceivableRow.invoice_id)
            .where(
                ReceivableRow.seller_org_id == org_id,
                InvoiceRow.issue_date > d365,
                InvoiceRow.issue_date <= today,
            )
        )
    )
    owed = confirmed = disputed = 0
    late: list[int] = []
    for ccy, face, credited, conf, paid, disp, due, paid_on in rcv:
        amount = face - credited
        if ccy == "CNY":
            owed += max(amount, 0)
            confirmed += min(conf, max(amount, 0))
        disputed += bool(disp)
        if amount > 0 and paid >= amount and paid_on is not None:
            late.append(max((paid_on - due).days, 0))
        elif amount > 0 and due < today:
            late.append((today - due).days)
    shipped = (
        select(ShipmentRow.id)
        .where(
            ShipmentRow.order_id == InvoiceRow.order_id,
            or_(
                ShipmentRow.kind == DocKind.RECEIPT,
                ShipmentRow.filed_by_org_id == InvoiceRow.buyer_org_id,
            ),
        )
        .exists()
    )
    delivered = s.scalar(
        select(func.count())
        .select_from(InvoiceRow)
        .where(
            InvoiceRow.seller_org_id == org_id,
            InvoiceRow.kind == DocKind.INVOICE,
            InvoiceRow.issue_date > d365,
            InvoiceRow.issue_date <= today,
            InvoiceRow.order_id.is_not(None),
            shipped,
        )
    )
    first_trade: dict[str, date] = {
        buyer: first
        for buyer, first in s.execute(
            select(InvoiceRow.buyer_org_id, func.min(InvoiceRow.issue_date))
            .where(InvoiceRow.seller_org_id == org_id, InvoiceRow.kind == DocKind.INVOICE)
            .group_by(InvoiceRow.buyer_org_id)
        )
    }
    orgs = parties.organizations_by_id(uow, list(first_trade))
    tenure = [
        (today - first_trade[b]).days
        for b, org in orgs.items()
        if Role.CORE_ENTERPRISE.value in org.roles and first_trade[b] <= today
    ]
    n_year = len(year_dates)
    return {
        "sales_90d_minor": sales_90,
        "sales_prev_90d_minor": sales_prev_90,
        "sales_365d_minor": sales_365,
        "confirmed_sales_365d_minor": confirmed,
        "invoices_365d": n_year,
        "invoice_interval_cv": _cv(gaps),
        "top_debtor_share": top(by_buyer),
        "top_debtor_share_prev": top(by_buyer_prev),
        "debtor_count": len(by_buyer),
        "core_tenure_days": max(tenure) if tenure else None,
        "confirmed_share": float(confirmed / owed) if owed else None,
        "delivered_share": float((delivered or 0) / n_year) if n_year else None,
        "dispute_rate": float(disputed / len(rcv)) if rcv else None,
        "debtor_days_late_avg": float(sum(late) / len(late)) if late else None,
        "near_duplicate_invoices_90d": near,
    }


def receivable_claims(uow: UnitOfWork) -> Iterable[tuple[str, str, Money, str]]:
    """Open receivables as (creditor, debtor, outstanding, "receivable"), summed per pair and
    currency: what each seller still stands to collect from each buyer.

    Outstanding is face less credit notes, payments and the part already used (a certificate
    or a financing took that part over, so it is counted there, not twice); disputed
    receivables count too, since a default makes them no less lost. One grouped query.
    """
    outstanding = (
        ReceivableRow.face_minor
        - ReceivableRow.credited_minor
        - ReceivableRow.paid_minor
        - ReceivableRow.used_minor
    )
    stmt = (
        select(
            ReceivableRow.seller_org_id,
            ReceivableRow.debtor_org_id,
            ReceivableRow.currency,
            func.sum(outstanding),
        )
        .where(outstanding > 0, ReceivableRow.seller_org_id != ReceivableRow.debtor_org_id)
        .group_by(ReceivableRow.seller_org_id, ReceivableRow.debtor_org_id, ReceivableRow.currency)
        .order_by(ReceivableRow.seller_org_id, ReceivableRow.debtor_org_id, ReceivableRow.currency)
    )
    for creditor, debtor, currency, minor in uow.session.execute(stmt):
        yield creditor, debtor, Money(int(minor), currency), "receivable"
