"""The insurer's and guarantor's pages: the cover policies it wrote and the claims on them."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.web.common import Form, Pages, idem_key, org_names

INSURERS = ("insurer", "guarantee_company")

pages = Pages(*INSURERS, home="/cover")
router = pages.router


@pages.view("/cover", "insurer/home.html")
def cover(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show this insurer's policies and the claims made on them."""
    me = uow.actor.org_id
    policies = [
        financing.policy_dict(p) for p in financing.list_policies(uow) if p.insurer_org_id == me
    ]
    claims = [financing.claim_dict(c) for c in financing.list_claims(uow) if c.insurer_org_id == me]
    ids = {p["insured_org_id"] for p in policies} | {p["debtor_org_id"] for p in policies}
    ids |= {c["claimant_org_id"] for c in claims}
    return {
        "policies": policies,
        "claims": claims,
        "names": org_names(uow, ids),
        "idem": idem_key(),
    }


@pages.command("/cover/claims/{claim_id}/pay")
def cover_pay_claim(uow: UnitOfWork, form: Form, claim_id: str) -> None:
    """Pay a claim on a policy this insurer wrote."""
    financing.pay_claim(uow, claim_id, form.idem())
