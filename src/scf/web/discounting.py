"""Early payment and bills: a supplier's bids in its buyers' dynamic-discounting programmes
(the amounts shown before it bids, amended or withdrawn while the programme is open) and
its bill discounting applications; the core enterprise's view of the bids and its clearing.

The supplier's page is `/sme/discounting`, the core enterprise's `/core/discounting`; each
links from the role's home page and its menu entry.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from fastapi import APIRouter, Request

from scf.core.errors import DomainError, InvalidInput
from scf.core.i18n import N_
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.web.common import Form, Pages, idem_key, org_names, rate_in

BIDDERS = ("supplier", "distributor")
BILL_SCENARIO = "bill_discounting"

sme_pages = Pages(*BIDDERS, home="/sme/discounting")
core_pages = Pages("core_enterprise", home="/core/discounting")
router = APIRouter(include_in_schema=False)


def typed_rate(value: str, field: str = "rate") -> tuple[str, Any]:
    """A discount typed in percent as people type it (`８.５`, `8.5%`, ` 8.5 ％`): the
    canonical percentage text and the decimal fraction the service takes."""
    text = unicodedata.normalize("NFKC", value).strip().rstrip("%").strip()
    fraction = rate_in(text, field)
    return format((fraction * 100).normalize(), "f"), fraction


def _preview(uow: UnitOfWork, request: Request) -> dict[str, Any] | None:
    """The amounts of the bid the supplier asked to see (`?preview=1&program_id=...`)."""
    q = request.query_params
    if not q.get("preview"):
        return None
    try:
        pct, fraction = typed_rate(q.get("rate", ""))
        terms = financing.preview_bid(
            uow, q.get("program_id", ""), q.get("receivable_id", ""), fraction
        )
    except DomainError:
        return None  # the programme closed or the receivable was used since: nothing to show
    return {
        **terms,
        "program_id": q["program_id"],
        "receivable_id": q["receivable_id"],
        "pct": pct,
    }


def _held_bills(uow: UnitOfWork) -> list[dict[str, Any]]:
    me, today = uow.actor.org_id, uow.today()
    return [
        financing.bill_dict(b)
        for b in financing.list_bills(uow)
        if b.holder_org_id == me and b.due_on > today
    ]


@sme_pages.view("/sme/discounting", "sme/discounting.html")
def sme_discounting(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the buyers' open programmes with what may be bid, the bids, and bills held."""
    programs = financing.supplier_programs(uow)
    bills = _held_bills(uow)
    funders = sorted({p.funder_org_id for p in financing.list_products(uow, BILL_SCENARIO)})
    apps = [
        financing.application_dict(uow, a)
        for a in financing.list_applications(uow)
        if a.scenario == BILL_SCENARIO
    ]
    ids = {p["buyer_org_id"] for p in programs} | set(funders)
    ids |= {b["acceptor_org_id"] for b in bills} | {b["drawer_org_id"] for b in bills}
    names = org_names(uow, ids)
    return {
        "programs": programs,
        "preview": _preview(uow, request),
        "bills": bills,
        "bill_funders": sorted(((f, names.get(f, f)) for f in funders), key=lambda x: x[1]),
        "bill_apps": apps,
        "names": names,
        "today": uow.today(),
    }


@sme_pages.command("/sme/discounting/programs/{program_id}/bids")
def sme_bid(uow: UnitOfWork, form: Form, program_id: str) -> dict[str, str] | None:
    """Bid a discount on a receivable; with `preview` show the amounts first, placing nothing."""
    pct, fraction = typed_rate(form.text("rate"))
    receivable = form.text("receivable_id")
    if not receivable:
        raise InvalidInput(N_("choose a receivable"), field="receivable_id")
    if form.optional("preview"):
        financing.preview_bid(uow, program_id, receivable, fraction)
        return {
            "preview": "1",
            "program_id": program_id,
            "receivable_id": receivable,
            "rate": pct,
        }
    financing.bid(uow, program_id, receivable, fraction)
    return None


@sme_pages.command("/sme/discounting/bids/{bid_id}/amend")
def sme_amend_bid(uow: UnitOfWork, form: Form, bid_id: str) -> None:
    """Change the discount of an open bid."""
    financing.amend_bid(uow, bid_id, typed_rate(form.text("rate"))[1])


@sme_pages.command("/sme/discounting/bids/{bid_id}/withdraw")
def sme_withdraw_bid(uow: UnitOfWork, form: Form, bid_id: str) -> None:
    """Take an open bid back."""
    financing.withdraw_bid(uow, bid_id)


def bill_asset(bill: dict[str, Any], face: Money | None) -> dict[str, Any]:
    """The sub-bills to discount: the first `face` of the held interval (all of it by
    default), as the bill-discounting scenario reads them."""
    lo, hi = int(bill["sub_from"]), int(bill["sub_to"])
    if face is not None:
        if not face.is_positive() or face.minor > hi - lo + 1:
            raise InvalidInput(N_("above zero and at most the bill's face"), field="face")
        hi = lo + face.minor - 1
    return {
        "package_no": bill["package_no"],
        "sub_from": lo,
        "sub_to": hi,
        "acceptor_org_id": bill["acceptor_org_id"],
        "maturity_on": bill["due_on"],
    }


@sme_pages.command("/sme/discounting/bills")
def sme_discount_bill(uow: UnitOfWork, form: Form) -> None:
    """Apply to discount a held bill (or its first part) at the chosen institutions."""
    chosen = form.text("bill_id")
    bill = next((b for b in _held_bills(uow) if b["id"] == chosen), None)
    if bill is None:
        raise InvalidInput(N_("choose a bill you hold"), field="bill_id")
    face_typed = form.optional("face")
    face = form.money("face") if face_typed else None
    financing.submit_application(
        uow,
        financing.ApplicationInput(
            scenario=BILL_SCENARIO,
            amount=form.money("amount"),
            asset=bill_asset(bill, face),
            funder_org_ids=form.many("funder_org_ids[]"),
        ),
    )


@core_pages.view("/core/discounting", "core/discounting.html")
def core_discounting(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show each programme's bids with their amounts, and the bids clearing would pick."""
    programs = financing.list_programs(uow)
    for p in programs:
        p["would_win"] = (
            set(financing.clearing_preview(uow, p["id"])) if p["status"] == "open" else set()
        )
    ids = {b["supplier_org_id"] for p in programs for b in p["bids"]}
    return {
        "programs": programs,
        "names": org_names(uow, ids),
        "idem": idem_key(),
        "today": uow.today(),
    }


@core_pages.command("/core/discounting/{program_id}/clearing")
def core_clear(uow: UnitOfWork, form: Form, program_id: str) -> None:
    """Clear the programme: the winning bids become early payments."""
    financing.clear_program(uow, program_id, form.idem())


router.include_router(sme_pages.router)
router.include_router(core_pages.router)
