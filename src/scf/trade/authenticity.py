"""Authenticity assessment of a receivable: score, reason codes and evidence."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.trade.config import trade_settings
from scf.trade.fingerprints import check_fingerprint
from scf.trade.matching import match_details
from scf.trade.model import (
    Assessment,
    DocKind,
    Reason,
    Tolerances,
    check_dates,
    explain,
    item_key,
    near_duplicate,
    number_stem,
    price_outliers,
    score,
)
from scf.trade.receivables import readable_receivable, receivable_row
from scf.trade.tables import (
    FingerprintMarkRow,
    FingerprintRow,
    InvoiceLineRow,
    InvoiceRow,
    ReceivableRow,
    TradeOrderLineRow,
    TradeOrderRow,
)

# ---------------------------------------------------------------- authenticity

# Documents a purchase order needs behind it: (the match's count, code, message).
_MISSING_DOCUMENTS = (
    ("deliveries", "NO_DELIVERY", "No delivery note or waybill is on file for order {}."),
    ("receipts", "NO_RECEIPT", "The buyer filed no goods receipt for order {}."),
)


def assess_authenticity(
    uow: UnitOfWork, receivable_id: str, *, for_org_id: str | None = None
) -> Assessment:
    """Score the trade background of a receivable 0..100 with reasons and their evidence."""
    settings = trade_settings()
    tol = settings.tolerances()
    row = receivable_row(uow, receivable_id)
    inv = uow.session.get(InvoiceRow, row.invoice_id)
    assert inv is not None
    reasons = _trade_background(uow, inv, tol)
    reasons += _duplicate_invoice(uow, inv, row, for_org_id)
    reasons += _near_duplicates(uow, inv, tol)
    reasons += _receivable_state(row)
    reasons += _related_parties(uow, row)
    reasons += _price_outliers(uow, inv, tol)
    reasons += _seller_age(uow, row, inv, tol)
    value = score(reasons, settings.merged_weights())
    return Assessment(row.id, value, tuple(reasons), explain(value, reasons))


def _trade_background(uow: UnitOfWork, inv: InvoiceRow, tol: Tolerances) -> list[Reason]:
    """Find the order, deliveries and receipts behind the invoice, and how they match."""
    reasons: list[Reason] = []
    issues, _report, facts = match_details(uow, inv, tol)
    if inv.order_id is None:
        reasons.append(
            Reason(
                "NO_ORDER",
                "No contract or purchase order backs the invoice.",
                {"invoice": inv.number},
            )
        )
    else:
        for count, code, message in _MISSING_DOCUMENTS:
            if facts[count] == 0:
                reasons.append(
                    Reason(code, message.format(facts["order"]), {"order": facts["order"]})
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
    return reasons


def _duplicate_invoice(
    uow: UnitOfWork, inv: InvoiceRow, row: ReceivableRow, for_org_id: str | None
) -> list[Reason]:
    """Flag the same invoice submitted, registered or financed at another institution."""
    status = check_fingerprint(uow, inv.fingerprint, _log=False)
    marks = list(
        uow.session.execute(
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
    if not insts and (not encumbered or row.used_minor):
        return []
    return [
        Reason(
            "DUPLICATE_INVOICE",
            "The same invoice (seller, buyer, number, date, total) was already submitted, "
            "registered or financed at another institution.",
            {
                "fingerprint": inv.fingerprint,
                "registered": status.registered,
                "financed": status.financed,
                "institutions": len(insts),
            },
        )
    ]


def _near_duplicates(uow: UnitOfWork, inv: InvoiceRow, tol: Tolerances) -> list[Reason]:
    """Flag copies of another invoice between the same parties: a total within 1%, a date
    within days, and the same order or a number one character apart; the parts of one order
    (instalments, partial invoices) are not copies while the order covers them all. The
    evidence names each copy and whether it was already registered or financed."""
    near = []
    window = timedelta(days=tol.near_duplicate_days)
    total = Money(inv.total_minor, inv.currency)
    for other in uow.session.scalars(
        select(InvoiceRow).where(
            InvoiceRow.seller_org_id == inv.seller_org_id,
            InvoiceRow.buyer_org_id == inv.buyer_org_id,
            InvoiceRow.kind == DocKind.INVOICE,
            InvoiceRow.id != inv.id,
            InvoiceRow.issue_date.between(inv.issue_date - window, inv.issue_date + window),
        )
    ):
        same_order = other.order_id is not None and other.order_id == inv.order_id
        close_number = one_edit_apart(other.number_norm, inv.number_norm) or number_stem(
            other.number
        ) == number_stem(inv.number)
        if not (same_order or close_number):
            continue
        if not near_duplicate(
            total, Money(other.total_minor, other.currency), inv.issue_date, other.issue_date, tol
        ):
            continue
        if same_order and _order_covers(uow, inv.order_id, tol):
            continue  # parts of one order that the order covers: instalments
        near.append(other)
    if not near:
        return []
    states = _fingerprint_states(uow, [o.fingerprint for o in near[:5]])
    return [
        Reason(
            "NEAR_DUPLICATE_INVOICE",
            f"{len(near)} other invoice(s) between the same parties are nearly this one (total "
            f"within 1%, date within {tol.near_duplicate_days} days, the same order or a "
            "number one character apart, more than the order covers): "
            + ", ".join(
                f"{o.number} of {o.issue_date}"
                + (f" ({states[o.fingerprint]})" if o.fingerprint in states else "")
                for o in near[:5]
            )
            + ".",
            {
                "invoices": [
                    {
                        "id": o.id,
                        "number": o.number,
                        "issue_date": o.issue_date.isoformat(),
                        "total": Money(o.total_minor, o.currency).amount_str(),
                        "state": states.get(o.fingerprint),
                        "same_order": o.order_id is not None and o.order_id == inv.order_id,
                    }
                    for o in near[:5]
                ],
                "encumbered": any(
                    states.get(o.fingerprint) in ("registered", "financed") for o in near[:5]
                ),
            },
        )
    ]


def one_edit_apart(a: str, b: str) -> bool:
    """Whether two strings differ by one character changed, added or dropped (or not at all)."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(a, b, score_cutoff=1) <= 1


