"""Intake: orders, shipments, invoices and credit notes, e-invoice files and payments.

Every path takes a batch and lands it whole or not at all: every bad item is collected
with its line number and reason, and nothing is written unless all items pass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select

from scf.core.errors import Conflict, ErrorCollector, InvalidInput
from scf.core.ids import new_id
from scf.core.money import CURRENCY_EXPONENTS, Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.trade.common import (
    ENTERPRISE,
    LOGISTICS,
    InvoiceInput,
    OrderInput,
    PartyResolver,
    ShipmentInput,
    audit_json,
    audit_receivable,
    audit_rows,
    check_items,
    fingerprint_secret,
    parse_money,
    parse_quantity,
    parse_unit_price,
    receivable_snapshot,
    require_party,
    table_of,
)
from scf.trade.fingerprints import mark_many
from scf.trade.model import (
    DocKind,
    FingerprintState,
    check_vat_invoice_number,
    invoice_digest,
    keyed_fingerprint,
    normalize_number,
)
from scf.trade.receivables import record_confirmation
from scf.trade.tables import (
    InvoiceLineRow,
    InvoiceRow,
    ReceivableRow,
    ShipmentLineRow,
    ShipmentRow,
    TradeOrderLineRow,
    TradeOrderRow,
)

# ---------------------------------------------------------------- orders and shipments


def record_orders(
    uow: UnitOfWork, items: Sequence[OrderInput], *, commit: bool = True
) -> list[str]:
    """File contracts or purchase orders; all land or none."""
    parties.require_role(uow.actor, *ENTERPRISE)
    check_items(items, "the orders were refused")
    errors = ErrorCollector()
    resolver = PartyResolver(uow)
    rows: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    now = uow.now()
    seen: set[tuple[str, str, str, str]] = set()
    # One read per batch for the orders already on file and the contracts named.
    on_file = _orders_on_file(
        uow,
        [it.number.strip() for it in items]
        + [it.contract_number for it in items if it.contract_number],
    )
    for i, it in enumerate(items, start=1):
        ln = it.line or i
        n0 = len(errors.errors)
        if it.kind not in (DocKind.CONTRACT, DocKind.PURCHASE_ORDER):
            errors.add("kind", "use contract or purchase_order", ln)
        if not it.number.strip():
            errors.add("number", "an order number is required", ln)
        seller, buyer = _trading_parties(uow, resolver, it, errors, ln)
        if it.currency not in CURRENCY_EXPONENTS:
            errors.add("currency", f"unknown currency {it.currency!r}", ln)
        if it.issue_date > uow.today():
            errors.add("issue_date", "is in the future", ln)
        if not it.lines and it.kind == DocKind.PURCHASE_ORDER:
            errors.add("lines", "a purchase order needs at least one line", ln)
        total = Decimal(0)
        parsed_lines = []
        for j, line in enumerate(it.lines, start=1):
            q = parse_quantity(line.quantity, f"lines[{j}].quantity", errors, ln)
            p = parse_unit_price(line.unit_price, f"lines[{j}].unit_price", errors, ln)
            if not line.item.strip():
                errors.add(f"lines[{j}].item", "an item is required", ln)
            if q is not None and p is not None:
                total += q * p
                parsed_lines.append((line.order_line_no or j, line.item.strip(), q, p))
        if len(errors.errors) > n0 or seller is None or buyer is None:
            continue
        key = (seller.id, buyer.id, it.kind, it.number.strip())
        if key in seen or key in on_file:
            errors.add("number", f"{it.kind} {it.number} is already on file", ln)
            continue
        seen.add(key)
        contract_id = None
        if it.contract_number:
            contract_id = on_file.get((seller.id, buyer.id, DocKind.CONTRACT, it.contract_number))
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
    audit_rows(uow, "order.filed", "trade_order", [(r["id"], r) for r in rows])
    if commit:
        uow.commit()
    return [r["id"] for r in rows]


def _orders_on_file(
    uow: UnitOfWork, numbers: Iterable[str]
) -> dict[tuple[str, str, str, str], str]:
    """Order ids by (seller, buyer, kind, number) for the numbers a batch names."""
    o = table_of(TradeOrderRow).c
    wanted = sorted(set(numbers))
    conn = uow.session.connection()
    found: dict[tuple[str, str, str, str], str] = {}
    for k in range(0, len(wanted), 500):
        for r in conn.execute(
            select(o.id, o.seller_org_id, o.buyer_org_id, o.kind, o.number).where(
                o.number.in_(wanted[k : k + 500])
            )
        ):
            found[(r.seller_org_id, r.buyer_org_id, r.kind, r.number)] = r.id
    return found


def _order_lines_of(uow: UnitOfWork, order_ids: Iterable[str]) -> dict[str, set[int]]:
    """The line numbers of each order, for a batch of shipments."""
    ol = table_of(TradeOrderLineRow).c
    wanted = sorted(set(order_ids))
    conn = uow.session.connection()
    found: dict[str, set[int]] = defaultdict(set)
    for k in range(0, len(wanted), 500):
        for r in conn.execute(
            select(ol.order_id, ol.line_no).where(ol.order_id.in_(wanted[k : k + 500]))
        ):
            found[r.order_id].add(r.line_no)
    return found


def _orders_by_number(uow: UnitOfWork, numbers: Iterable[str]) -> dict[tuple[str, str, str], str]:
    """Order ids by (seller, buyer, number) for a batch, a purchase order before a contract
    of the same number."""
    o = table_of(TradeOrderRow).c
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
    i = table_of(InvoiceRow).c
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
    check_items(items, "the shipments were refused")
    errors = ErrorCollector()
    resolver = PartyResolver(uow)
    rows: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    now = uow.now()
    # One read per batch for the orders named and one for their lines, not two per item.
    orders = _orders_by_number(uow, (it.order_number for it in items if it.order_number))
    order_lines = _order_lines_of(uow, orders.values())
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
        order_id = orders.get((seller.id, buyer.id, it.order_number))
        if order_id is None:
            errors.add("order_number", f"no order {it.order_number} between the parties", ln)
            continue
        if it.on_date > uow.today():
            errors.add("on_date", "is in the future", ln)
        known_lines = order_lines.get(order_id, set())
        if not it.lines:
            errors.add("lines", "at least one line is required", ln)
        parsed = []
        for j, sl in enumerate(it.lines, start=1):
            q = parse_quantity(sl.quantity, f"lines[{j}].quantity", errors, ln)
            if sl.order_line_no not in known_lines:
                errors.add(
                    f"lines[{j}].order_line_no",
                    f"order {it.order_number} has no line {sl.order_line_no}",
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
                "order_id": order_id,
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
    audit_rows(uow, "shipment.filed", "trade_shipment", [(r["id"], r) for r in rows])
    if commit:
        uow.commit()
    return [r["id"] for r in rows]


# ---------------------------------------------------------------- invoices


_PRIOR_INVOICES = select(
    table_of(InvoiceRow).c.fingerprint,
    table_of(InvoiceRow).c.id,
    table_of(InvoiceRow).c.filed_by_org_id,
).where(table_of(InvoiceRow).c.fingerprint.in_(bindparam("fps", expanding=True)))

_Staged = tuple[InvoiceInput, int, Any, Any, dict[str, Any], list[dict[str, Any]]]
"""An item that passed its own checks: input, line, seller, buyer, invoice row, its lines."""


def record_invoices(
    uow: UnitOfWork, items: Sequence[InvoiceInput], *, commit: bool = True
) -> list[str]:
    """File invoices and credit notes; each invoice opens a receivable against the buyer.

    A buyer filing its own payables confirms them in full (the debtor's upload counts as
    confirmation); a buyer filing an invoice the seller already filed confirms that one.
    """
    parties.require_role(uow.actor, *ENTERPRISE)
    check_items(items, "the invoices were refused")
    batch = _InvoiceBatch(uow, items)
    staged = batch.check_items(items)
    keep, to_confirm = batch.against_platform(staged)
    batch.errors.raise_if_any("the invoices were refused")
    inv_rows = [r for *_, r, _ in keep]
    all_lines = [{**lr, "invoice_id": r["id"]} for *_, r, lrs in keep for lr in lrs]
    receivables = _receivable_rows(uow, keep, batch.now)
    _write_invoices(uow, inv_rows, all_lines, receivables)
    for _it, _ln, _seller, _buyer, row, _ in keep:
        if row["kind"] == DocKind.CREDIT_NOTE and row["credited_invoice_id"]:
            _apply_credit(uow, row["credited_invoice_id"], row["payable_minor"], row["id"])
    for prior in to_confirm:
        rcv = uow.session.scalar(select(ReceivableRow).where(ReceivableRow.invoice_id == prior.id))
        if rcv is not None:
            record_confirmation(uow, rcv, rcv.face_minor - rcv.credited_minor)
    uow.flush()
    if commit:
        uow.commit()
    return [r["id"] for r in inv_rows] + [p.id for p in to_confirm]


class _InvoiceBatch:
    """The checks of one batch of invoices, with what it reads once for all of its items."""

    def __init__(self, uow: UnitOfWork, items: Sequence[InvoiceInput]) -> None:
        self.uow = uow
        self.errors = ErrorCollector()
        self.resolver = PartyResolver(uow)
        self.secret = fingerprint_secret(uow)
        self.now = uow.now()
        self.today = uow.today()
        self.fps: dict[str, int] = {}  # fingerprint -> the line it first stands on
        # One read per batch for the orders and credited invoices named, not one per item.
        self.orders = _orders_by_number(uow, (it.order_number for it in items if it.order_number))
        self.credited = _invoices_by_number(
            uow,
            (
                normalize_number(it.credited_number)
                for it in items
                if it.kind == DocKind.CREDIT_NOTE and it.credited_number
            ),
        )

    def check_items(self, items: Sequence[InvoiceInput]) -> list[_Staged]:
        """Check every item on its own; return the rows of those that pass, errors noted."""
        staged = []
        for i, it in enumerate(items, start=1):
            item = self._check(it, it.line or i)
            if item is not None:
                staged.append(item)
        return staged

    def _check(self, it: InvoiceInput, ln: int) -> _Staged | None:
        """Check one item on its own and build its invoice row; None when it fails."""
        errors = self.errors
        n0 = len(errors.errors)
        number = self._kind_and_number(it, ln)
        seller, buyer = _trading_parties(self.uow, self.resolver, it, errors, ln)
        if it.currency not in CURRENCY_EXPONENTS:
            errors.add("currency", f"unknown currency {it.currency!r}", ln)
            return None
        net, tax, total, payable = self._amounts(it, ln)
        due = self._due_date(it, ln)
        line_rows = self._lines(it, ln, net)
        if (
            len(errors.errors) > n0
            or seller is None
            or buyer is None
            or total is None
            or payable is None
            or net is None
            or tax is None
        ):
            return None
        refs = self._references(it, ln, number, seller, buyer, total)
        if refs is None:
            return None
        fp, order_id, credited_id = refs
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
            "filed_by_org_id": self.uow.actor.org_id,
            "document": it.document,
            "created_at": self.now,
        }
        return (it, ln, seller, buyer, row, line_rows)

    def _kind_and_number(self, it: InvoiceInput, ln: int) -> str:
        """Check the kind and the number (a VAT e-invoice number for JSON and CSV)."""
        errors = self.errors
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
        return number

    def _amounts(
        self, it: InvoiceInput, ln: int
    ) -> tuple[Money | None, Money | None, Money | None, Money | None]:
        """Read the net, tax, total and payable; the net and the tax add up to the total."""
        errors = self.errors
        net = parse_money(it.amount_without_tax, it.currency, "amount_without_tax", errors, ln)
        tax = parse_money(it.tax, it.currency, "tax", errors, ln)
        total = parse_money(it.total, it.currency, "total", errors, ln)
        payable = (
            parse_money(it.payable, it.currency, "payable", errors, ln)
            if it.payable is not None
            else total
        )
        if net is not None and tax is not None and total is not None:
            if net + tax != total:
                errors.add(
                    "total",
                    f"{net.amount_str()} + tax {tax.amount_str()} "
                    f"is not the total {total.amount_str()}",
                    ln,
                )
            if net.is_negative() or total.is_negative() or tax.is_negative():
                errors.add(
                    "total", "amounts are positive; file a credit note to reduce an invoice", ln
                )
        return net, tax, total, payable

    def _due_date(self, it: InvoiceInput, ln: int) -> date:
        """Check the issue date; return the due date (30 days on unless stated)."""
        if it.issue_date > self.today:
            self.errors.add("issue_date", "is in the future", ln)
        due = it.due_date or it.issue_date + timedelta(days=30)
        if due < it.issue_date:
            self.errors.add("due_date", "is before the issue date", ln)
        return due

    def _lines(self, it: InvoiceInput, ln: int, net: Money | None) -> list[dict[str, Any]]:
        """Read the lines; for JSON and CSV they add up to the net amount."""
        errors = self.errors
        line_rows: list[dict[str, Any]] = []
        line_sum = Decimal(0)
        for j, line in enumerate(it.lines, start=1):
            q = parse_quantity(line.quantity, f"lines[{j}].quantity", errors, ln)
            p = parse_unit_price(line.unit_price, f"lines[{j}].unit_price", errors, ln)
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
        return line_rows

    def _references(
        self, it: InvoiceInput, ln: int, number: str, seller: Any, buyer: Any, total: Money
    ) -> tuple[str, str | None, str | None] | None:
        """Check the fingerprint is new to the batch, and the order and credited invoice."""
        errors = self.errors
        digest = invoice_digest(seller.uscc, buyer.uscc, number, it.issue_date, total)
        fp = keyed_fingerprint(self.secret, digest)
        if fp in self.fps:
            errors.add(
                "number", f"the same invoice appears on line {self.fps[fp]} of this batch", ln
            )
            return None
        self.fps[fp] = ln
        order_id = None
        if it.order_number:
            order_id = self.orders.get((seller.id, buyer.id, it.order_number))
            if order_id is None:
                errors.add("order_number", f"no order {it.order_number} between the parties", ln)
                return None
        credited_id = None
        if it.kind == DocKind.CREDIT_NOTE and it.credited_number:
            key = (seller.id, buyer.id, normalize_number(it.credited_number))
            credited_id = self.credited.get(key)
            if credited_id is None and it.source in ("json", "csv"):
                errors.add(
                    "credited_number",
                    f"no invoice {it.credited_number} between the parties to credit",
                    ln,
                )
                return None
        return fp, order_id, credited_id

    def against_platform(self, staged: list[_Staged]) -> tuple[list[_Staged], list[Any]]:
        """Refuse invoices already on the platform, but let the debtor's filing confirm them."""
        existing = _prior_invoices(self.uow, list(self.fps))
        actor_org = self.uow.actor.org_id
        to_confirm: list[Any] = []
        keep = []
        for item in staged:
            _it, ln, _seller, buyer, row, _line_rows = item
            prior = existing.get(row["fingerprint"])
            if prior is None:
                keep.append(item)
            elif actor_org == buyer.id and prior.filed_by_org_id != buyer.id:
                to_confirm.append(prior)
            else:
                self.errors.add(
                    "number",
                    f"invoice {row['number']} of {row['issue_date']} is already on the platform",
                    ln,
                )
        return keep, to_confirm


