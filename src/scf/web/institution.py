"""The institution's supply chain finance units (units and officers, products, decisions and
approvals, NPL against tolerance, exemption filing and review, its own assessment) and the
regulator's assessment of institutions (indicators and weights, ranking, exports)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Request, Response

from scf.core.errors import DomainError, InvalidInput, NotFound
from scf.core.i18n import N_
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.institutions import service as institutions
from scf.institutions.model import Indicator, OfficerRole, UnitKind
from scf.parties.model import District
from scf.web.common import Form, Pages, org_names

FUNDERS = ("bank", "factoring_company", "local_financial_org")

pages = Pages(*FUNDERS, home="/units")
router = pages.router
regulator_pages = Pages("regulator", home="/regulator/assessment")
router.include_router(regulator_pages.router)


def _unit_view(uow: UnitOfWork, unit: Any) -> dict[str, Any]:
    out = institutions.unit_dict(uow, unit)
    out["npl"] = institutions.npl_view(uow, unit.id)
    out["authority"] = [
        institutions.authority_dict(a) for a in institutions.authorities_of(uow, unit.id)
    ]
    return out


def _mine_to_file(uow: UnitOfWork, decisions: list[dict[str, Any]]) -> list[str]:
    """Applications the user decided that have since defaulted."""
    me = uow.actor.user_id
    out = []
    for d in decisions:
        if not any(a["user_id"] == me for a in d["approvals"]):
            continue
        rec = financing.application_record(uow, d["application_id"])
        if rec is not None and rec["defaulted_at"] is not None:
            out.append(d["application_id"])
    return out


def _quarter_or_none(uow: UnitOfWork, quarter: str | None) -> dict[str, Any] | None:
    if not quarter:
        return None
    try:
        return institutions.assessment_view(uow, quarter)
    except (NotFound, InvalidInput):
        return None


@pages.view("/units", "institution/units.html")
def units(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the institution's units, what waits for approval, decisions and exemptions."""
    me = uow.actor.org_id
    unit_rows = institutions.list_units(uow)
    decisions = [institutions.decision_dict(d) for d in institutions.list_decisions(uow)]
    products = [
        financing.product_dict(p) for p in financing.list_products(uow) if p.funder_org_id == me
    ]
    waiting = [
        a
        for a in financing.list_applications(uow)
        if me in a.funder_org_ids and a.status in ("sent", "offered")
    ]
    exemptions = [
        institutions.exemption_dict(e, with_record=False) for e in institutions.list_exemptions(uow)
    ]
    trend = institutions.trend(uow)
    latest = _quarter_or_none(uow, trend[-1]["quarter"] if trend else None)
    own = next((x for x in (latest or {}).get("ranking", []) if x["org_id"] == me), None)
    return {
        "units": [_unit_view(uow, u) for u in unit_rows],
        "kinds": [k.value for k in UnitKind],
        "roles": [r.value for r in OfficerRole],
        "districts": [d.value for d in District],
        "products": products,
        "waiting": [
            {"id": a.id, "amount": a.amount, "status": a.status, "applicant": a.applicant_org_id}
            for a in waiting
        ],
        "decisions": decisions,
        "exemptions": exemptions,
        "to_file": _mine_to_file(uow, decisions),
        "trend": trend,
        "own": own,
        "names": org_names(uow, {a.applicant_org_id for a in waiting}),
    }


@pages.command("/units/create")
def units_create(uow: UnitOfWork, form: Form) -> None:
    """Declare a unit: its kind, the districts it serves or nationwide from one point."""
    institutions.create_unit(
        uow,
        name=form.text("name"),
        kind=form.text("kind"),
        districts=form.many("districts"),
        chains=[c.strip() for c in form.text("chains").split(",") if c.strip()],
        nationwide=form.text("nationwide") == "on",
    )


def _grade(form: Form) -> int:
    try:
        return int(form.text("grade") or "1")
    except ValueError:
        raise InvalidInput(N_("a whole number"), field="grade") from None


