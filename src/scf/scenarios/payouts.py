"""Marketplace payouts: the seller records what a marketplace owes it with its sales history,
the marketplace confirms, a financing assigns the payout to the funder (the marketplace gets
notice and pays the funder) and closing settles it. Exposure is summed per marketplace."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select

from scf.core.bounds import check_identifier
from scf.core.clock import ensure_utc
from scf.core.errors import Conflict, InvalidInput, NotFound
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.scenarios.config import get_scenario_settings
from scf.scenarios.model import PayoutStatus, check_payout_currency
from scf.scenarios.tables import PayoutRow

SELLERS = ("supplier", "distributor")
WATCHERS = ("regulator", "operator")
MONTH = re.compile(r"^(19|20|21)\d\d-(0[1-9]|1[0-2])$")
MAX_HISTORY_MONTHS = 36


def payout_dict(row: PayoutRow) -> dict[str, Any]:
    advance = (
        Money(row.advance_minor, row.advance_currency).as_json()
        if row.advance_minor is not None and row.advance_currency
        else None
    )
    return {
        "id": row.id,
        "seller_org_id": row.seller_org_id,
        "marketplace_org_id": row.marketplace_org_id,
        "reference": row.reference,
        "amount": row.amount.as_json(),
        "due_on": row.due_on.isoformat(),
        "sales_history": list(row.sales_history),
        "status": row.status,
        "confirmed_at": ensure_utc(row.confirmed_at).isoformat() if row.confirmed_at else None,
        "assigned_to_org_id": row.assigned_to_org_id,
        "application_id": row.application_id,
        "advance": advance,
        "registration_number": row.registration_number,
        "notice_at": ensure_utc(row.notice_at).isoformat() if row.notice_at else None,
    }


def _marketplace(uow: UnitOfWork, org_id: str) -> str:
    try:
        org = parties.find_organization(uow, org_id)
    except NotFound:
        raise InvalidInput(f"no organization {org_id}", field="marketplace_org_id") from None
    if "marketplace" not in org.roles:
        raise InvalidInput(f"{org.name} is not a marketplace", field="marketplace_org_id")
    return str(org.id)


def _history(items: Sequence[dict[str, Any]], currency: str) -> list[dict[str, Any]]:
    """Check the seller's monthly sales: distinct past months, in the payout's currency."""
    if len(items) > MAX_HISTORY_MONTHS:
        raise InvalidInput(f"at most {MAX_HISTORY_MONTHS} months", field="sales_history")
    seen: set[str] = set()
    out = []
    for i, item in enumerate(items):
        month, amount = item.get("month"), item.get("amount")
        if not isinstance(month, str) or not MONTH.match(month) or month in seen:
            raise InvalidInput("a month as YYYY-MM, each once", field=f"sales_history[{i}].month")
        if not isinstance(amount, Money) or amount.currency != currency:
            raise InvalidInput(f"an amount in {currency}", field=f"sales_history[{i}].amount")
        if amount.is_negative():
            raise InvalidInput("not below zero", field=f"sales_history[{i}].amount")
        seen.add(month)
        out.append({"month": month, "amount": amount.as_json()})
    return sorted(out, key=lambda m: str(m["month"]))


def record_payout(
    uow: UnitOfWork,
    *,
    marketplace_org_id: str,
    reference: str,
    amount: Money,
    due_on: date,
    sales_history: Sequence[dict[str, Any]] = (),
) -> PayoutRow:
    """A seller records a payout a marketplace owes it, with its sales there month by month."""
    parties.require_role(uow.actor, *SELLERS)
    seller = uow.actor.org_id
    if seller is None:
        raise InvalidInput("a seller records its own payouts", field="seller")
    market = _marketplace(uow, marketplace_org_id)
    ref = check_identifier(reference, "reference", max_length=64)
    check_payout_currency(amount.currency)
    if not amount.is_positive():
        raise InvalidInput("above zero", field="amount.amount")
    if due_on <= uow.today():
        raise InvalidInput("a payout still to come: after today", field="due_on")
    history = _history(sales_history, amount.currency)
    taken = uow.session.scalar(
        select(PayoutRow.id).where(
            PayoutRow.marketplace_org_id == market, PayoutRow.reference == ref
        )
    )
    if taken is not None:
        raise Conflict(
            f"the marketplace's payout {ref} is already recorded ({taken})",
            code="duplicate_payout",
            details={"payout_id": taken},
        )
    row = PayoutRow(
        id=new_id("pay"),
        seller_org_id=seller,
        marketplace_org_id=market,
        reference=ref,
        currency=amount.currency,
        amount_minor=amount.minor,
        due_on=due_on,
        sales_history=history,
        status=PayoutStatus.RECORDED.value,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("scenarios.payout.recorded", "payout", row.id, after=payout_dict(row))
    uow.commit()
    return row


def _visible(uow: UnitOfWork, row: PayoutRow | None, payout_id: str) -> PayoutRow:
    actor = uow.actor
    if row is not None and (
        actor.is_system
        or actor.has(*WATCHERS)
        or actor.org_id in (row.seller_org_id, row.marketplace_org_id, row.assigned_to_org_id)
    ):
        return row
    raise NotFound(f"no payout {payout_id}")


def get_payout(uow: UnitOfWork, payout_id: str) -> PayoutRow:
    return _visible(uow, uow.session.get(PayoutRow, payout_id), payout_id)


def confirm_payout(uow: UnitOfWork, payout_id: str) -> PayoutRow:
    """The marketplace confirms it owes the seller the payout as recorded."""
    parties.require_role(uow.actor, "marketplace")
    row = uow.session.get(PayoutRow, payout_id)
    if row is None or row.marketplace_org_id != uow.actor.org_id:
        raise NotFound(f"no payout {payout_id}")
    if row.status != PayoutStatus.RECORDED:
        raise Conflict(f"payout {row.reference} is {row.status}", code="already_confirmed")
    before = payout_dict(row)
    row.status = PayoutStatus.CONFIRMED.value
    row.confirmed_at = uow.now()
    uow.flush()
    uow.audit("scenarios.payout.confirmed", "payout", row.id, before=before, after=payout_dict(row))
    uow.commit()
    return row


def list_payouts(uow: UnitOfWork, status: str | None = None) -> list[PayoutRow]:
    """Payouts the caller records, owes or was assigned (all for watchers), newest first."""
    q = select(PayoutRow).order_by(PayoutRow.created_at.desc(), PayoutRow.id.desc()).limit(500)
    actor = uow.actor
    if not (actor.is_system or actor.has(*WATCHERS)):
        me = actor.org_id
        q = q.where(
            (PayoutRow.seller_org_id == me)
            | (PayoutRow.marketplace_org_id == me)
            | (PayoutRow.assigned_to_org_id == me)
        )
    if status is not None:
        q = q.where(PayoutRow.status == status)
    return list(uow.session.scalars(q))


def payout_for_financing(uow: UnitOfWork, payout_id: str, seller_org_id: str) -> PayoutRow:
    """The seller's confirmed payout, not yet financed; else refuse naming `asset.payout_id`."""
    field = "asset.payout_id"
    row = uow.session.get(PayoutRow, payout_id)
    if row is None or row.seller_org_id != seller_org_id:
        raise InvalidInput(f"no payout {payout_id} of the applicant", field=field)
    if row.status == PayoutStatus.RECORDED:
        raise InvalidInput(
            f"the marketplace has not confirmed payout {row.reference}",
            field=field,
            code="payout_not_confirmed",
        )
    if row.status != PayoutStatus.CONFIRMED:
        raise InvalidInput(
            f"payout {row.reference} was already financed (application {row.application_id})",
            field=field,
            code="payout_financed",
        )
    return row


