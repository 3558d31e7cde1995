"""The enterprise's pages (suppliers, distributors, marketplaces): receivables and payables
apart with their authenticity, trade files uploaded and checked, certificate pieces split,
passed on and offered, financing applications and offers, the consents it grants and who
read its data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi import Request

from scf.certificates import service as certificates
from scf.certificates.model import split_off
from scf.core.errors import DomainError, InvalidInput
from scf.core.i18n import N_
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.parties import service as parties
from scf.registry import service as registry
from scf.trade import service as trade
from scf.web.common import Form, Pages, idem_key, language, org_names, rate_in
from scf.web.console import local_time
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
    rows = [
        {"r": r, "a": trade.assess_receivable(uow, r.id)} for r in rcvs if r.seller_org_id == me
    ]
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
        "payables": [r for r in rcvs if r.debtor_org_id == me],
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


# ---------------------------------------------------------------- trade files

# How the access log names the ground a reader stood on (`parties.access.access_log`).
ACCESS_BASIS = {
    "consent": N_("Under a consent"),
    "regulator": N_("Regulator"),
    "operator": N_("Platform operator"),
}


@pages.view("/sme/invoices", "sme/invoices.html")
def sme_files(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the upload form for e-invoices (UBL, CII), statements and CSV trade files."""
    me = uow.actor.org_id
    rcvs, _ = trade.list_receivables(uow, limit=500)
    buyers = org_names(uow, {r.debtor_org_id for r in rcvs if r.seller_org_id == me})
    return {"csv_kinds": trade.CSV_KINDS, "buyers": sorted(buyers.items(), key=lambda x: x[1])}


def _csv_text(content: bytes) -> str:
    """The CSV as text: UTF-8 (with or without its mark), or GB18030 as Excel on a Chinese
    desktop saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(N_("save the CSV as UTF-8 or GB18030 text"), field="file")


def _is_xml(content: bytes) -> bool:
    return content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


@pages.answer("/sme/invoices")
def sme_upload(uow: UnitOfWork, form: Form, shown: dict[str, Any]) -> None:
    """Check or import one trade file: an XML e-invoice is read and checked first, so its
    EN 16931 findings are listed even when the import is refused; a CSV lands whole or its
    bad rows are listed by line."""
    sent = form.file("file")
    shown["filename"] = sent.filename
    if _is_xml(sent.content):
        report = trade.read_file(sent.content)
        shown["report"] = report.as_dict()
        if form.text("action") == "check":
            return
        out = trade.import_files(
            uow,
            [(sent.filename or "upload", sent.content)],
            seller_org_id=None if report.kind == "camt" else uow.actor.org_id,
            buyer_org_id=form.optional("buyer_org_id"),
        )
        shown["imported"] = len(out["invoice_ids"]) + len(out["payments"])
        return
    if form.text("action") == "check":
        raise InvalidInput(N_("only XML e-invoices can be checked without importing"), field="file")
    kind = form.text("kind")
    if kind not in trade.CSV_KINDS:
        raise InvalidInput(N_("choose what the CSV holds"), field="kind")
    out = trade.import_csv(uow, kind, _csv_text(sent.content))
    shown["imported"] = len(out.get("ids") or out.get("payments") or [])


# ---------------------------------------------------------------- certificate pieces


@pages.view("/sme/pieces", "sme/pieces.html")
def sme_pieces(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the pieces held, the forms to split, pass on and offer them, and the offers made."""
    me = uow.actor.org_id
    pieces = certificates.list_pieces(uow)
    rcvs, _ = trade.list_receivables(uow, limit=500)
    # what the enterprise owes its own suppliers: the trade background of a transfer
    backgrounds = [r for r in rcvs if r.debtor_org_id == me and r.unused_confirmed.is_positive()]
    offers = [f for f in certificates.financing_records(uow) if f["seller_org_id"] == me]
    ids = {r.seller_org_id for r in backgrounds} | {f["funder_org_id"] for f in offers}
    cert_ids = {p.certificate_id for p in pieces} | {f["certificate_id"] for f in offers}
    return {
        "pieces": pieces,
        "backgrounds": backgrounds,
        "offers": offers,
        "funders": _funders(uow),
        "names": org_names(uow, ids),
        "cert_names": certificate_names(uow, language(request), cert_ids),
    }


def _held(uow: UnitOfWork, piece_id: str) -> Any:
    for p in certificates.list_pieces(uow):
        if p.id == piece_id:
            return p
    raise InvalidInput(N_("choose a piece you hold"), field="piece_id")


@pages.command("/sme/pieces/split", back_to="/sme/pieces")
def sme_split(uow: UnitOfWork, form: Form) -> None:
    """Split a held piece in two: the amount typed and what remains of its face."""
    piece = _held(uow, form.text("piece_id"))
    amount = form.money("amount", piece.currency)
    certificates.split_piece(uow, piece.id, split_off(piece.face, amount))


@pages.command("/sme/pieces/transfer", back_to="/sme/pieces")
def sme_transfer(uow: UnitOfWork, form: Form) -> None:
    """Pass a piece, or an amount of it, to the supplier of the payable chosen as its trade
    background."""
    piece = _held(uow, form.text("piece_id"))
    rid = form.optional("receivable_id")
    if rid is None:
        raise InvalidInput(N_("choose the payable this transfer pays"), field="receivable_id")
    owed = trade.get_receivable(uow, rid)
    amount = form.money("amount", piece.currency) if form.optional("amount") else None
    certificates.transfer_piece(
        uow, piece.id, owed.seller_org_id, amount=amount, receivable_id=owed.id
    )


@pages.command("/sme/pieces/offer", back_to="/sme/pieces")
def sme_offer(uow: UnitOfWork, form: Form) -> None:
    """Offer a piece, or an amount of it, to an institution at a discount rate."""
    piece = _held(uow, form.text("piece_id"))
    amount = form.money("amount", piece.currency) if form.optional("amount") else None
    certificates.offer_financing(
        uow, piece.id, form.text("funder_org_id"), rate_in(form.text("rate")), amount=amount
    )


@pages.command("/sme/pieces/offers/{financing_id}/withdraw", back_to="/sme/pieces")
def sme_withdraw(uow: UnitOfWork, form: Form, financing_id: str) -> None:
    """Withdraw an offer the institution has not decided yet."""
    certificates.decline_financing(uow, financing_id)


# ---------------------------------------------------------------- who read our data


@pages.view("/sme/access", "sme/access.html", roles=(*ENTERPRISE, "core_enterprise"))
def sme_access(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show who read the enterprise's data, when, on what ground and in which scope."""
    log, total = parties.access_log(uow, limit=500)
    consents = parties.list_consents(uow)
    ids = {e.reader_org_id for e in log if e.reader_org_id} | {c.grantee_org_id for c in consents}
    return {
        "log": log,
        "total": total,
        "consents": consents,
        "basis": ACCESS_BASIS,
        "names": org_names(uow, ids),
        "when": local_time,
    }
