"""The work objectives as figures (seed II): new application scenarios enabled each year
against the target of three, and the growth of SME financing year on year, for the city,
each district and each park a regulator may see."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from scf.core.errors import InvalidInput, PermissionDenied
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.programmes.parks import list_parks, members_on, park_scenarios
from scf.supervision import service as supervision

SCENARIO_TARGET = 3  # new application scenarios a year (seed II)
MAX_YEARS = 10


def _growth(now: Decimal, before: Decimal | None) -> str | None:
    if before is None or before == 0:
        return None
    return str(((now - before) / before).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def work_objectives(uow: UnitOfWork, first_year: int, last_year: int) -> dict[str, Any]:
    """Per year: scenarios enabled (target three) and SME financing with its growth, for the
    city, the districts and the parks in the regulator's sight (a district regulator: the city's
    totals, its own district and its parks)."""
    level = parties.oversight_of(uow)
    if level.level not in ("city", "district"):
        raise PermissionDenied("this is for financial regulators", code="role_not_allowed")
    if last_year < first_year:
        raise InvalidInput("the last year is before the first", field="last_year")
    if last_year - first_year >= MAX_YEARS:
        raise InvalidInput(f"at most {MAX_YEARS} years at once", field="first_year")
    years = list(range(first_year - 1, last_year + 1))  # one more, for the first growth
    parks = list_parks(uow)
    districts = (
        sorted({p.district for p in parks}) if level.level == "city" else [level.district or ""]
    )
    groups: dict[str, set[str] | None] = {"city": None}
    for d in districts:
        groups[f"district:{d}"] = {o.id for o in parties.organizations_in_district(uow, d)}
    today = uow.today()
    for p in parks:
        groups[f"park:{p.id}"] = members_on(uow, p.id, min(date(last_year, 12, 31), today))
    sums = supervision.sme_amount_by_year(uow, groups, years)
    enabled = park_scenarios(uow)  # the city counts every park; districts and parks their own
    park_of = {p.id: p for p in parks}

    def scenarios_in(key: str, year: int) -> int:
        return sum(
            1
            for s in enabled
            if s.enabled_on.year == year
            and (
                key == "city"
                or (key.startswith("park:") and s.park_id == key[5:])
                or (
                    key.startswith("district:")
                    and s.park_id in park_of
                    and park_of[s.park_id].district == key[9:]
                )
            )
        )

    def rows(key: str) -> list[dict[str, Any]]:
        out = []
        for y in years[1:]:
            n = scenarios_in(key, y)
            out.append(
                {
                    "year": y,
                    "new_scenarios": n,
                    "target": SCENARIO_TARGET,
                    "met": n >= SCENARIO_TARGET,
                    "sme_amount": str(sums[key][y].quantize(Decimal("0.01"))),
                    "sme_growth": _growth(sums[key][y], sums[key][y - 1]),
                }
            )
        return out

    return {
        "first_year": first_year,
        "last_year": last_year,
        "city": rows("city"),
        "districts": [{"district": d, "years": rows(f"district:{d}")} for d in districts],
        "parks": [
            {"park_id": p.id, "name": p.name, "district": p.district, "years": rows(f"park:{p.id}")}
            for p in parks
        ],
    }