def _order_covers(uow: UnitOfWork, order_id: str | None, tol: Tolerances) -> bool:
    """Whether the order covers everything invoiced against it, in quantity and in value
    (within the quantity tolerance): then its invoices are its parts, not copies."""
    s = uow.session
    order = s.get(TradeOrderRow, order_id) if order_id is not None else None
    if order is None:
        return False
    ordered = s.scalar(
        select(func.coalesce(func.sum(TradeOrderLineRow.quantity), 0)).where(
            TradeOrderLineRow.order_id == order_id
        )
    )
    invoiced = s.scalar(
        select(func.coalesce(func.sum(InvoiceLineRow.quantity), 0))
        .join(InvoiceRow, InvoiceRow.id == InvoiceLineRow.invoice_id)
        .where(InvoiceRow.order_id == order_id, InvoiceRow.kind == DocKind.INVOICE)
    )
    net_minor = s.scalar(
        select(func.coalesce(func.sum(InvoiceRow.net_minor), 0)).where(
            InvoiceRow.order_id == order_id, InvoiceRow.kind == DocKind.INVOICE
        )
    )
    room = 1 + tol.quantity_pct
    ordered, invoiced = Decimal(ordered or 0), Decimal(invoiced or 0)
    by_quantity = ordered > 0 and invoiced <= ordered * room
    by_value = Decimal(int(net_minor or 0)) <= Decimal(order.total_minor) * room
    return by_quantity and by_value


def _fingerprint_states(uow: UnitOfWork, fingerprints: list[str]) -> dict[str, str]:
    """The platform-wide state of each fingerprint (submitted, registered, financed)."""
    rows = uow.session.execute(
        select(FingerprintRow.fingerprint, FingerprintRow.state).where(
            FingerprintRow.fingerprint.in_(fingerprints)
        )
    )
    return {fp: state for fp, state in rows}


def _receivable_state(row: ReceivableRow) -> list[Reason]:
    """Flag credit notes against the receivable and what its debtor has not confirmed."""
    reasons: list[Reason] = []
    if row.credited_minor > 0:
        reasons.append(
            Reason(
                "INVOICE_CREDITED",
                "Credit notes reduced the receivable by "
                f"{Money(row.credited_minor, row.currency)}.",
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
    return reasons


def _related_parties(uow: UnitOfWork, row: ReceivableRow) -> list[Reason]:
    """Flag a seller and debtor related by ownership, control or key persons."""
    links = parties.related_links(uow, row.seller_org_id, row.debtor_org_id)
    if not links:
        return []
    return [
        Reason(
            "RELATED_PARTIES",
            "Seller and debtor are related parties: "
            + "; ".join(
                f"{link.reason}" + (f" via {link.via}" if link.via else "") for link in links
            )
            + ".",
            {"links": [{"reason": link.reason, "via": link.via} for link in links]},
        )
    ]


def _price_outliers(uow: UnitOfWork, inv: InvoiceRow, tol: Tolerances) -> list[Reason]:
    """Flag unit prices far from what the seller charged the buyer for the same item."""
    s = uow.session
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
    if not outliers:
        return []
    if len(outliers) == 1:
        return outliers
    return [
        Reason(
            "PRICE_OUTLIER",
            " ".join(o.message for o in outliers),
            {"lines": [o.evidence for o in outliers]},
        )
    ]


def _seller_age(
    uow: UnitOfWork, row: ReceivableRow, inv: InvoiceRow, tol: Tolerances
) -> list[Reason]:
    """Flag a seller founded too shortly before the invoice."""
    seller = parties.find_organization(uow, row.seller_org_id)
    age = (inv.issue_date - seller.founded_on).days
    if age >= tol.seller_min_age_days:
        return []
    return [
        Reason(
            "SELLER_TOO_NEW",
            f"The seller was founded on {seller.founded_on}, {age} days before the invoice.",
            {
                "founded_on": seller.founded_on.isoformat(),
                "age_days": age,
                "minimum_days": tol.seller_min_age_days,
            },
        )
    ]


def assess_receivable(uow: UnitOfWork, receivable_id: str) -> Assessment:
    """Assess for a reader allowed to see the receivable (own, consent, platform)."""
    readable_receivable(uow, receivable_id, f"receivable/{receivable_id}/assessment")
    return assess_authenticity(uow, receivable_id, for_org_id=uow.actor.org_id)
