"""The core enterprise's pages: payables to confirm, certificates issued on its credit lines
and their lineage, upcoming settlements and their payment (pain.001 out, the bank's statement
in), and early-payment programmes."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from scf.certificates import service as certificates
from scf.core.errors import InvalidInput
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.trade import service as trade
from scf.web.common import Form, Pages, idem_key, language, org_names
from scf.web.names import certificate_names

pages = Pages("core_enterprise", home="/core")
router = pages.router


def confirm_selected(uow: UnitOfWork, form: Form) -> None:
    """Confirm the payables ticked in the form, at their full amount."""
    ids = form.many("receivable_ids[]")
    if not ids:
        raise InvalidInput("select at least one payable", field="receivable_ids")
    trade.confirm_receivables(uow, [(i, None) for i in ids])


@pages.view("/core", "core/home.html")
def core(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show payables to confirm, certificates, settlements and programmes."""
    me = uow.actor.org_id
    rcvs, _ = trade.list_receivables(uow, limit=500)
    pending = [r for r in rcvs if r.debtor_org_id == me and r.status == "open"]
    usable = [r for r in rcvs if r.debtor_org_id == me and r.unused_confirmed.is_positive()]
    lines = certificates.list_lines(uow)
    certs = certificates.list_certificates(uow)
    settlements = certificates.upcoming_settlements(uow, 180)
    programs = financing.list_programs(uow)
    ids = {r.seller_org_id for r in rcvs} | {c.first_holder_org_id for c in certs}
    ids |= {b["supplier_org_id"] for p in programs for b in p["bids"]}
    ids |= {line.funder_org_id for line in lines}
    names = org_names(uow, ids)
    lineage = None
    if request.query_params.get("certificate"):
        lineage = certificates.lineage(uow, request.query_params["certificate"])
        names.update(org_names(uow, _lineage_orgs(lineage["tree"])))
    return {
        "pending": pending,
        "usable": usable,
        "lines": lines,
        "certs": certs,
        "settlements": settlements,
        "names": names,
        "cert_names": certificate_names(uow, language(request), {c.id for c in certs}),
        "lineage": lineage,
        "programs": programs,
        "idem": idem_key(),
        "today": uow.today(),
    }


def _lineage_orgs(node: dict[str, Any] | None) -> set[str]:
    if node is None:
        return set()
    out = {node["holder_org_id"]}
    for c in node["children"]:
        out |= _lineage_orgs(c)
    return out


@pages.command("/core/confirm")
def core_confirm(uow: UnitOfWork, form: Form) -> None:
    """Confirm the selected payables in one batch."""
    confirm_selected(uow, form)


@pages.command("/core/certificates")
def core_issue(uow: UnitOfWork, form: Form) -> None:
    """Issue a certificate to a supplier against one of its confirmed receivables."""
    rid = form.text("receivable_id")
    rcv = trade.get_receivable(uow, rid)
    maturity = form.date("maturity_on")
    certificates.issue_certificate(
        uow,
        line_id=form.text("line_id"),
        supplier_org_id=rcv.seller_org_id,
        receivable_ids=[rid],
        face=form.money("face", rcv.amount.currency),
        maturity_on=maturity,
    )


@pages.command("/core/programs")
def core_open_program(uow: UnitOfWork, form: Form) -> None:
    """Offer cash for early payment of what the core enterprise owes, above a hurdle rate."""
    pay_on = form.date("pay_on")
    financing.open_program(uow, form.money("cash"), form.rate("hurdle_rate"), pay_on)


@pages.command("/core/programs/{program_id}/clearing")
def core_clear_program(uow: UnitOfWork, form: Form, program_id: str) -> None:
    """Clear a programme: pay the winning bids early."""
    financing.clear_program(uow, program_id, form.idem())


@pages.command("/core/certificates/{certificate_id}/settlement")
def core_settle(uow: UnitOfWork, form: Form, certificate_id: str) -> None:
    """At maturity, instruct the payment of the face to every holder of record."""
    certificates.instruct_settlement(uow, certificate_id)


@pages.view("/core/certificates/{certificate_id}/pain001", "core/home.html")
def core_pain001(request: Request, uow: UnitOfWork, certificate_id: str) -> Response:
    """Download the pain.001 credit transfer message of a certificate's settlement, for the bank."""
    xml = certificates.settlement_file(uow, certificate_id)
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="pain001-{certificate_id}.xml"'},
    )


@pages.command("/core/statements")
def core_reconcile(uow: UnitOfWork, form: Form) -> dict[str, str]:
    """Reconcile the bank's statement (camt.052/053/054) against the payments instructed."""
    found = certificates.reconcile_statement(uow, form.file("file").content)
    return {"ok": f"reconciled {len(found['matched'])}"}
