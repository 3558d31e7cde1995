"""An enterprise's own data: download what the platform holds on it (JSON, PDF), see every read
of it by others and the consents they read under, and ask the operator for corrections; and
every role's risk-education page."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from scf.core.errors import InvalidInput
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


operator_pages = Pages("operator", home="/operator/corrections")
operator_router = operator_pages.router


@operator_pages.view("/operator/corrections", "governance/corrections.html")
def operator_corrections(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the correction requests sent through "my data", open ones first, for review."""
    rows = governance.corrections(uow)
    names = org_names(uow, {r.org_id for r in rows})
    shown_rows = [
        {
            **r.snapshot(),
            "org": names.get(r.org_id, r.org_id),
            "requested_at": shown(r.requested_at),
            "decided_at": shown(r.decided_at) if r.decided_at else "",
        }
        for r in rows
    ]
    return {
        "open": [r for r in shown_rows if r["status"] == "open"],
        "decided": [r for r in shown_rows if r["status"] != "open"],
    }


@operator_pages.command("/operator/corrections/{request_id}")
def operator_decide_correction(uow: UnitOfWork, form: Form, request_id: str) -> None:
    """Accept a correction (the record is changed, audited) or reject it with a note."""
    decision = form.text("decision")
    if decision not in ("accept", "reject"):
        raise InvalidInput("accept or reject the request", field="decision")
    governance.decide_correction(uow, request_id, decision == "accept", form.text("note"))


quality_pages = Pages("operator", "regulator", home="/data-quality")
quality_router = quality_pages.router


@quality_pages.view("/data-quality", "governance/quality.html")
def data_quality(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the latest data-quality run: each check's score against its threshold, alerts
    first, with the failing examples; the operator runs the checks again from here."""
    rows = governance.quality_results(uow)
    results = [
        {
            **r.snapshot(),
            "description": governance.describe_check(r.check).description,
            "score_pct": f"{r.score * 100:.1f}%",
            "threshold_pct": f"{r.threshold * 100:.1f}%",
        }
        for r in rows
    ]
    results.sort(key=lambda r: not r["alert"])
    return {
        "results": results,
        "alerts": sum(r["alert"] for r in results),
        "run_at": shown(rows[0].run_at) if rows else "",
        "can_run": uow.actor.is_operator,
    }


@quality_pages.command("/data-quality/run", roles=("operator",))
def data_quality_run(uow: UnitOfWork, form: Form) -> None:
    """Run every data-quality check now."""
    governance.run_quality_checks(uow)
