"""The application record: who may see it, its moves through the state machine, its views."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from scf.core.errors import NotFound
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork, jsonable
from scf.financing import model as M
from scf.financing.common import watches_all
from scf.financing.reservations import reservations_of
from scf.financing.tables import CoverPolicyRow, FinancingApplicationRow, FinancingOfferRow

S = M.Status


def new_application(
    uow: UnitOfWork,
    *,
    scenario: str,
    applicant: Any,
    debtor_org_id: str | None,
    amount: Money,
    due_on: date,
    asset: dict[str, Any],
    collateral: list[dict[str, Any]],
    evidence: dict[str, Any],
    checks: list[dict[str, Any]],
    funder_org_ids: list[str],
    channel: M.Channel,
    priority: int,
    chain_tags: list[str],
    tier: int,
    red_listed: bool,
    submitted_at: datetime,
    cover_policy_id: str | None = None,
    due_requested_on: date | None = None,
    due_provisional: bool = False,
) -> FinancingApplicationRow:
    """Add a submitted application, with the applicant's snapshots the regulator counts by."""
    app = FinancingApplicationRow(
        id=new_id("fap"),
        scenario=scenario,
        applicant_org_id=applicant.id,
        debtor_org_id=debtor_org_id,
        currency=amount.currency,
        amount_minor=amount.minor,
        due_on=due_on,
        due_requested_on=due_requested_on or due_on,
        due_provisional=due_provisional,
        asset=asset,
        collateral=collateral,
        evidence=evidence,
        checks=checks,
        funder_org_ids=funder_org_ids,
        status=S.SUBMITTED.value,
        channel=channel.value,
        priority=priority,
        district=applicant.district,
        chain_tags=chain_tags,
        size_class=applicant.size_class,
        tier=tier,
        red_listed=red_listed,
        registrations=[],
        cover_policy_id=cover_policy_id,
        outstanding_minor=0,
        repaid_minor=0,
        submitted_at=submitted_at,
    )
    uow.session.add(app)
    uow.flush()
    return app


def move(uow: UnitOfWork, app: FinancingApplicationRow, target: M.Status, doing: str) -> None:
    """Take the application one step in the state machine, timing the decision, audited."""
    before = app.snapshot()
    app.status = M.advance(app.status, target, doing).value
    if target in M.DECIDED and app.decided_at is None:
        app.decided_at = uow.now()
        app.decision_seconds = int((app.decided_at - app.submitted_at).total_seconds())
    uow.flush()
    uow.audit(
        f"financing.{target.value}",
        "financing_application",
        app.id,
        before=before,
        after=app.snapshot(),
        org_id=app.applicant_org_id,
    )
    if app.evidence.get("tsin_request_id"):
        # An application an ISO 20022 tsin.001 request made reports each move in tsin.002.
        from scf.financing.tsin import application_moved

        application_moved(uow, app)


def find_application(uow: UnitOfWork, app_id: str) -> FinancingApplicationRow:
    """Return the application, or not found to a caller who is no party to it."""
    app = uow.session.get(FinancingApplicationRow, app_id)
    if app is None or not may_see(uow, app):
        raise NotFound(f"application {app_id} not found")
    return app


def _parties_of(uow: UnitOfWork, app: FinancingApplicationRow) -> set[str]:
    out = {app.applicant_org_id, *app.funder_org_ids}
    if app.debtor_org_id:
        out.add(app.debtor_org_id)
    if app.funder_org_id:
        out.add(app.funder_org_id)
    if app.cover_policy_id:
        pol = uow.session.get(CoverPolicyRow, app.cover_policy_id)
        if pol is not None:
            out.add(pol.insurer_org_id)
    return out


def may_see(uow: UnitOfWork, app: FinancingApplicationRow) -> bool:
    """Tell whether the caller watches the platform or is a party to the application."""
    return watches_all(uow.actor) or uow.actor.org_id in _parties_of(uow, app)


def get_application(uow: UnitOfWork, app_id: str) -> FinancingApplicationRow:
    return find_application(uow, app_id)


def list_applications(uow: UnitOfWork, status: str | None = None) -> list[FinancingApplicationRow]:
    """Applications the caller is party to; funders see theirs by priority, then age."""
    stmt = select(FinancingApplicationRow).order_by(
        FinancingApplicationRow.priority.desc(), FinancingApplicationRow.submitted_at
    )
    if status:
        stmt = stmt.where(FinancingApplicationRow.status == status)
    return [a for a in uow.session.scalars(stmt) if may_see(uow, a)]


def offers_of(uow: UnitOfWork, app: FinancingApplicationRow) -> list[FinancingOfferRow]:
    stmt = select(FinancingOfferRow).where(FinancingOfferRow.application_id == app.id)
    a = uow.actor
    rows = list(uow.session.scalars(stmt.order_by(FinancingOfferRow.created_at)))
    if a.org_id in app.funder_org_ids and a.org_id != app.applicant_org_id:
        rows = [r for r in rows if r.funder_org_id == a.org_id]  # funders don't see rivals
    return rows


def application_dict(uow: UnitOfWork, app: FinancingApplicationRow) -> dict[str, Any]:
    out: dict[str, Any] = jsonable(
        {
            "id": app.id,
            "scenario": app.scenario,
            "status": app.status,
            "channel": app.channel,
            "priority": app.priority,
            "applicant_org_id": app.applicant_org_id,
            "debtor_org_id": app.debtor_org_id,
            "funder_org_ids": app.funder_org_ids,
            "funder_org_id": app.funder_org_id,
            "amount": app.amount,
            "outstanding": app.outstanding,
            "repaid": Money(app.repaid_minor, app.currency),
            "due_on": app.due_on,
            "due_requested_on": app.due_requested_on,
            "due_provisional": app.due_provisional,
            "asset": app.asset,
            "collateral": app.collateral,
            "evidence": app.evidence,
            "checks": app.checks,
            "registrations": app.registrations,
            "payment_redirect": app.payment_redirect,
            "cover_policy_id": app.cover_policy_id,
            "accepted_offer_id": app.accepted_offer_id,
            "submitted_at": app.submitted_at,
            "decided_at": app.decided_at,
            "decision_seconds": app.decision_seconds,
            "note": app.note,
            "offers": [offer_dict(o) for o in offers_of(uow, app)],
            # Only while it matters: registered financings need no query per row of a list.
            "reservations": reservations_of(uow, app.id)
            if app.accepted_offer_id and app.status in (S.ACCEPTED.value, S.WITHDRAWN.value)
            else [],
        }
    )
    return out


def offer_dict(o: FinancingOfferRow) -> dict[str, Any]:
    out: dict[str, Any] = jsonable(
        {
            "id": o.id,
            "application_id": o.application_id,
            "funder_org_id": o.funder_org_id,
            "rate": o.rate,
            "amount": Money(o.amount_minor, o.currency),
            "interest": Money(o.interest_minor, o.currency),
            "fee": Money(o.fee_minor, o.currency),
            "proceeds": Money(o.proceeds_minor, o.currency),
            "pricing": o.pricing,
            "status": o.status,
            "automatic": o.automatic,
            "expires_at": o.expires_at,
        }
    )
    return out
