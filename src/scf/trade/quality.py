"""The trade records as the data-quality checks of `scf.governance` read them: every invoice
and payment with the fields a check looks at, for the platform only."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from scf.core.errors import PermissionDenied
from scf.core.uow import UnitOfWork
from scf.trade.tables import InvoiceRow, PaymentRow


@dataclass(frozen=True)
class InvoiceFact:
    id: str
    number: str
    kind: str
    seller_org_id: str
    buyer_org_id: str
    seller_uscc: str
    buyer_uscc: str
    issue_date: date
    due_date: date
    net_minor: int
    tax_minor: int
    total_minor: int
    payable_minor: int
    created_at: datetime


@dataclass(frozen=True)
class PaymentFact:
    id: str
    payer_org_id: str | None
    payee_org_id: str
    amount_minor: int
    value_date: date
    invoice_id: str | None
    created_at: datetime


def _require_platform(uow: UnitOfWork) -> None:
    a = uow.actor
    if not (a.is_system or a.is_operator or a.is_regulator):
        raise PermissionDenied("only the platform checks the quality of every trade record")


def _facts(uow: UnitOfWork, row: Any, fact: Any) -> list[Any]:
    _require_platform(uow)
    columns = [getattr(row, f.name) for f in fields(fact)]
    stmt = select(*columns).order_by(row.created_at, row.id)
    return [fact(**r._mapping) for r in uow.session.execute(stmt)]


def invoice_facts(uow: UnitOfWork) -> list[InvoiceFact]:
    """Every invoice on the platform, oldest first, with the fields the checks read."""
    return _facts(uow, InvoiceRow, InvoiceFact)


def payment_facts(uow: UnitOfWork) -> list[PaymentFact]:
    """Every payment on the platform, oldest first, with the fields the checks read."""
    return _facts(uow, PaymentRow, PaymentFact)
