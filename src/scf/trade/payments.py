"""Payments: filed as JSON or CSV, or read from ISO 20022 camt.053 statements, and matched
to invoices by remittance information and amount.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from scf.core.errors import ErrorCollector, InvalidInput, PermissionDenied
from scf.core.ids import new_id
from scf.core.money import CURRENCY_EXPONENTS, Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.trade.common import (
    ENTERPRISE,
    PartyResolver,
    PaymentInput,
    audit_receivable,
    check_items,
    parse_money,
    receivable_snapshot,
)
from scf.trade.model import (
    DocKind,
    normalize_number,
)
from scf.trade.tables import (
    InvoiceRow,
    PaymentRow,
    ReceivableRow,
)

# ---------------------------------------------------------------- payments


def record_payments(
    uow: UnitOfWork, items: Sequence[PaymentInput], *, commit: bool = True
) -> list[dict[str, Any]]:
    """Record payments received; each is matched to an invoice by reference and amount."""
    parties.require_role(uow.actor, *ENTERPRISE)
    check_items(items, "the payments were refused")
    errors = ErrorCollector()
    resolver = PartyResolver(uow)
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
            parse_money(it.amount, it.currency, "amount", errors, ln)
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
            before = receivable_snapshot(rcv)
            rcv.paid_minor += amount.minor
            audit_receivable(uow, "receivable.paid", rcv, before, org_id=payee_id)
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
