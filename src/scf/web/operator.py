"""The platform operator's pages: onboard an organization and give it users; post commodity
prices and revalue the goods pledged against them (margin calls)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from scf.core.errors import InvalidInput, NotFound
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.parties import service as parties
from scf.web.account import shown
from scf.web.common import Form, Pages
from scf.web.funder import margin_call_rows

ONBOARD_ROLES = (
    "supplier",
    "distributor",
    "core_enterprise",
    "marketplace",
    "bank",
    "factoring_company",
    "local_financial_org",
    "insurer",
    "guarantee_company",
    "warehouse",
    "logistics",
    "appraiser",
)
DISTRICTS = (
    "futian",
    "luohu",
    "nanshan",
    "yantian",
    "baoan",
    "longgang",
    "longhua",
    "pingshan",
    "guangming",
    "dapeng",
    "qianhai",
    "shenshan",
)
SIZES = ("micro", "small", "medium", "large")

pages = Pages("operator", home="/operator")
router = pages.router


@pages.view("/operator", "operator/home.html")
def operator(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the organizations, newest first, and the onboarding forms."""
    orgs, _ = parties.list_organizations(uow, limit=500)
    alerts, _ = parties.security_alerts(uow, limit=20)
    return {
        "security_alerts": [
            {
                "kind": a.kind,
                "subject": a.subject,
                "failures": a.failures,
                "client_address": a.client_address,
                "raised_at": shown(a.raised_at),
                "locked_until": shown(a.locked_until),
            }
            for a in alerts
        ],
        "orgs": sorted(orgs, key=lambda o: o.created_at, reverse=True),
        "roles": ONBOARD_ROLES,
        "districts": DISTRICTS,
        "sizes": SIZES,
        "today": uow.today(),
        "new_org": request.query_params.get("org") or "",
        "prices": [
            {
                "commodity": p.commodity,
                "unit": p.unit,
                "price": Money(p.price_minor, p.currency),
                "source": p.source,
                "as_of": shown(p.as_of),
            }
            for p in financing.list_prices(uow)[:50]
        ],
        **margin_call_rows(uow),
    }


@pages.command("/operator/organizations")
def operator_onboard(uow: UnitOfWork, form: Form) -> dict[str, str]:
    """Onboard an organization with one role; the page then offers to add its first user."""
    org = parties.register_organization(
        uow,
        parties.OrganizationInput(
            uscc=form.uscc("uscc"),
            name=form.text("name"),
            district=form.text("district"),
            roles=[form.text("role")],
            size_class=form.text("size_class"),
            founded_on=form.date("founded_on"),
            registered_capital=form.money("registered_capital"),
            licence_no=form.optional("licence_no"),
            licence_authority=form.optional("licence_authority"),
        ),
    )
    return {"ok": "saved", "org": org.id}


@pages.command("/operator/users")
def operator_user(uow: UnitOfWork, form: Form) -> None:
    """Give an organization a user (an administrator when ticked)."""
    org_id = form.text("org_id")
    try:
        parties.find_organization(uow, org_id)
    except NotFound:
        raise InvalidInput("choose an organization", field="org_id") from None
    parties.create_user(
        uow,
        org_id,
        form.text("username"),
        form.text("password"),
        is_admin=form.get("is_admin") == "1",
    )


@pages.command("/operator/prices")
def operator_price(uow: UnitOfWork, form: Form) -> None:
    """Post a commodity's price (CNY per unit) from a named source."""
    financing.set_commodity_price(
        uow, form.text("commodity"), form.text("unit"), form.money("price"), form.text("source")
    )


@pages.command("/operator/mark-to-market")
def operator_mark_to_market(uow: UnitOfWork, form: Form) -> dict[str, str]:
    """Revalue every live goods pledge at the latest prices; open or cure margin calls."""
    financing.mark_to_market(uow)
    return {"ok": "saved"}