def assign_payout_in(
    uow: UnitOfWork,
    payout_id: str,
    *,
    funder_org_id: str,
    application_id: str,
    advance: Money,
    registration_number: str | None,
) -> PayoutRow:
    """Assign a confirmed payout to the funder with notice to the marketplace; no commit."""
    row = uow.session.get(PayoutRow, payout_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no payout {payout_id}")
    if row.status != PayoutStatus.CONFIRMED:
        raise Conflict(
            f"payout {row.reference} is {row.status} (application {row.application_id})",
            code="payout_financed",
        )
    before = payout_dict(row)
    row.status = PayoutStatus.ASSIGNED.value
    row.assigned_to_org_id = funder_org_id
    row.application_id = application_id
    row.advance_currency, row.advance_minor = advance.currency, advance.minor
    row.registration_number = registration_number
    row.notice_at = uow.now()
    uow.flush()
    uow.audit("scenarios.payout.assigned", "payout", row.id, before=before, after=payout_dict(row))
    return row


def settle_payout_in(uow: UnitOfWork, payout_id: str, reason: str) -> None:
    """The financing closed: the assignment is released and the payout settled; no commit."""
    row = uow.session.get(PayoutRow, payout_id, with_for_update=True)
    if row is None or row.status != PayoutStatus.ASSIGNED:
        return
    before = payout_dict(row)
    row.status = PayoutStatus.SETTLED.value
    uow.flush()
    uow.audit(
        "scenarios.payout.settled",
        "payout",
        row.id,
        before=before,
        after={**payout_dict(row), "reason": reason},
    )


def marketplace_exposure_of(uow: UnitOfWork, marketplace_org_id: str, currency: str) -> Money:
    """Live advances in `currency` against the marketplace's assigned payouts."""
    total = uow.session.scalar(
        select(func.coalesce(func.sum(PayoutRow.advance_minor), 0)).where(
            PayoutRow.marketplace_org_id == marketplace_org_id,
            PayoutRow.status == PayoutStatus.ASSIGNED,
            PayoutRow.advance_currency == currency,
        )
    )
    return Money(int(total or 0), currency)


def marketplace_exposures(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Per marketplace and advance currency: live advances and how many payouts (watchers)."""
    parties.require_role(uow.actor, *WATCHERS)
    rows = uow.session.execute(
        select(
            PayoutRow.marketplace_org_id,
            PayoutRow.advance_currency,
            func.sum(PayoutRow.advance_minor),
            func.count(),
        )
        .where(PayoutRow.status == PayoutStatus.ASSIGNED)
        .group_by(PayoutRow.marketplace_org_id, PayoutRow.advance_currency)
    ).all()
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for market, currency, minor, count in rows:
        advanced = Money(int(minor or 0), str(currency))
        out[market].append({"advanced": advanced.as_json(), "payouts": count})
    return [{"marketplace_org_id": m, "exposure": e} for m, e in sorted(out.items())]


def marketplace_concentration(
    uow: UnitOfWork, marketplace_org_id: str, amount: Money
) -> str | None:
    """Why `amount` more against the marketplace needs a person (None: within its limit)."""
    cap = get_scenario_settings().marketplace_cap(amount.currency)
    if cap is None:
        return None
    live = marketplace_exposure_of(uow, marketplace_org_id, amount.currency)
    if live + amount > cap:
        return (
            f"advances against this marketplace's payouts would reach {live + amount}, "
            f"over the platform's {cap} per marketplace"
        )
    return None
