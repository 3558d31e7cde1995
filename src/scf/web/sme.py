"""The enterprise's pages (suppliers, distributors, marketplaces): receivables and their
authenticity, certificates held, financing applications and offers, payables to confirm
and the consents it grants."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi import Request

from scf.certificates import service as certificates
from scf.core.errors import DomainError, InvalidInput
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.parties import service as parties
from scf.registry import service as registry
from scf.trade import service as trade
from scf.web.common import Form, Pages, idem_key, language, org_names
from scf.web.core import confirm_selected
from scf.web.names import certificate_names

ENTERPRISE = ("supplier", "distributor", "marketplace")
# The asset fields the page offers: each scenario reads the one it finances.
ASSET_KEYS = ("receivable_id", "piece_id", "order_id", "receipt")

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
    assets = _assets(uow, rcvs, pieces)
    policies = [p for p in financing.list_policies(uow) if p.insured_org_id == me]
    apps = [financing.application_dict(uow, a) for a in financing.list_applications(uow)]
    ids = {r.seller_org_id for r in rcvs} | {r.debtor_org_id for r in rcvs}
    ids |= {a["debtor"] for a in assets if a["debtor"]} | {p.debtor_org_id for p in policies}
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
        "policies": policies,
        "apps": apps,
        "idem": idem_key(),
        "me": me,
        "payables": [r for r in rcvs if r.debtor_org_id == me and r.status == "open"],
    }


def _assets(uow: UnitOfWork, rcvs: list[Any], pieces: list[Any]) -> list[dict[str, Any]]:
    """What the enterprise can finance: confirmed receivables not yet due nor used, certificate
    pieces it holds, purchase orders its buyers filed and warehouse receipts of its goods."""
    me, today = uow.actor.org_id, uow.today()
    out: list[dict[str, Any]] = [
        {
            "value": f"receivable_id:{r.id}",
            "kind": "receivable",
            "ref": r.due_date.isoformat(),
            "debtor": r.debtor_org_id,
            "amount": r.unused_confirmed,
        }
        for r in rcvs
        if r.seller_org_id == me and r.unused_confirmed.is_positive() and r.due_date > today
    ]
    out += [
        {
            "value": f"piece_id:{p.id}",
            "kind": "piece",
            "ref": p.id,
            "debtor": None,
            "amount": p.face,
        }
        for p in pieces
    ]
    out += [
        {
            "value": f"order_id:{o['id']}",
            "kind": "order",
            "ref": o["number"],
            "debtor": o["buyer_org_id"],
            "amount": o["total"],
        }
        for o in trade.confirmed_orders(uow)
    ]
    for g in registry.goods_held(uow, unpledged=True):
        free = Decimal(g["free"])
        if free <= 0:
            continue
        try:  # what the free goods are worth at the latest posted price
            value: Money | None = financing.latest_price(uow, g["commodity"]).scale(free)
        except DomainError:
            value = None
        out += [
            {
                "value": f"receipt:{key}",
                "kind": "receipt",
                "ref": f"{g['commodity']} {g['free']} {g['unit']}",
                "debtor": None,
                "amount": value,
            }
            for key in g["receipts"]
        ]
    return out


def _asset(uow: UnitOfWork, form: Form) -> dict[str, Any]:
    """The chosen asset as the scenario reads it, with the tenor, quantity and policy given;
    a receipt without a quantity pledges what of its goods is not pledged yet."""
    key, _, ref = form.text("asset").partition(":")
    if key not in ASSET_KEYS or not ref:
        raise InvalidInput("choose a receivable, a piece, an order or a receipt", field="asset")
    asset: dict[str, Any] = {key: ref}
    if key in ("order_id", "receipt"):
        days = form.text("tenor_days").strip()
        if not days.isdigit() or int(days) < 1:
            raise InvalidInput("a whole number of days above zero", field="tenor_days")
        asset["tenor_days"] = int(days)
    quantity = form.optional("quantity")
    if key == "receipt":
        free = [g["free"] for g in registry.goods_held(uow) if ref in g["receipts"]]
        if quantity is None and free:
            quantity = free[0]
        if quantity is not None:
            asset["quantity"] = quantity
    policy = form.optional("policy_id")
    if key == "receivable_id" and policy is not None:
        asset["policy_id"] = policy
    return asset


@pages.command("/sme/confirm")
def sme_confirm(uow: UnitOfWork, form: Form) -> None:
    """A buyer that is itself an enterprise (a distributor, a tier-1 supplier) confirms what
    it owes, as the core enterprise does."""
    confirm_selected(uow, form)


@pages.command("/sme/financing")
def sme_apply(uow: UnitOfWork, form: Form) -> None:
    """Apply in the financing room: one scenario, one asset, several funders at once."""
    financing.submit_application(
        uow,
        financing.ApplicationInput(
            scenario=form.text("scenario"),
            amount=form.money("amount"),
            asset=_asset(uow, form),
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
