"""The pages of multi-level supervision and of the parks: a district regulator's console (its
district beside the city, its parks, enterprises, financings and the work objectives) and a
park operator's park (members, scenarios, figures beside the district's and the city's)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from scf.core.uow import UnitOfWork
from scf.programmes import service as programmes
from scf.supervision import service as supervision
from scf.web.common import Form, Pages

pages = Pages("district_regulator", home="/district")
park_pages = Pages("park_operator", home="/park")
router = pages.router
router.include_router(park_pages.router)


@pages.view("/district", "parks/district.html")
def district(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the district beside the city, its parks, enterprises, financings and objectives."""
    overview = supervision.district_overview(uow)
    year = uow.today().year
    return {
        "overview": overview,
        "parks": programmes.list_parks(uow),
        "enterprises": supervision.district_enterprises(uow),
        "financings": supervision.district_financings(uow),
        "objectives": programmes.work_objectives(uow, year - 1, year),
    }


@park_pages.view("/park", "parks/park.html")
def park(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the operator's parks: members, scenarios and figures, with the forms to keep them."""
    views = [programmes.park_view(uow, p.id) for p in programmes.list_parks(uow)]
    return {"views": views, "today": uow.today(), "scenarios": programmes.scenario_codes()}


@park_pages.command("/park/members")
def park_add_member(uow: UnitOfWork, form: Form) -> None:
    """An enterprise or institution joins the park (by its USCC)."""
    programmes.add_member_by_uscc(
        uow, form.text("park_id"), form.text("uscc").strip().upper(), form.date("joined_on")
    )


@park_pages.command("/park/scenarios")
def park_enable_scenario(uow: UnitOfWork, form: Form) -> None:
    """The park enables a financing scenario for its members."""
    programmes.enable_scenario(
        uow, form.text("park_id"), form.text("scenario"), form.date("enabled_on")
    )
