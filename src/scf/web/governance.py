"""An enterprise's own data: download what the platform holds on it (JSON, PDF), see every read
of it by others and the consents they read under, and ask the operator for corrections; and
every role's risk-education page."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from scf.core.uow import UnitOfWork
from scf.governance import service as governance
from scf.web.account import shown
from scf.web.common import Form, Pages, org_names

SUBJECTS = ("supplier", "distributor", "marketplace", "core_enterprise")

pages = Pages(*SUBJECTS, home="/my-data")
router = pages.router


@pages.view("/my-data", "governance/data.html")
def my_data(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the reads of the organization's data by others, its consents and its corrections."""
    data = governance.subject_data(uow)
    reads = data["access_log"]["items"]
    used: dict[str | None, int] = {}
    for r in reads:
        used[r["consent_id"]] = used.get(r["consent_id"], 0) + 1
    names = org_names(
        uow,
        {r["reader_org_id"] for r in reads if r["reader_org_id"]}
        | {c["grantee_org_id"] for c in data["consents"]},
    )
    return {
        "org": data["organization"],
        "reads": [
            {**r, "at": shown_iso(r["at"]), "reader": names.get(r["reader_org_id"] or "", "")}
            for r in reads
        ],
        "reads_total": data["access_log"]["total"],
        "consents": [
            {
                **c,
                "grantee": names.get(c["grantee_org_id"], c["grantee_org_id"]),
                "expires_at": shown_iso(c["expires_at"]),
                "uses": used.get(c["id"], 0),
            }
            for c in data["consents"]
            if c["grantor_org_id"] == uow.actor.org_id
        ],
        "corrections": [
            {**r.snapshot(), "requested_at": shown(r.requested_at)}
            for r in governance.corrections(uow)
        ],
        "correctable": sorted(governance.CORRECTABLE),
    }


def shown_iso(at: str | None) -> str:
    from datetime import datetime

    return shown(datetime.fromisoformat(at)) if at else ""


@pages.command("/my-data/correction")
def my_data_correction(uow: UnitOfWork, form: Form) -> None:
    """Ask the operator to correct one field of the organization's record."""
    governance.request_correction(uow, form.text("field"), form.text("value"), form.text("reason"))


EVERY_ROLE = (
    "core_enterprise",
    "supplier",
    "distributor",
    "bank",
    "factoring_company",
    "local_financial_org",
    "insurer",
    "guarantee_company",
    "logistics",
    "warehouse",
    "marketplace",
    "operator",
    "regulator",
)
ENTERPRISES = frozenset({"core_enterprise", "supplier", "distributor", "marketplace"})
FINANCIERS = frozenset(
    {"bank", "factoring_company", "local_financial_org", "insurer", "guarantee_company"}
)


@pages.view("/learn", "governance/learn.html", roles=EVERY_ROLE)
def learn(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show risk education for the visitor's role: what to check, how fraud shows, our data use."""
    roles = uow.actor.roles
    return {
        "enterprise": bool(roles & ENTERPRISES),
        "financier": bool(roles & FINANCIERS),
        "services": bool(roles & {"logistics", "warehouse"}),
        "platform": bool(roles & {"operator", "regulator"}),
    }
