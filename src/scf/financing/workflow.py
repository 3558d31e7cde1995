"""The application's workflow: submit (the automatic checks), review, decline, register."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.core.errors import Conflict, InvalidInput, NotFound
from scf.core.money import Money, check_settlement_currency
from scf.core.uow import UnitOfWork, jsonable
from scf.financing import model as M
from scf.financing.applications import S, find_application, move, new_application
from scf.financing.checks import Check, CheckContext, CheckRun, run_checks
from scf.financing.checks_asset import (
    check_amount,
    check_asset,
    check_asset_reservations,
    check_authenticity,
    check_cover,
    check_invoice_fingerprints,
    check_registry_conflicts,
    check_scenario_rules,
    scenario_review,
)
from scf.financing.checks_limits import check_applicant_limit, check_exposure_caps
from scf.financing.checks_parties import (
    check_applicant_lists,
    check_circular_trade,
    check_debtor_lists,
    check_exclusive_chains,
    check_funders,
    check_related_party,
)
from scf.financing.common import FUNDERS, acting_org
from scf.financing.config import get_financing_settings
from scf.financing.context import scenario_context
from scf.financing.inbox import notify
from scf.financing.offers import send_to_funders
from scf.financing.reservations import (
    CANCELLED,
    REGISTERED,
    asset_keys,
    refuse_if_reserved,
    release_reservation,
)
from scf.financing.scenario import get_scenario
from scf.financing.tables import CoverPolicyRow, FinancingApplicationRow, FinancingOfferRow
from scf.parties import service as parties


@dataclass(frozen=True)
class ApplicationInput:
    scenario: str
    amount: Money
    asset: dict[str, Any]
    funder_org_ids: list[str]


# The platform's automatic checks of every application, in the order they run.
PLATFORM_CHECKS: tuple[Check, ...] = (
    check_applicant_lists,
    check_exclusive_chains,
    check_amount,
    check_funders,
    check_asset,
    check_debtor_lists,
    check_exposure_caps,
    check_scenario_rules,
    check_registry_conflicts,
    check_asset_reservations,
    check_invoice_fingerprints,
    check_authenticity,
    check_related_party,
    check_circular_trade,
    check_applicant_limit,
    check_cover,
)


def application_checks(ctx: CheckContext) -> Iterator[Check]:
    """Yield the platform's checks, a review per reason the assessment gave, then the scenario's."""
    yield from PLATFORM_CHECKS
    yield from (scenario_review(reason) for reason in ctx.view.escalate)
    yield from ctx.scenario.checks()


def _check_context(uow: UnitOfWork, data: ApplicationInput) -> CheckContext:
    sc = get_scenario(data.scenario)
    applicant = acting_org(uow, sc.applicant_roles, "an application is made by an enterprise")
    settings = get_financing_settings()
    return CheckContext(
        uow=uow,
        scenario=sc,
        applicant=parties.find_organization(uow, applicant),
        amount=data.amount,
        asset=data.asset,
        funder_org_ids=data.funder_org_ids,
        settings=settings,
    )


def _in_key_chain(ctx: CheckContext) -> bool:
    return bool(ctx.chain_tags & set(ctx.settings.key_chains))


def _green_channel(ctx: CheckContext, run: CheckRun) -> bool:
    """Tell whether a red-listed or key-chain applicant passed everything within the green cap."""
    cap = ctx.settings.green_cap(ctx.amount.currency)
    return (
        (ctx.red_listed or _in_key_chain(ctx))
        and not run.escalations
        and cap is not None
        and ctx.amount <= cap
    )


def _record_application(ctx: CheckContext, run: CheckRun, green: bool) -> FinancingApplicationRow:
    view = ctx.view
    return new_application(
        ctx.uow,
        scenario=ctx.scenario.code,
        applicant=ctx.applicant,
        debtor_org_id=view.debtor_org_id,
        amount=ctx.amount,
        due_on=ctx.due_on,
        due_requested_on=ctx.due_rolled.requested if ctx.due_rolled else ctx.due_on,
        due_provisional=bool(ctx.due_rolled and ctx.due_rolled.provisional),
        asset=jsonable(dict(ctx.asset)),
        collateral=[
            {
                "kind": r.kind,
                "identifier": r.identifier,
                "quantity": None if r.quantity is None else str(r.quantity),
            }
            for r in view.collateral
        ],
        evidence=jsonable({**view.evidence, "fingerprints": view.fingerprints, **view.facts}),
        checks=run.records(),
        funder_org_ids=ctx.funders,
        channel=M.Channel.GREEN if green else M.Channel.STANDARD,
        priority=(1 if ctx.red_listed else 0) + (1 if _in_key_chain(ctx) else 0),
        chain_tags=sorted(ctx.chain_tags),
        tier=view.tier,
        red_listed=ctx.red_listed,
        submitted_at=ctx.uow.now(),
        cover_policy_id=ctx.policy.id if ctx.policy else None,
    )


def submit_application(
    uow: UnitOfWork, data: ApplicationInput, *, commit: bool = True
) -> FinancingApplicationRow:
    """Apply for financing: run every automatic check, then send to the chosen funders.

    Refusals (black list, funder not white-listed, collateral already registered, duplicate
    invoice, self-financing, the scenario's own rules) raise and store nothing; findings a
    person must weigh (related parties, circular trade, weak trade evidence, over the risk
    limit) send the application to review. Key-chain and red-listed applicants that pass
    everything within the green limit get priced offers at once (the green channel).
    `commit=False` joins the caller's unit of work (a tsin.001 request of several invoices
    lands whole or not at all).
    """
    ctx = _check_context(uow, data)
    check_settlement_currency(ctx.amount.currency, "amount")
    run = run_checks(ctx, application_checks(ctx))
    run.raise_refusal()
    green = _green_channel(ctx, run)
    app = _record_application(ctx, run, green)
    uow.audit("financing.submitted", "financing_application", app.id, after=app.snapshot())
    if run.escalations:
        move(uow, app, S.ESCALATED, "escalate")
        app.note = "; ".join(run.escalations)
        notify(
            uow,
            app.applicant_org_id,
            "escalated",
            f"Application {app.id} in review",
            app.note,
            app.id,
        )
    elif not ctx.scenario.self_funded:
        send_to_funders(uow, app, ctx.scenario, ctx.products, automatic=green)
    if commit:
        uow.commit()
    return app


def review(uow: UnitOfWork, app_id: str, approve: bool, note: str) -> FinancingApplicationRow:
    """The operator decides an escalated application: send it on, or refuse it."""
    parties.require_role(uow.actor, "operator")
    app = find_application(uow, app_id)
    if not note.strip():
        raise InvalidInput("say why", field="note")
    sc = get_scenario(app.scenario)
    app.note = f"{app.note}\nreview: {note.strip()}".strip()
    if approve:
        if sc.self_funded:
            raise Conflict("nothing to send", code="invalid_transition")
        if app.status != S.ESCALATED.value:
            M.advance(app.status, S.SENT, "approve after review")
        send_to_funders(uow, app, sc)
    else:
        move(uow, app, S.REFUSED, "refuse after review")
        notify(uow, app.applicant_org_id, "refused", f"Application {app.id} refused", note, app.id)
    uow.commit()
    return app


def decline(uow: UnitOfWork, app_id: str, reason: str) -> FinancingApplicationRow:
    """A funder declines; when every funder has declined the application is refused."""
    parties.require_role(uow.actor, *FUNDERS)
    app = find_application(uow, app_id)
    funder = uow.actor.org_id
    if funder is None or funder not in app.funder_org_ids:
        raise NotFound(f"application {app_id} not found")
    if app.status not in (S.SENT.value, S.OFFERED.value):
        M.advance(app.status, S.REFUSED, "decline")
    declined = {d["funder_org_id"] for d in app.evidence.get("declined", [])}
    if funder in declined:
        raise Conflict("you already declined", code="already_declined")
    app.evidence = {
        **app.evidence,
        "declined": [
            *app.evidence.get("declined", []),
            {"funder_org_id": funder, "reason": reason},
        ],
    }
    for o in uow.session.scalars(
        select(FinancingOfferRow).where(
            FinancingOfferRow.application_id == app.id,
            FinancingOfferRow.funder_org_id == funder,
            FinancingOfferRow.status == M.OfferStatus.OPEN.value,
        )
    ):
        o.status = M.OfferStatus.DECLINED.value
    uow.audit("financing.declined", "financing_application", app.id, after={"reason": reason})
    if declined | {funder} >= set(app.funder_org_ids):
        move(uow, app, S.REFUSED, "refuse")
        notify(uow, app.applicant_org_id, "refused", f"Application {app.id}", reason, app.id)
    uow.commit()
    return app


CANCELLABLE = frozenset({S.ESCALATED.value, S.SENT.value, S.OFFERED.value, S.ACCEPTED.value})


def cancel_application(uow: UnitOfWork, app_id: str, reason: str) -> FinancingApplicationRow:
    """The applicant withdraws its application before registration, or the accepting funder
    cancels an accepted one; open offers lapse and the asset's reservation is released."""
    app = find_application(uow, app_id)
    org = uow.actor.org_id
    by_funder = org is not None and org == app.funder_org_id and org != app.applicant_org_id
    if org != app.applicant_org_id and not by_funder:
        raise NotFound(f"application {app_id} not found")
    if app.status not in CANCELLABLE or (by_funder and app.status != S.ACCEPTED.value):
        M.advance(app.status, S.WITHDRAWN, "cancel the application")
    for o in uow.session.scalars(
        select(FinancingOfferRow).where(
            FinancingOfferRow.application_id == app.id,
            FinancingOfferRow.status == M.OfferStatus.OPEN.value,
        )
    ):
        o.status = M.OfferStatus.LAPSED.value
        notify(uow, o.funder_org_id, "lapsed", f"Offer {o.id} lapsed", reason, app.id)
    release_reservation(uow, app, CANCELLED)
    app.note = f"{app.note}\ncancelled: {reason.strip()}".strip() if reason.strip() else app.note
    move(uow, app, S.WITHDRAWN, "cancel the application")
    uow.audit("financing.cancelled", "financing_application", app.id, after={"reason": reason})
    told = app.applicant_org_id if by_funder else app.funder_org_id
    if told:
        notify(uow, told, "cancelled", f"Application {app.id} cancelled", reason, app.id)
    uow.commit()
    return app


