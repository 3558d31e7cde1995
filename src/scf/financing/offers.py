"""Offers: sending an application to its funders, pricing, making and accepting offers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.core.errors import Conflict, InvalidInput, NotFound
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork, jsonable
from scf.financing import model as M
from scf.financing.applications import S, application_dict, find_application, move
from scf.financing.checks_limits import check_exposure_cap, check_risk_limit
from scf.financing.common import ENTERPRISE, FUNDERS
from scf.financing.config import get_financing_settings
from scf.financing.idempotency import idempotent
from scf.financing.inbox import notify
from scf.financing.products import product_for
from scf.financing.reservations import reserve
from scf.financing.scenario import Scenario, get_scenario
from scf.financing.tables import (
    CoverPolicyRow,
    FinancingApplicationRow,
    FinancingOfferRow,
    FunderProductRow,
)
from scf.parties import service as parties


def send_to_funders(
    uow: UnitOfWork,
    app: FinancingApplicationRow,
    sc: Scenario,
    products: dict[str, FunderProductRow] | None = None,
    *,
    automatic: bool = False,
) -> None:
    """Send the application to its funders; the green channel prices their offers at once."""
    move(uow, app, S.SENT, "send to funders")
    for f in app.funder_org_ids:
        notify(
            uow,
            f,
            "application",
            f"{sc.title}: application {app.id} for {app.amount}",
            f"Priority {app.priority}; channel {app.channel}.",
            app.id,
        )
    if automatic:
        for f in app.funder_org_ids:
            prod = (products or {}).get(f) or product_for(uow, f, sc.code, app.currency)
            within, decision = _green_decision(uow, app, f, prod)
            if within:
                price_offer(uow, app, sc, f, prod, automatic=True, decision=decision)


def _green_decision(
    uow: UnitOfWork, app: FinancingApplicationRow, funder: str, prod: FunderProductRow
) -> tuple[bool, dict[str, Any] | None]:
    """Whether the green channel may price the funder's offer at once, with its decision
    under the funder's unit authority (None when no unit governs the product); when the
    unit's officers must decide, the funder is told why and the application waits."""
    from scf.institutions import service as institutions

    decision, reason = institutions.authorize_green(
        uow,
        application_id=app.id,
        product_id=prod.id,
        amount=app.amount,
        tenor_days=(app.due_on - uow.today()).days,
    )
    if reason is None:
        return True, decision
    notify(
        uow,
        funder,
        "application",
        f"Green channel application {app.id}: an officer decides",
        f"Beyond the green channel's authority: {reason}.",
        app.id,
    )
    return False, None


def _segment(org: Any, red: bool) -> M.Segment:
    return M.Segment(org.size_class, frozenset(org.chain_tags), red)


def _price(
    uow: UnitOfWork,
    app: FinancingApplicationRow,
    sc: Scenario,
    prod: FunderProductRow | None,
    value_date: date,
    rate_override: Decimal | None,
) -> tuple[M.Price, Money]:
    """Price the application by the product's rate groups or at a set rate, with the premium."""
    org = parties.find_organization(uow, app.applicant_org_id)
    days = (app.due_on - value_date).days
    cover = Decimal(0)
    premium = Money.zero(app.currency)
    if app.cover_policy_id:
        pol = uow.session.get(CoverPolicyRow, app.cover_policy_id)
        assert pol is not None
        cover = Decimal(pol.cover_ratio)
        premium = app.amount.scale(Decimal(pol.premium_rate) * Decimal(days) / Decimal(360))
    fee = Money(prod.fee_minor, app.currency) if prod else Money.zero(app.currency)
    if rate_override is not None:
        p = M.price(
            amount=app.amount,
            days=days,
            base_rate=rate_override,
            groups=[],
            segment=_segment(org, False),
            red_list_discount=Decimal(0),
        )
    else:
        assert prod is not None
        p = M.price(
            amount=app.amount,
            days=days,
            base_rate=Decimal(prod.base_rate),
            groups=[M.RateGroup.parse(g, "rate_groups") for g in prod.rate_groups],
            segment=_segment(org, app.red_listed),
            red_list_discount=get_financing_settings().red_list_discount,
            scenario_spread=sc.spread(app.asset),
            cover_ratio=cover,
            fee=fee + premium,
        )
    return p, premium


