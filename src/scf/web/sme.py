"""The enterprise's pages (suppliers, distributors, marketplaces): receivables and their
authenticity, certificates held, financing applications and offers, payables to confirm
and the consents it grants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import Request

from scf.certificates import service as certificates
from scf.core.errors import InvalidInput
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.parties import service as parties
from scf.trade import service as trade
from scf.web.common import Form, Pages, idem_key, language, org_names
from scf.web.core import confirm_selected
from scf.web.names import certificate_names

ENTERPRISE = ("supplier", "distributor", "marketplace")

pages = Pages(*ENTERPRISE, home="/sme")
router = pages.router


def _funders(uow: UnitOfWork) -> list[tuple[str, str]]:
    ids = {e.org_id for e in parties.list_entries(uow, "white", live_only=True)}
    return sorted(org_names(uow, ids).items(), key=lambda x: x[1])


@pages.view("/sme", "sme/home.html")
def sme(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show what the enterprise is owed, holds, applied for, owes and has shared."""
    me = uow.actor.org_id
    rcvs, _ = trade.list_receivables(uow, limit=200)
    rows = []
    for r in rcvs:
        a = trade.assess_receivable(uow, r.id) if r.seller_org_id == me else None
        rows.append({"r": r, "a": a})
    pieces = certificates.list_pieces(uow)
    consents = parties.list_consents(uow)
    scenario_opts = financing.scenario_choices(uow)
    assets = [
        (f"receivable_id:{r.id}", r.debtor_org_id, r.unused_confirmed)
        for r in rcvs
        if r.seller_org_id == me and r.unused_confirmed.is_positive()
    ] + [(f"piece_id:{p.id}", None, p.face) for p in pieces]
    apps = [financing.application_dict(uow, a) for a in financing.list_applications(uow)]
    ids = {r.seller_org_id for r in rcvs} | {r.debtor_org_id for r in rcvs}
    ids |= {p.from_org_id for p in pieces if p.from_org_id}
    ids |= {c.grantee_org_id for c in consents}
    ids |= {o["funder_org_id"] for a in apps for o in a["offers"]}
    return {
        "rows": rows,
        "pieces": pieces,
        "consents": consents,
        "names": org_names(uow, ids),
        "cert_names": certificate_names(uow, language(request), {p.certificate_id for p in pieces}),
        "funders": _funders(uow),
        "scenario_opts": scenario_opts,
        "assets": assets,
        "apps": apps,
        "idem": idem_key(),
        "me": me,
        "payables": [r for r in rcvs if r.debtor_org_id == me and r.status == "open"],
    }


@pages.command("/sme/confirm")
def sme_confirm(uow: UnitOfWork, form: Form) -> None:
    """A buyer that is itself an enterprise (a distributor, a tier-1 supplier) confirms what
    it owes, as the core enterprise does."""
    confirm_selected(uow, form)


@pages.command("/sme/financing")
def sme_apply(uow: UnitOfWork, form: Form) -> None:
    """Apply in the financing room: one scenario, one asset, several funders at once."""
    key, _, asset_id = form.text("asset").partition(":")
    if key not in ("receivable_id", "piece_id") or not asset_id:
        raise InvalidInput("choose a receivable or a piece you hold", field="asset")
    financing.submit_application(
        uow,
        financing.ApplicationInput(
            scenario=form.text("scenario"),
            amount=form.money("amount"),
            asset={key: asset_id},
            funder_org_ids=form.many("funder_org_ids[]"),
        ),
    )


@pages.command("/sme/offers/{offer_id}/accept")
def sme_accept(uow: UnitOfWork, form: Form, offer_id: str) -> None:
    """Accept one funder's offer."""
    financing.accept_offer(uow, offer_id, form.idem())


@pages.command("/sme/consents", roles=(*ENTERPRISE, "core_enterprise"))
def sme_consent(uow: UnitOfWork, form: Form) -> None:
    """Let an institution read these records for 180 days."""
    parties.grant_consent(
        uow, form.text("grantee_org_id"), form.many("scopes[]"), uow.now() + timedelta(days=180)
    )


@pages.command("/sme/consents/{consent_id}/revoke", roles=(*ENTERPRISE, "core_enterprise"))
def sme_revoke(uow: UnitOfWork, form: Form, consent_id: str) -> None:
    """Take a consent back."""
    parties.revoke_consent(uow, consent_id)
