"""Matching invoices to order lines, deliveries, receipts and payments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BindParameter,
    bindparam,
    func,
    select,
)

from scf.core.errors import NotFound
from scf.core.money import CURRENCY_EXPONENTS, Money
from scf.core.uow import UnitOfWork
from scf.trade.common import table_of
from scf.trade.config import trade_settings
from scf.trade.model import (
    DocKind,
    InvLine,
    MatchResult,
    OrderLine,
    Reason,
    Tolerances,
    check_dates,
    item_key,
    match_lines,
)
from scf.trade.tables import (
    InvoiceLineRow,
    InvoiceRow,
    PaymentRow,
    ShipmentLineRow,
    ShipmentRow,
    TradeOrderLineRow,
    TradeOrderRow,
)

# ---------------------------------------------------------------- matching


def current_tolerances() -> Tolerances:
    return trade_settings().tolerances()


def match_invoice(uow: UnitOfWork, invoice_id: str, tol: Tolerances | None = None) -> MatchResult:
    """Three- and four-way match of an invoice to its order lines, deliveries, receipts and
    payments."""
    tol = tol or current_tolerances()
    inv = uow.session.get(InvoiceRow, invoice_id)
    if inv is None:
        raise NotFound(f"invoice {invoice_id} not found", code="invoice_not_found")
    issues, lines, _ = match_details(uow, inv, tol)
    status = "no_order" if inv.order_id is None else ("matched" if not issues else "exceptions")
    return MatchResult(status, tuple(issues), tuple(lines))


def match_details(
    uow: UnitOfWork, inv: InvoiceRow, tol: Tolerances
) -> tuple[list[Reason], list[dict[str, Any]], dict[str, Any]]:
    s = uow.session
    if inv.order_id is None:
        return [], [], {"order": None, "deliveries": 0, "receipts": 0}
    order = s.get(TradeOrderRow, inv.order_id)
    assert order is not None
    order_lines = [
        OrderLine(r.line_no, r.item, Decimal(r.quantity), Decimal(r.unit_price))
        for r in s.scalars(
            select(TradeOrderLineRow)
            .where(TradeOrderLineRow.order_id == order.id)
            .order_by(TradeOrderLineRow.line_no)
        )
    ]
    # In filing order (ids are time-ordered), as `match_invoices` reads them.
    shipments = list(
        s.scalars(
            select(ShipmentRow).where(ShipmentRow.order_id == order.id).order_by(ShipmentRow.id)
        )
    )
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
                    f"The invoice bills {Money(inv.net_minor, inv.currency)} before tax against "
                    f"an order of {Money(order.total_minor, order.currency)}.",
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
                f"Payments of {Money(paid, inv.currency)} exceed the amount due "
                f"{Money(inv.payable_minor, inv.currency)}.",
                {
                    "paid": facts["paid"],
                    "payable": Money(inv.payable_minor, inv.currency).amount_str(),
                },
            )
        )
    return issues, report, facts


_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_MI, _MIL = table_of(InvoiceRow).c, table_of(InvoiceLineRow).c
_MO, _MOL = table_of(TradeOrderRow).c, table_of(TradeOrderLineRow).c
_MSH, _MSL, _MPAY = table_of(ShipmentRow).c, table_of(ShipmentLineRow).c, table_of(PaymentRow).c
# The reads of the bulk matcher, built once: an expanding IN takes the ids at execution, so
# a chunk is not compiled afresh with thousands of literal parameters.
_MATCH_INVOICES = select(
    _MI.id,
    _MI.order_id,
    _MI.currency,
    _MI.net_minor,
    _MI.payable_minor,
    _MI.issue_date,
    _MI.due_date,
).where(_MI.id.in_(_IDS))
# Orders with their lines, and shipments with theirs, each in one read (outer joins: an
# order or a shipment without lines still counts).
_MATCH_ORDERS = (
    select(
        _MO.id,
        _MO.number,
        _MO.total_minor,
        _MO.currency,
        _MO.issue_date,
        _MOL.line_no,
        _MOL.item,
        _MOL.quantity,
        _MOL.unit_price,
    )
    .outerjoin_from(table_of(TradeOrderRow), table_of(TradeOrderLineRow), _MOL.order_id == _MO.id)
    .where(_MO.id.in_(_IDS))
    .order_by(_MO.id, _MOL.line_no)
)
_MATCH_SHIPMENTS = (
    select(_MSH.id, _MSH.order_id, _MSH.kind, _MSH.on_date, _MSL.order_line_no, _MSL.quantity)
    .outerjoin_from(table_of(ShipmentRow), table_of(ShipmentLineRow), _MSL.shipment_id == _MSH.id)
    .where(_MSH.order_id.in_(_IDS))
    .order_by(_MSH.order_id, _MSH.id)
)
_MATCH_BILLED = (
    select(_MI.order_id, _MI.id, _MIL.order_line_no, _MIL.quantity)
    .join_from(table_of(InvoiceLineRow), table_of(InvoiceRow), _MI.id == _MIL.invoice_id)
    .where(
        _MI.order_id.in_(_IDS),
        _MI.kind == DocKind.INVOICE,
        _MIL.order_line_no.is_not(None),
    )
)
_MATCH_OWN_LINES = (
    select(
        _MIL.invoice_id,
        _MIL.line_no,
        _MIL.item,
        _MIL.quantity,
        _MIL.unit_price,
        _MIL.order_line_no,
    )
    .where(_MIL.invoice_id.in_(_IDS))
    .order_by(_MIL.invoice_id, _MIL.line_no)
)
_MATCH_PAID = (
    select(_MPAY.invoice_id, func.sum(_MPAY.amount_minor).label("total"))
    .where(_MPAY.invoice_id.in_(_IDS))
    .group_by(_MPAY.invoice_id)
)


def match_invoices(
    uow: UnitOfWork,
    invoice_ids: Sequence[str],
    tol: Tolerances | None = None,
    *,
    chunk: int = 5000,
) -> dict[str, MatchResult]:
    """Match many invoices at once, with the rules and tolerances of `match_invoice`.

    Set-based: each chunk of invoices costs six reads in all (invoices, orders with their
    lines, shipments with theirs, lines invoiced on those orders, own lines, payments)
    instead of seven per invoice; the judging is the same function `match_invoice` uses.
    """
    tol = tol or current_tolerances()
    conn = uow.session.connection()

    def rows(stmt: Any, ids: list[str]) -> Sequence[Any]:
        # fetchall in one call: iterating the result would fetch row by row.
        return conn.execute(stmt, {"ids": ids}).all()

    out: dict[str, MatchResult] = {}
    r: Any
    ids = list(dict.fromkeys(invoice_ids))
    for k in range(0, len(ids), chunk):
        part = ids[k : k + chunk]
        invs = {r.id: r for r in rows(_MATCH_INVOICES, part)}
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
            for r in rows(_MATCH_ORDERS, few):
                orders.setdefault(r.id, r)
                if r.line_no is not None:
                    o_lines[r.id].append(
                        OrderLine(r.line_no, r.item, Decimal(r.quantity), Decimal(r.unit_price))
                    )
            seen: set[str] = set()
            for r in rows(_MATCH_SHIPMENTS, few):
                if r.id not in seen:
                    seen.add(r.id)
                    ships[r.order_id].append((r.kind, r.on_date))
                if r.order_line_no is not None:
                    target = dlv if r.kind == DocKind.DELIVERY else rcv
                    target[r.order_id][r.order_line_no] += Decimal(r.quantity)
            for r in rows(_MATCH_BILLED, few):
                billed[r.order_id].append((r.id, r.order_line_no, Decimal(r.quantity)))
        own: dict[str, list[InvLine]] = defaultdict(list)
        for r in rows(_MATCH_OWN_LINES, part):
            own[r.invoice_id].append(
                InvLine(
                    r.line_no, r.item, Decimal(r.quantity), Decimal(r.unit_price), r.order_line_no
                )
            )
        paid = {r.invoice_id: int(r.total) for r in rows(_MATCH_PAID, part)}
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