def _trading_parties(
    uow: UnitOfWork,
    resolver: PartyResolver,
    it: OrderInput | InvoiceInput,
    errors: ErrorCollector,
    ln: int,
) -> tuple[Any, Any]:
    """Resolve and check the seller and the buyer: on the platform, apart, the filer one."""
    seller = resolver.get(it.seller_uscc, "seller_uscc", errors, ln)
    buyer = resolver.get(it.buyer_uscc, "buyer_uscc", errors, ln)
    if seller is not None and buyer is not None and seller.id == buyer.id:
        errors.add("buyer_uscc", "the seller and the buyer are the same organization", ln)
    require_party(uow, seller, buyer, errors, ln)
    return seller, buyer


def _prior_invoices(uow: UnitOfWork, fps: list[str]) -> dict[str, Any]:
    """Find the invoices already on the platform by fingerprint (id and filer)."""
    existing: dict[str, Any] = {}
    conn = uow.session.connection()
    for k in range(0, len(fps), 500):
        for inv in conn.execute(_PRIOR_INVOICES, {"fps": fps[k : k + 500]}):
            existing[inv.fingerprint] = inv
    return existing


def _receivable_rows(uow: UnitOfWork, keep: list[_Staged], now: datetime) -> list[dict[str, Any]]:
    """Open a receivable against the buyer for each invoice, confirmed if the buyer files."""
    receivables: list[dict[str, Any]] = []
    for _it, _ln, seller, buyer, row, _ in keep:
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
    return receivables


