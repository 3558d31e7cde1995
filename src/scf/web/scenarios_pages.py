"""The district scenarios' pages: the scenario catalogue with the year each was enabled (every
role); marketplace payouts, where a seller records a payout and applies for an advance against
it and the marketplace confirms it; the operator's FX rates, loaded with source and time."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request

from scf.core.errors import InvalidInput
from scf.core.i18n import N_
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.parties import service as parties
from scf.parties.model import Role
from scf.scenarios import service as scn
from scf.web.common import Form, Pages, money_in, org_names

SELLERS = ("supplier", "distributor")
SHANGHAI = ZoneInfo("Asia/Shanghai")

pages = Pages(*SELLERS, "marketplace", home="/scenarios/payouts")
router = pages.router


@pages.view("/scenarios", "scenarios/catalogue.html", roles=tuple(r.value for r in Role))
def scenario_catalogue(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Every installed scenario, the year it was enabled and the count against the target."""
    return {"cat": scn.catalogue(uow)}


def _funders(uow: UnitOfWork) -> list[tuple[str, str]]:
    offering = {p.funder_org_id for p in financing.list_products(uow, "cross_border_payout")}
    return sorted(org_names(uow, offering).items(), key=lambda x: x[1])


@pages.view("/scenarios/payouts", "scenarios/payouts.html")
def scenario_payouts(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """The seller's payouts and its applications against them; the marketplace's to confirm."""
    rows = [scn.payout_dict(p) for p in scn.list_payouts(uow)]
    ids = {p["marketplace_org_id"] for p in rows} | {p["seller_org_id"] for p in rows}
    is_seller = uow.actor.has(*SELLERS)
    return {
        "payouts": rows,
        "names": org_names(uow, ids),
        "is_seller": is_seller,
        "is_marketplace": uow.actor.has("marketplace"),
        "funders": _funders(uow) if is_seller else [],
        "currencies": scn.PAYOUT_CURRENCIES,
        "advance_currencies": scn.ADVANCE_CURRENCIES,
        "today": uow.today(),
    }


def _history(form: Form, currency: str) -> list[dict[str, Any]]:
    """Monthly sales typed one a line: `2025-01 41000.00`."""
    out = []
    for n, line in enumerate(form.text("sales_history").splitlines()):
        if not line.strip():
            continue
        month, _, amount = line.strip().partition(" ")
        if not amount.strip():
            raise InvalidInput(N_("one month a line: YYYY-MM amount"), field="sales_history")
        amount_field = f"sales_history[{n}].amount"
        out.append({"month": month, "amount": money_in(amount.strip(), currency, amount_field)})
    return out


@pages.command("/scenarios/payouts", roles=SELLERS)
def scenario_record_payout(uow: UnitOfWork, form: Form) -> None:
    """Record a payout a marketplace owes, with the monthly sales there."""
    currency = form.text("currency")
    market = parties.find_by_uscc(uow, form.uscc("marketplace_uscc"))
    if market is None:
        raise InvalidInput(N_("no marketplace has this USCC"), field="marketplace_uscc")
    scn.record_payout(
        uow,
        marketplace_org_id=market.id,
        reference=form.text("reference"),
        amount=form.money("amount", currency),
        due_on=form.date("due_on"),
        sales_history=_history(form, currency),
    )


@pages.command("/scenarios/payouts/{payout_id}/confirm", roles=("marketplace",))
def scenario_confirm_payout(uow: UnitOfWork, form: Form, payout_id: str) -> None:
    """The marketplace confirms it owes the payout."""
    scn.confirm_payout(uow, payout_id)


@pages.command("/scenarios/payouts/apply", roles=SELLERS)
def scenario_apply(uow: UnitOfWork, form: Form) -> None:
    """Apply for an advance in CNY or HKD against a confirmed payout."""
    currency = form.text("advance_currency") or "CNY"
    financing.submit_application(
        uow,
        financing.ApplicationInput(
            scenario="cross_border_payout",
            amount=form.money("amount", currency),
            asset={"payout_id": form.text("payout_id"), "advance_currency": currency},
            funder_org_ids=form.many("funder_org_ids[]"),
        ),
    )


fx_pages = Pages("operator", home="/scenarios/fx-rates")
fx_router = fx_pages.router


@fx_pages.view("/scenarios/fx-rates", "scenarios/fx_rates.html")
def scenario_fx_rates(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """The rates loaded, newest first, and the form to load one."""
    return {
        "rates": [scn.fx_dict(r) for r in scn.list_fx_rates(uow)],
        "currencies": scn.PAYOUT_CURRENCIES,
        "advance_currencies": scn.ADVANCE_CURRENCIES,
        "now": uow.now().astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
    }


@fx_pages.command("/scenarios/fx-rates")
def scenario_load_fx_rate(uow: UnitOfWork, form: Form) -> None:
    """Load a rate observed at a Shanghai time, with its source."""
    try:
        observed = datetime.fromisoformat(form.text("observed_at")).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise InvalidInput(N_("write the time as YYYY-MM-DD HH:MM"), field="observed_at") from None
    scn.load_fx_rate(
        uow,
        base=form.text("base"),
        quote=form.text("quote"),
        rate=form.text("rate").strip(),
        source=form.text("source"),
        observed_at=observed,
    )


ip_pages = Pages(*SELLERS, "appraiser", home="/scenarios/ip")
ip_router = ip_pages.router


@ip_pages.view("/scenarios/ip", "scenarios/ip.html")
def scenario_ip(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """The owner's rights and the loan form; the appraiser's rights to value."""
    rows = [scn.ip_dict(r) for r in scn.list_ip(uow)]
    is_owner = uow.actor.has(*SELLERS)
    offering = {p.funder_org_id for p in financing.list_products(uow, "ip_pledge")}
    return {
        "rights": rows,
        "names": org_names(uow, {r["owner_org_id"] for r in rows} | offering),
        "is_owner": is_owner,
        "is_appraiser": uow.actor.has("appraiser"),
        "kinds": ("patent", "software_copyright", "trademark"),
        "funders": sorted(org_names(uow, offering).items(), key=lambda x: x[1]),
        "today": uow.today(),
    }


@ip_pages.command("/scenarios/ip", roles=SELLERS)
def scenario_record_ip(uow: UnitOfWork, form: Form) -> None:
    """Record a right by its registration number."""
    scn.record_ip(
        uow,
        kind=form.text("kind"),
        registration_no=form.text("registration_no"),
        title=form.text("title"),
        expires_on=form.date("expires_on"),
    )


@ip_pages.command("/scenarios/ip/{ip_id}/valuation", roles=("appraiser",))
def scenario_value_ip(uow: UnitOfWork, form: Form, ip_id: str) -> None:
    """Value a right, with the haircut typed in percent."""
    scn.value_ip(
        uow,
        ip_id,
        value=form.money("value"),
        haircut=str(form.rate("haircut")),
        report_no=form.text("report_no"),
    )


@ip_pages.command("/scenarios/ip/apply", roles=SELLERS)
def scenario_apply_ip(uow: UnitOfWork, form: Form) -> None:
    """Apply for a loan on a valued right."""
    days = form.text("tenor_days").strip()
    if not days.isdigit() or int(days) < 1:
        raise InvalidInput(N_("a whole number of days above zero"), field="tenor_days")
    financing.submit_application(
        uow,
        financing.ApplicationInput(
            scenario="ip_pledge",
            amount=form.money("amount"),
            asset={"ip_id": form.text("ip_id"), "tenor_days": int(days)},
            funder_org_ids=form.many("funder_org_ids[]"),
        ),
    )