def register(uow: UnitOfWork, app_id: str) -> FinancingApplicationRow:
    """The funder files what the scenario registers (refused if an earlier filing exists)."""
    parties.require_role(uow.actor, *FUNDERS)
    app = find_application(uow, app_id)
    if uow.actor.org_id != app.funder_org_id:
        raise NotFound(f"application {app_id} not found")
    register_financing(uow, app)
    uow.commit()
    return app


def register_financing(uow: UnitOfWork, app: FinancingApplicationRow) -> None:
    """File the scenario's registrations for an accepted application and draw its cover."""
    sc = get_scenario(app.scenario)
    M.advance(app.status, S.REGISTERED, "register")
    assert app.funder_org_id is not None
    # Past its reservation's time the funder may still register, unless another
    # institution's acceptance has taken the asset since.
    refuse_if_reserved(uow, asset_keys(app.collateral), other_than=app.id)
    if not sc.self_funded:
        parties.require_licensed_funder(uow, app.funder_org_id)
    offer = uow.session.get(FinancingOfferRow, app.accepted_offer_id)
    assert offer is not None
    months = max(1, -(-(app.due_on - uow.today()).days // 30) + 1)
    ctx = scenario_context(uow, app.applicant_org_id)
    app.registrations = sc.register(ctx, app, app.funder_org_id, Decimal(offer.rate), months)
    sc.after_registration(ctx, app)
    if app.cover_policy_id:
        pol = uow.session.get(CoverPolicyRow, app.cover_policy_id)
        assert pol is not None
        pol.used_minor += app.amount_minor
    release_reservation(uow, app, REGISTERED)
    move(uow, app, S.REGISTERED, "register")
