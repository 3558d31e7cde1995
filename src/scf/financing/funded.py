"""What institutions funded: each accepted application with the product it was priced by, for
the institutions room's rules (units' NPL, performance, exemptions). No access check: the
caller decides who sees what."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing.config import get_financing_settings
from scf.financing.tables import FinancingApplicationRow, FinancingOfferRow


def key_chains() -> list[str]:
    """The chains the platform names key chains (their applicants get priority)."""
    return list(get_financing_settings().key_chains)


def funded_record(app: FinancingApplicationRow, offer: FinancingOfferRow | None) -> dict[str, Any]:
    return {
        "id": app.id,
        "funder_org_id": app.funder_org_id,
        "product_id": offer.product_id if offer else None,
        "offer_id": offer.id if offer else None,
        "borrower_org_id": app.applicant_org_id,
        "debtor_org_id": app.debtor_org_id,
        "scenario": app.scenario,
        "size_class": app.size_class,
        "district": app.district,
        "chain_tags": list(app.chain_tags),
        "tier": app.tier,
        "amount": app.amount,
        "outstanding": Money(app.outstanding_minor, app.currency),
        "rate": Decimal(offer.rate) if offer else None,
        "status": app.status,
        "submitted_at": app.submitted_at,
        "decided_at": app.decided_at,
        "decision_seconds": app.decision_seconds,
        "disbursed_at": app.disbursed_at,
        "overdue_at": app.overdue_at,
        "defaulted_at": app.defaulted_at,
        "checks": list(app.checks),
        "evidence": dict(app.evidence),
    }


def funded_records(uow: UnitOfWork, funder_org_id: str | None = None) -> list[dict[str, Any]]:
    """Every application an institution's offer was accepted on (one institution's or all),
    oldest first, with the product of the accepted offer."""
    stmt = (
        select(FinancingApplicationRow, FinancingOfferRow)
        .join(FinancingOfferRow, FinancingOfferRow.id == FinancingApplicationRow.accepted_offer_id)
        .order_by(FinancingApplicationRow.submitted_at, FinancingApplicationRow.id)
    )
    if funder_org_id is not None:
        stmt = stmt.where(FinancingApplicationRow.funder_org_id == funder_org_id)
    return [funded_record(app, offer) for app, offer in uow.session.execute(stmt).tuples()]


def application_record(uow: UnitOfWork, app_id: str) -> dict[str, Any] | None:
    """One application as `funded_records` shows it, accepted or not (None if unknown)."""
    app = uow.session.get(FinancingApplicationRow, app_id)
    if app is None:
        return None
    offer = (
        uow.session.get(FinancingOfferRow, app.accepted_offer_id) if app.accepted_offer_id else None
    )
    return funded_record(app, offer)
