"""Money after acceptance: disbursement, repayment, closing, overdue, default, claim payment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from scf.core.errors import Conflict, InvalidInput, NotFound
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import model as M
from scf.financing.applications import S, application_dict, find_application, move
from scf.financing.claims import claim_dict, open_claim
from scf.financing.common import FUNDERS, INSURERS
from scf.financing.config import get_financing_settings
from scf.financing.context import scenario_context
from scf.financing.idempotency import idempotent
from scf.financing.inbox import notify
from scf.financing.reservations import release_expired_reservations
from scf.financing.scenario import get_scenario
from scf.financing.tables import ClaimRow, FinancingApplicationRow, FinancingOfferRow
from scf.financing.warehouse import cure_margin_calls
from scf.parties import service as parties


def disburse(uow: UnitOfWork, app_id: str, key: str | None) -> dict[str, Any]:
    """The funder instructs the disbursement of the proceeds (only after registration)."""

    def run() -> dict[str, Any]:
        app = find_application(uow, app_id)
        if uow.actor.org_id != app.funder_org_id and not uow.actor.is_system:
            raise NotFound(f"application {app_id} not found")
        return _disburse(uow, app)

    return idempotent(uow, key, f"disburse:{app_id}", {}, run)


def _disburse(uow: UnitOfWork, app: FinancingApplicationRow) -> dict[str, Any]:
    sc = get_scenario(app.scenario)
    if app.status == S.ACCEPTED.value:
        raise Conflict(
            "cannot disburse before registration: the funder files the registration first",
            code="not_registered",
        )
    M.advance(app.status, S.DISBURSED, "disburse")
    offer = uow.session.get(FinancingOfferRow, app.accepted_offer_id)
    assert offer is not None
    value_date = uow.calendar.adjust(uow.today())
    instruction = {
        "application_id": app.id,
        "payer_org_id": app.funder_org_id,
        "payee_org_id": app.applicant_org_id,
        "amount": Money(offer.proceeds_minor, app.currency).as_json(),
        "value_date": value_date.isoformat(),
        "reference": f"SCF-{app.id}",
    }
    app.outstanding_minor = app.amount_minor
    app.disbursed_at = uow.now()
    app.evidence = {**app.evidence, "disbursement": instruction}
    move(uow, app, S.DISBURSED, "disburse")
    notify(
        uow,
        app.applicant_org_id,
        "disbursed",
        f"{Money(offer.proceeds_minor, app.currency)} on its way",
        f"Repay {app.amount} by {app.due_on.isoformat()}.",
        app.id,
    )
    if sc.self_funded:
        # Paying early settles the receivable at the discount: nothing stays outstanding.
        app.outstanding_minor = 0
        app.repaid_minor = app.amount_minor
        app.closed_at = uow.now()
        move(uow, app, S.CLOSED, "close")
    return {"instruction": instruction, "application": application_dict(uow, app)}


def repay(uow: UnitOfWork, app_id: str, amount: Money, key: str | None) -> dict[str, Any]:
    """The funder books money received (from the debtor or the applicant); paid in full closes
    the financing and cancels its registrations."""

    def run() -> dict[str, Any]:
        parties.require_role(uow.actor, *FUNDERS)
        app = find_application(uow, app_id)
        if uow.actor.org_id != app.funder_org_id:
            raise NotFound(f"application {app_id} not found")
        if app.status not in (S.DISBURSED.value, S.OVERDUE.value):
            raise Conflict(
                f"nothing to repay: the application is {app.status}", code="invalid_transition"
            )
        if amount.currency != app.currency:
            raise InvalidInput(f"the financing is in {app.currency}", field="amount.currency")
        if not amount.is_positive() or amount > app.outstanding:
            raise InvalidInput(
                f"between 0.01 and the outstanding {app.outstanding}", field="amount.amount"
            )
        before = app.snapshot()
        app.outstanding_minor -= amount.minor
        app.repaid_minor += amount.minor
        uow.audit(
            "financing.repaid",
            "financing_application",
            app.id,
            before=before,
            after={**app.snapshot(), "paid": amount.as_json()},
            org_id=app.applicant_org_id,
        )
        if app.outstanding_minor == 0:
            close_financing(uow, app, "repaid in full")
        else:
            uow.flush()
        return application_dict(uow, app)

    return idempotent(uow, key, f"repay:{app_id}", {"amount": amount.as_json()}, run)


def close_financing(uow: UnitOfWork, app: FinancingApplicationRow, reason: str) -> None:
    """Close a paid financing: the scenario releases its filings, margin calls are cured."""
    sc = get_scenario(app.scenario)
    sc.release(scenario_context(uow, app.applicant_org_id), app, reason)
    app.closed_at = uow.now()
    cure_margin_calls(uow, app)
    move(uow, app, S.CLOSED, "close")
    notify(uow, app.applicant_org_id, "closed", f"Financing {app.id} closed", reason, app.id)


def run_overdue(uow: UnitOfWork) -> list[str]:
    """Mark every disbursed financing past its due date overdue (operator or scheduler)."""
    parties.require_role(uow.actor, "operator", "regulator")
    today = uow.today()
    moved = []
    for app in uow.session.scalars(
        select(FinancingApplicationRow).where(
            FinancingApplicationRow.status == S.DISBURSED.value,
            FinancingApplicationRow.due_on < today,
        )
    ):
        app.overdue_at = uow.now()
        move(uow, app, S.OVERDUE, "mark overdue")
        for org in {app.applicant_org_id, app.funder_org_id}:
            if org:
                notify(
                    uow, org, "overdue", f"Financing {app.id} overdue", str(app.outstanding), app.id
                )
        moved.append(app.id)
    release_expired_reservations(uow)
    uow.commit()
    return moved


def default_grace_working_days() -> int:
    """Working days after the due date before a funder may declare default (configuration)."""
    return get_financing_settings().default_after_working_days


def declare_default(uow: UnitOfWork, app_id: str) -> dict[str, Any]:
    """The funder declares an overdue financing in default after the grace period; cover opens
    a claim against the insurer, recourse turns to the seller."""
    parties.require_role(uow.actor, *FUNDERS)
    app = find_application(uow, app_id)
    if uow.actor.org_id != app.funder_org_id:
        raise NotFound(f"application {app_id} not found")
    if app.status == S.OVERDUE.value:
        earliest = uow.calendar.add_working_days(app.due_on, default_grace_working_days())
        if uow.today() < earliest:
            raise Conflict(
                f"a default can be declared from {earliest.isoformat()}",
                code="default_too_early",
            )
    app.defaulted_at = uow.now()
    move(uow, app, S.DEFAULTED, "declare default")
    claim = open_claim(uow, app) if app.cover_policy_id else None
    if app.asset.get("recourse") is True:
        notify(
            uow,
            app.applicant_org_id,
            "recourse",
            f"Recourse on financing {app.id}",
            f"The debtor defaulted; repay {app.outstanding} to the funder.",
            app.id,
        )
    uow.commit()
    return {
        "application": application_dict(uow, app),
        "claim": claim_dict(claim) if claim else None,
    }


def pay_claim(uow: UnitOfWork, claim_id: str, key: str | None) -> dict[str, Any]:
    """The insurer pays a claim; the covered loss is booked and the financing closes."""
    parties.require_role(uow.actor, *INSURERS)

    def run() -> dict[str, Any]:
        claim = uow.session.get(ClaimRow, claim_id)
        if claim is None or claim.insurer_org_id != uow.actor.org_id:
            raise NotFound(f"claim {claim_id} not found")
        if claim.status != "open":
            raise Conflict(f"claim {claim.id} is {claim.status}", code="claim_paid")
        app = uow.session.get(FinancingApplicationRow, claim.application_id)
        assert app is not None
        claim.paid_minor = claim.amount_minor
        claim.status = "paid"
        claim.paid_at = uow.now()
        app.repaid_minor += claim.amount_minor
        app.outstanding_minor -= claim.amount_minor
        uow.audit("financing.claim.paid", "claim", claim.id, after=claim_dict(claim))
        notify(uow, claim.claimant_org_id, "claim_paid", f"Claim {claim.id} paid", "", app.id)
        close_financing(uow, app, f"closed after default; claim {claim.id} paid")
        return claim_dict(claim)

    return idempotent(uow, key, f"claim:{claim_id}", {}, run)
