"""The trade background of a receivable as documents: its invoice, the order the invoice bills,
the deliveries and receipts against that order, and the payments on the invoice, each with its
match verdict; what the SCF-1 evidence package publishes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.trade.authenticity import assess_receivable
from scf.trade.matching import match_invoice
from scf.trade.receivables import get_invoice, get_receivable
from scf.trade.tables import InvoiceRow, PaymentRow, ShipmentRow, TradeOrderRow


def _order_document(order: TradeOrderRow) -> dict[str, Any]:
    return {
        "type": "order",
        "id": order.id,
        "number": order.number,
        "issue_date": order.issue_date.isoformat(),
        "seller_org_id": order.seller_org_id,
        "buyer_org_id": order.buyer_org_id,
        "amount": Money(order.total_minor, order.currency).as_json(),
    }


def _shipment_document(sh: ShipmentRow) -> dict[str, Any]:
    # A shipment row is either the seller's delivery note or the buyer's goods receipt.
    return {
        "type": sh.kind,
        "id": sh.id,
        "number": sh.number,
        "issue_date": sh.on_date.isoformat(),
        "order_id": sh.order_id,
    }


def _payment_document(p: PaymentRow) -> dict[str, Any]:
    return {
        "type": "payment",
        "id": p.id,
        "number": p.reference,
        "issue_date": p.value_date.isoformat(),
        "payer_org_id": p.payer_org_id,
        "payee_org_id": p.payee_org_id,
        "amount": Money(p.amount_minor, p.currency).as_json(),
        "invoice_id": p.invoice_id,
    }


def _invoice_documents(uow: UnitOfWork, invoice_id: str) -> list[dict[str, Any]]:
    """The invoice, then its order with the order's deliveries and receipts, then payments."""
    inv = get_invoice(uow, invoice_id)  # checks the caller may read it
    row = uow.session.get(InvoiceRow, invoice_id)
    assert row is not None
    docs: list[dict[str, Any]] = [
        {
            "type": inv["kind"],
            "id": inv["id"],
            "number": inv["number"],
            "issue_date": inv["issue_date"],
            "due_date": inv["due_date"],
            "seller_org_id": inv["seller_org_id"],
            "buyer_org_id": inv["buyer_org_id"],
            "amount": inv["total"],
            "order_id": row.order_id,
            "fingerprint": inv["fingerprint"],
        }
    ]
    s = uow.session
    order = s.get(TradeOrderRow, row.order_id) if row.order_id else None
    if order is not None:
        docs.append(_order_document(order))
        shipments = select(ShipmentRow).where(ShipmentRow.order_id == order.id)
        docs.extend(_shipment_document(sh) for sh in s.scalars(shipments.order_by(ShipmentRow.id)))
    payments = select(PaymentRow).where(PaymentRow.invoice_id == invoice_id)
    docs.extend(_payment_document(p) for p in s.scalars(payments.order_by(PaymentRow.id)))
    return docs


def trade_background(uow: UnitOfWork, receivable_id: str) -> dict[str, Any]:
    """Documents, matches and the authenticity verdict behind a receivable (read access as
    for the receivable itself)."""
    rcv = get_receivable(uow, receivable_id)
    documents: list[dict[str, Any]] = []
    matches: list[dict[str, Any]] = []
    for invoice_id in rcv.invoice_ids:
        docs = _invoice_documents(uow, invoice_id)
        documents.extend(d for d in docs if all(d["id"] != e["id"] for e in documents))
        match = match_invoice(uow, invoice_id)
        matches.append(
            {
                "invoice_id": invoice_id,
                "status": match.status,
                "issues": [i.as_dict() for i in match.issues],
                "document_ids": [d["id"] for d in docs],
            }
        )
    return {
        "receivable": rcv.as_dict(),
        "documents": documents,
        "matches": matches,
        "authenticity": assess_receivable(uow, receivable_id).as_dict(),
    }
