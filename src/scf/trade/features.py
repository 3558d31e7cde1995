"""Aggregates of an organization's trade for the risk room."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, or_, select

from scf.core.errors import NotFound
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.parties.model import Role
from scf.trade.matching import current_tolerances
from scf.trade.model import DocKind
from scf.trade.tables import (
    InvoiceRow,
    PaymentRow,
    ReceivableRow,
    ShipmentRow,
    TradeOrderRow,
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


def confirmed_orders(uow: UnitOfWork, limit: int = 50) -> list[dict[str, Any]]:
    """The caller's purchase orders that their buyers filed (so confirmed), newest first:
    what a supplier can finance before it delivers."""
    rows = uow.session.scalars(
        select(TradeOrderRow)
        .where(
            TradeOrderRow.seller_org_id == uow.actor.org_id,
            TradeOrderRow.kind == "purchase_order",
            TradeOrderRow.filed_by_org_id == TradeOrderRow.buyer_org_id,
        )
        .order_by(TradeOrderRow.issue_date.desc(), TradeOrderRow.id)
        .limit(limit)
    )
    return [order_info(uow, r.id) for r in rows]


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


def _trade_feature_statements() -> tuple[Any, Any, Any, Any]:
    """The four statements of `trade_features`, built once: building them costs more than
    running them on an indexed seller."""
    org = bindparam("org", type_=InvoiceRow.seller_org_id.type)
    today = bindparam("today", type_=InvoiceRow.issue_date.type)
    d365 = bindparam("d365", type_=InvoiceRow.issue_date.type)
    prev_start = bindparam("prev_start", type_=InvoiceRow.issue_date.type)
    invoices = select(
        InvoiceRow.buyer_org_id,
        InvoiceRow.issue_date,
        InvoiceRow.currency,
        InvoiceRow.total_minor,
    ).where(
        InvoiceRow.seller_org_id == org,
        InvoiceRow.kind == DocKind.INVOICE,
        InvoiceRow.issue_date > prev_start,
        InvoiceRow.issue_date <= today,
    )
    last_paid = (
        select(PaymentRow.invoice_id, func.max(PaymentRow.value_date).label("paid_on"))
        .where(PaymentRow.payee_org_id == org, PaymentRow.invoice_id.is_not(None))
        .group_by(PaymentRow.invoice_id)
        .subquery()
    )
    receivables = (
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
            ReceivableRow.seller_org_id == org,
            InvoiceRow.issue_date > d365,
            InvoiceRow.issue_date <= today,
        )
    )
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
    delivered = (
        select(func.count())
        .select_from(InvoiceRow)
        .where(
            InvoiceRow.seller_org_id == org,
            InvoiceRow.kind == DocKind.INVOICE,
            InvoiceRow.issue_date > d365,
            InvoiceRow.issue_date <= today,
            InvoiceRow.order_id.is_not(None),
            shipped,
        )
    )
    first_trade = (
        select(InvoiceRow.buyer_org_id, func.min(InvoiceRow.issue_date))
        .where(InvoiceRow.seller_org_id == org, InvoiceRow.kind == DocKind.INVOICE)
        .group_by(InvoiceRow.buyer_org_id)
    )
    return invoices, receivables, delivered, first_trade


_INVOICES, _RECEIVABLES, _DELIVERED, _FIRST_TRADE = _trade_feature_statements()


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
    tol = current_tolerances()
    params = {"org": org_id, "today": today, "d365": d365, "prev_start": prev_start}
    rows = list(s.execute(_INVOICES, params))
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
    rcv = list(s.execute(_RECEIVABLES, params))
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
    delivered = s.scalar(_DELIVERED, params)
    first_trade: dict[str, date] = {b: on for b, on in s.execute(_FIRST_TRADE, params)}
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