def price_offer(
    uow: UnitOfWork,
    app: FinancingApplicationRow,
    sc: Scenario,
    funder: str,
    prod: FunderProductRow | None,
    *,
    automatic: bool,
    rate_override: Decimal | None = None,
    decision: dict[str, Any] | None = None,
) -> FinancingOfferRow:
    """Record the funder's priced offer on the application and tell the applicant."""
    value_date = uow.calendar.adjust(uow.today())
    p, premium = _price(uow, app, sc, prod, value_date, rate_override)
    hours = prod.offer_validity_hours if prod else get_financing_settings().offer_validity_hours
    now = uow.now()
    offer = FinancingOfferRow(
        id=new_id("fof"),
        application_id=app.id,
        funder_org_id=funder,
        product_id=prod.id if prod else None,
        currency=app.currency,
        amount_minor=app.amount_minor,
        rate=p.rate,
        interest_minor=p.interest.minor,
        fee_minor=p.fee.minor,
        proceeds_minor=p.proceeds.minor,
        pricing={**p.as_dict(), "premium": premium.as_json(), "value_date": value_date},
        status=M.OfferStatus.OPEN.value,
        automatic=automatic,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    offer.pricing = jsonable(offer.pricing)
    uow.session.add(offer)
    uow.flush()
    if decision is not None:
        from scf.institutions import service as institutions

        institutions.bind_offer(uow, decision["id"], offer.id)
    if app.status == S.SENT.value:
        move(uow, app, S.OFFERED, "record an offer")
    uow.audit(
        "financing.offer.made",
        "financing_application",
        app.id,
        after={
            "offer_id": offer.id,
            "funder_org_id": funder,
            **offer.pricing,
            **({"decided_under": decision} if decision else {}),
        },
        org_id=funder,
    )
    notify(
        uow,
        app.applicant_org_id,
        "offer",
        f"Offer {offer.id}: {p.rate} for {app.amount}",
        f"Proceeds {p.proceeds}; open until {offer.expires_at.isoformat()}.",
        app.id,
    )
    return offer


def make_offer(
    uow: UnitOfWork, app_id: str, rate: Decimal | None = None, *, commit: bool = True
) -> FinancingOfferRow:
    """A funder the application was sent to prices it by its own product's rate groups, or
    at the annual rate it names (the credit officer's own price).

    When the product belongs to one of the institution's supply chain finance units, the
    acting officer must hold the unit's authority for the amount, the tenor and any check
    the platform flagged (or a second officer must have approved above the unit's
    threshold); the offer records who decided under which authority. `commit=False` joins
    the caller's unit of work (the institutions room's approvals)."""
    parties.require_role(uow.actor, *FUNDERS)
    app = find_application(uow, app_id)
    funder = uow.actor.org_id
    if funder is None or funder not in app.funder_org_ids:
        raise NotFound(f"application {app_id} not found")
    parties.require_licensed_funder(uow, funder)
    if app.status not in (S.SENT.value, S.OFFERED.value):
        M.advance(app.status, S.OFFERED, "make an offer")
    existing = uow.session.scalar(
        select(FinancingOfferRow.id).where(
            FinancingOfferRow.application_id == app.id, FinancingOfferRow.funder_org_id == funder
        )
    )
    if existing is not None:
        raise Conflict(f"you already made offer {existing}", code="already_offered")
    sc = get_scenario(app.scenario)
    if rate is not None and not Decimal(0) < rate < Decimal(1):
        raise InvalidInput("an annual rate above 0 and below 100%", field="rate")
    prod = product_for(uow, funder, sc.code, app.currency)
    decision = _authorized(uow, app, prod)
    offer = price_offer(
        uow, app, sc, funder, prod, automatic=False, decision=decision, rate_override=rate
    )
    if commit:
        uow.commit()
    return offer


def _authorized(
    uow: UnitOfWork, app: FinancingApplicationRow, prod: FunderProductRow
) -> dict[str, Any] | None:
    """The institution's decision under its unit's authority, or None when no unit's
    authority governs the product; refuses an officer acting beyond it."""
    from scf.institutions import service as institutions

    return institutions.authorize_offer(
        uow,
        application_id=app.id,
        product_id=prod.id,
        amount=app.amount,
        tenor_days=(app.due_on - uow.today()).days,
        flagged=flagged_checks(app),
    )


def flagged_checks(app: FinancingApplicationRow) -> list[str]:
    """The automatic checks that asked a person to look at the application."""
    return [str(c["check"]) for c in app.checks if c.get("result") == "escalate"]


def _acceptable(
    uow: UnitOfWork, offer_id: str
) -> tuple[FinancingOfferRow, FinancingApplicationRow]:
    """Return the caller's open, unexpired offer and its application, or refuse saying why."""
    offer = uow.session.get(FinancingOfferRow, offer_id)
    app = uow.session.get(FinancingApplicationRow, offer.application_id) if offer else None
    if offer is None or app is None or app.applicant_org_id != uow.actor.org_id:
        raise NotFound(f"offer {offer_id} not found")
    if app.status != S.OFFERED.value or offer.status != M.OfferStatus.OPEN.value:
        raise Conflict(
            f"offer {offer.id} is {offer.status} and the application is {app.status}: "
            + (
                f"offer {app.accepted_offer_id} was already accepted"
                if app.accepted_offer_id
                else "it cannot be accepted now"
            ),
            code="already_accepted" if app.accepted_offer_id else "offer_not_open",
        )
    if uow.now() >= offer.expires_at:
        raise Conflict(
            f"offer {offer.id} expired at {offer.expires_at.isoformat()}; ask for a new one",
            code="offer_expired",
        )
    return offer, app


def accept_offer(uow: UnitOfWork, offer_id: str, key: str | None) -> dict[str, Any]:
    """The applicant accepts one open offer; the others lapse (idempotent per key)."""
    parties.require_role(uow.actor, *ENTERPRISE)

    def run() -> dict[str, Any]:
        offer, app = _acceptable(uow, offer_id)
        sc = get_scenario(app.scenario)
        if not sc.self_funded:
            parties.require_licensed_funder(uow, offer.funder_org_id)
            check_exposure_cap(
                uow,
                sc,
                offer.funder_org_id,
                app.debtor_org_id,
                app.amount,
                app.evidence.get("certificate_id"),
            )
            if sc.uses_applicant_limit(app.asset) and not any(
                c["check"] == "risk_limit" and c["result"] == "escalate" for c in app.checks
            ):
                check_risk_limit(uow, app.applicant_org_id, app.amount)
        return accept(uow, app, offer)

    return idempotent(uow, key, f"accept:{offer_id}", {}, run)


def accept(
    uow: UnitOfWork, app: FinancingApplicationRow, offer: FinancingOfferRow
) -> dict[str, Any]:
    """Accept the offer on the application, reserving its asset; the other open offers lapse."""
    reserve(uow, app, offer)
    offer.status = M.OfferStatus.ACCEPTED.value
    offer.decided_at = uow.now()
    for other in uow.session.scalars(
        select(FinancingOfferRow).where(
            FinancingOfferRow.application_id == app.id, FinancingOfferRow.id != offer.id
        )
    ):
        if other.status == M.OfferStatus.OPEN.value:
            other.status = M.OfferStatus.LAPSED.value
            notify(uow, other.funder_org_id, "lapsed", f"Offer {other.id} lapsed", "", app.id)
    app.accepted_offer_id = offer.id
    app.funder_org_id = offer.funder_org_id
    move(uow, app, S.ACCEPTED, "accept the offer")
    notify(uow, offer.funder_org_id, "accepted", f"Offer {offer.id} accepted", "", app.id)
    return application_dict(uow, app)
