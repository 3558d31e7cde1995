"""The financial institution's pages (banks, factoring companies, local financial
organizations): applications and certificate financings to decide with the applicant's risk
view, the portfolio and exposures by core enterprise."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from scf.certificates import service as certificates
from scf.core.errors import DomainError, NotFound
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.registry import service as registry
from scf.risk import service as risk
from scf.web.account import shown
from scf.web.common import Form, Pages, idem_key, language, org_names
from scf.web.names import certificate_names

FUNDERS = ("bank", "factoring_company", "local_financial_org")
FUNDED = ("accepted", "registered", "disbursed", "overdue", "defaulted", "closed")

pages = Pages(*FUNDERS, home="/fi")
router = pages.router


def _risk_view(uow: UnitOfWork, org_id: str, piece_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"score": None, "findings": None, "conflicts": []}
    try:
        hist = risk.score_history(uow, org_id, limit=1)
        out["score"] = hist[0] if hist else None
        out["findings"] = [f.as_dict() for f in risk.graph_findings(uow, org_id)]
    except NotFound:
        out["consent"] = False
    else:
        out["consent"] = True
    try:
        out["conflicts"] = registry.search(
            uow,
            registry.SearchQuery(
                collateral=registry.CollateralRef("certificate_piece", piece_id),
                include_history=False,
            ),
        )
    except (DomainError, TypeError, AttributeError):
        out["conflicts"] = []
    return out


def _app_risk_view(uow: UnitOfWork, app: dict[str, Any]) -> dict[str, Any]:
    """The applicant's score and graph findings (under its consent), the application's own
    check results and any live registration on its collateral."""
    out = _risk_view(uow, app["applicant_org_id"], "")
    refs = [
        registry.CollateralRef(c["kind"], c["identifier"])
        for c in app["collateral"]
        if c.get("kind") and c.get("identifier")
    ]
    try:
        out["conflicts"] = registry.conflicts(uow, refs) if refs else []
    except (DomainError, TypeError, AttributeError):
        out["conflicts"] = []
    return out


def _applications(uow: UnitOfWork, me: str | None) -> list[dict[str, Any]]:
    """The applications sent to this institution that still wait for its offer or a reply."""
    apps = []
    for a in financing.list_applications(uow):
        if me in a.funder_org_ids and a.status in ("sent", "offered"):
            d = financing.application_dict(uow, a)
            d["mine"] = next((o for o in d["offers"] if o["funder_org_id"] == me), None)
            apps.append(d)
    return apps


def margin_call_rows(uow: UnitOfWork) -> dict[str, Any]:
    """The margin calls the actor may see, each with its financing's applicant and amounts,
    and the names of the applicants (`calls`, `call_names` for funder/margin_calls.html)."""
    rows = []
    for c in financing.margin_calls(uow):
        app = financing.application_dict(uow, financing.get_application(uow, c.application_id))
        rows.append(
            {
                "application_id": c.application_id,
                "applicant_org_id": app["applicant_org_id"],
                "outstanding": app["outstanding"],
                "value": Money(c.value_minor, c.currency),
                "shortfall": Money(c.shortfall_minor, c.currency),
                "ltv": c.ltv,
                "threshold": c.threshold,
                "status": c.status,
                "opened_at": shown(c.opened_at),
            }
        )
    names = org_names(uow, {r["applicant_org_id"] for r in rows})
    return {"calls": rows, "call_names": names}


@pages.view("/fi", "funder/home.html")
def fi(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show what waits for a decision, with risk views, and what is financed."""
    me = uow.actor.org_id
    records = certificates.financing_records(uow)
    incoming = [f for f in records if f["funder_org_id"] == me and f["status"] == "offered"]
    views = {f["id"]: _risk_view(uow, f["seller_org_id"], f["piece_id"]) for f in incoming}
    portfolio = [f for f in records if f["funder_org_id"] == me and f["status"] == "financed"]
    exposures = certificates.institution_exposures(uow)
    apps = _applications(uow, me)
    app_views = {a["id"]: _app_risk_view(uow, a) for a in apps}
    funded = [
        financing.application_dict(uow, a)
        for a in financing.list_applications(uow)
        if a.funder_org_id == me and a.status in FUNDED
    ]
    ids = {f["seller_org_id"] for f in records} | {f["issuer_org_id"] for f in records}
    ids |= {e["core_org_id"] for e in exposures}
    ids |= {a["applicant_org_id"] for a in apps + funded}
    ids |= {a["debtor_org_id"] for a in apps + funded if a["debtor_org_id"]}
    for view in (*views.values(), *app_views.values()):
        ids |= {i for fd in view.get("findings") or [] for i in fd["org_ids"]}
    uow.commit()  # keep the access-log entries of the risk reads
    return {
        "incoming": incoming,
        "apps": apps,
        "app_views": app_views,
        "funded": funded,
        "views": views,
        "portfolio": portfolio,
        "exposures": exposures,
        **margin_call_rows(uow),
        "idem": idem_key(),
        "today": uow.today(),
        "names": org_names(uow, ids),
        "cert_names": certificate_names(
            uow, language(request), {f["certificate_id"] for f in records}
        ),
    }


@pages.command("/fi/applications/{app_id}/{decision}")
def fi_application(uow: UnitOfWork, form: Form, app_id: str, decision: str) -> None:
    """Make an offer on an application (at the rate typed, or the product's price), or decline
    it with a reason; then file its registrations, disburse and book repayments."""
    if decision == "offer":
        typed = form.text("pricing") != "product" and form.optional("rate") is not None
        financing.make_offer(uow, app_id, form.rate("rate") if typed else None)
    elif decision == "decline":
        financing.decline(uow, app_id, form.text("reason") or "declined")
    elif decision == "register":
        financing.register(uow, app_id)
    elif decision == "disburse":
        financing.disburse(uow, app_id, form.idem())
    elif decision == "repay":
        financing.repay(uow, app_id, form.money("amount"), form.idem())
    else:
        raise NotFound("no such decision")


@pages.command("/fi/financings/{financing_id}/{decision}")
def fi_decide(uow: UnitOfWork, form: Form, financing_id: str, decision: str) -> None:
    """Accept or decline a certificate piece offered for financing."""
    if decision == "accept":
        certificates.accept_financing(uow, financing_id)
    elif decision == "decline":
        certificates.decline_financing(uow, financing_id)
    else:
        raise NotFound("no such decision")
