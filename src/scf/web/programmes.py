"""The incentive programmes' pages: an institution or enterprise applies, and the award
reviewer (the platform operator) decides each application against the budget and records
the payment."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.programmes import service as programmes
from scf.web.common import APPLICANT_ROLES, Form, Pages

pages = Pages(*APPLICANT_ROLES, home="/programmes")
review = Pages("operator", home="/awards")
router = pages.router
router.include_router(review.router)


def _names(uow: UnitOfWork, ids: set[str]) -> dict[str, str]:
    return {k: v.name for k, v in parties.organizations_by_id(uow, ids).items()}


@pages.view("/programmes", "programmes/apply.html")
def programmes_page(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the open programmes and the organization's applications."""
    return {
        "programmes": programmes.list_programmes(uow),
        "applications": [a.snapshot() for a in programmes.list_applications(uow)],
    }


@pages.command("/programmes/apply")
def programmes_apply(uow: UnitOfWork, form: Form) -> dict[str, str]:
    """Apply: the platform assembles the evidence and computes the award."""
    row = programmes.apply(uow, form.text("programme_id"))
    return {"ok": "saved", "application": row.id}


@review.view("/awards", "programmes/review.html")
def awards(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show every programme's budget and the applications to decide and to pay."""
    apps = programmes.list_applications(uow)
    return {
        "programmes": [p.snapshot() for p in programmes.list_programmes(uow)],
        "applications": [{**a.snapshot(), "evidence": a.evidence} for a in apps],
        "names": _names(uow, {a.applicant_org_id for a in apps}),
    }


@review.command("/awards/decide")
def awards_decide(uow: UnitOfWork, form: Form) -> None:
    """Approve an award at the computed amount (or less), or reject it with a reason."""
    approve = form.text("decision") == "approve"
    amount = form.money("amount") if approve and form.optional("amount") else None
    programmes.decide(uow, form.text("application_id"), approve, amount, form.text("note"))


@review.command("/awards/pay")
def awards_pay(uow: UnitOfWork, form: Form) -> None:
    """Record the payment of an approved award."""
    programmes.pay(uow, form.text("application_id"), form.text("reference"))