def _write_invoices(
    uow: UnitOfWork,
    inv_rows: list[dict[str, Any]],
    all_lines: list[dict[str, Any]],
    receivables: list[dict[str, Any]],
) -> None:
    """Insert the invoices, their lines and receivables; mark the fingerprints; audit."""
    # Core executemany on the tables: the ORM's bulk path costs more than the database here.
    conn = uow.session.connection()
    if inv_rows:
        conn.execute(insert(table_of(InvoiceRow)), inv_rows)
    if all_lines:
        conn.execute(insert(table_of(InvoiceLineRow)), all_lines)
    if receivables:
        conn.execute(insert(table_of(ReceivableRow)), receivables)
    if inv_rows:
        mark_many(
            uow,
            [r["fingerprint"] for r in inv_rows],
            FingerprintState.SUBMITTED,
            uow.actor.org_id,
            new_only=True,
        )
        _audit_invoice_batch(uow, inv_rows, receivables)


def _audit_invoice_batch(
    uow: UnitOfWork, inv_rows: list[dict[str, Any]], receivables: list[dict[str, Any]]
) -> None:
    """Audit the batch in one entry listing every invoice and receivable it opened."""
    # The trail stays complete while a batch of thousands writes one row, not thousands.
    rcv_of = {r["invoice_id"]: r for r in receivables}
    audit_json(
        uow,
        "invoice.batch_filed",
        "trade_invoice_batch",
        new_id("bat"),
        {
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


def _apply_credit(uow: UnitOfWork, invoice_id: str, amount_minor: int, credit_note_id: str) -> None:
    rcv = uow.session.scalar(select(ReceivableRow).where(ReceivableRow.invoice_id == invoice_id))
    if rcv is None:
        return
    before = receivable_snapshot(rcv)
    remaining = rcv.face_minor - rcv.credited_minor - amount_minor
    if remaining < rcv.used_minor:
        raise Conflict(
            f"the credit note would reduce receivable {rcv.id} below the "
            f"{Money(rcv.used_minor, rcv.currency)} already used",
            code="credit_exceeds_unused",
        )
    rcv.credited_minor += amount_minor
    rcv.confirmed_minor = min(rcv.confirmed_minor, max(remaining, 0))
    audit_receivable(
        uow,
        "receivable.credited",
        rcv,
        before,
        org_id=rcv.seller_org_id,
        credit_note_id=credit_note_id,
    )