@pages.command("/units/{unit_id}/officers")
def units_officer(uow: UnitOfWork, form: Form, unit_id: str) -> None:
    """Name a user of the institution an officer of a grade, or a reviewer."""
    institutions.add_officer(uow, unit_id, form.text("username"), form.text("role"), _grade(form))


@pages.command("/units/{unit_id}/products")
def units_product(uow: UnitOfWork, form: Form, unit_id: str) -> None:
    """A product of the institution belongs to the unit."""
    institutions.assign_product(uow, unit_id, form.text("product_id"))


@pages.command("/units/approve")
def units_approve(uow: UnitOfWork, form: Form) -> None:
    """Approve an application under the unit's authority (the offer follows within it)."""
    institutions.approve(uow, form.text("application_id"))


@pages.command("/units/exemptions/file")
def units_file(uow: UnitOfWork, form: Form) -> None:
    """File for due-diligence exemption on a defaulted financing one decided."""
    institutions.file_exemption(uow, form.text("application_id"), form.text("reasons"))


@pages.command("/units/exemptions/{exemption_id}/decide")
def units_decide(uow: UnitOfWork, form: Form, exemption_id: str) -> None:
    """The unit's reviewer grants or refuses an exemption, with the reasons."""
    institutions.decide_exemption(
        uow, exemption_id, form.text("grant") == "yes", form.text("reasons")
    )


@regulator_pages.view("/regulator/assessment", "institution/assessment.html")
def regulator_assessment(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the indicators and weights, the ranking of a quarter with breakdowns, exemptions."""
    sets = [institutions.indicator_set_dict(s) for s in institutions.list_indicator_sets(uow)]
    quarter = request.query_params.get("quarter") or ""
    view = _quarter_or_none(uow, quarter)
    return {
        "sets": sets,
        "current": {i["indicator"]: i["weight"] for i in sets[-1]["indicators"]} if sets else {},
        "indicators": [i.value for i in Indicator],
        "quarter": quarter,
        "view": view,
        "exemptions": [
            institutions.exemption_dict(e, with_record=False)
            for e in institutions.list_exemptions(uow)
        ],
        "names": org_names(uow, {e.org_id for e in institutions.list_exemptions(uow)}),
    }


@regulator_pages.command("/regulator/assessment/indicators")
def regulator_indicators(uow: UnitOfWork, form: Form) -> None:
    """Set a new revision of the weights (empty weights leave an indicator out)."""
    items = []
    for i in Indicator:
        typed = form.text(f"w_{i.value}").strip()
        if not typed:
            continue
        try:
            items.append((i.value, Decimal(typed)))
        except InvalidOperation:
            raise InvalidInput(N_("a decimal such as 0.25"), field=f"w_{i.value}") from None
    institutions.create_indicator_set(uow, items, form.text("note"))


@regulator_pages.command("/regulator/assessment/run")
def regulator_run(uow: UnitOfWork, form: Form) -> dict[str, str]:
    """Assess every institution over a quarter, then show its ranking."""
    row = institutions.run_assessment(uow, form.text("quarter").strip())
    return {"ok": "saved", "quarter": row.quarter}


@regulator_pages.view("/regulator/assessment/{quarter}/ranking.xlsx", "institution/assessment.html")
def regulator_xlsx(request: Request, uow: UnitOfWork, quarter: str) -> Response:
    """The quarter's ranking and breakdowns as a workbook."""
    try:
        body = institutions.export_xlsx(uow, quarter)
    except DomainError:
        return Response(status_code=404)
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="assessment-{quarter}.xlsx"'},
    )


@regulator_pages.view("/regulator/assessment/{quarter}/ranking.pdf", "institution/assessment.html")
def regulator_pdf(request: Request, uow: UnitOfWork, quarter: str) -> Response:
    """The quarter's ranking as a PDF in Chinese and English."""
    try:
        body = institutions.export_pdf(uow, quarter)
    except DomainError:
        return Response(status_code=404)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="assessment-{quarter}.pdf"'},
    )
