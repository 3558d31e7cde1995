"""HTTP API of multi-level supervision: a district's view for its regulator (and the city's),
an association's aggregates of its members, a department's reads under the operator's grant.

The role gates let each level in to its own routes only; the services narrow what it sees.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from scf.core.schema import MoneyOut
from scf.deps import Uow, roles_allowed
from scf.supervision import service

router = APIRouter(prefix="/oversight", tags=["oversight"])

REGULATORS = Depends(roles_allowed("regulator", "district_regulator"))
ASSOCIATION = Depends(roles_allowed("industry_association"))
DEPARTMENT = Depends(roles_allowed("government_department"))

District = Annotated[
    str | None,
    Query(
        max_length=20,
        description="a district (the city regulator's choice; a district "
        "regulator's own by default, another refused)",
    ),
]
Start = Annotated[date | None, Query(description="first decision date, YYYY-MM-DD")]
End = Annotated[date | None, Query(description="last decision date, YYYY-MM-DD")]


class FiguresOut(BaseModel):
    """Aggregates of a population's financings: no record is named."""

    financings: int
    sme_financings: int
    sme_amounts: list[MoneyOut]
    smes_reached: int
    max_tier: int | None
    weighted_rate: str | None
    overdue: int
    defaulted: int
    default_rate: str | None


class DistrictOverviewOut(BaseModel):
    district: str | None  # None: the whole city (the city regulator naming no district)
    enterprises: int
    figures: FiguresOut
    city: FiguresOut


class EnterpriseItemOut(BaseModel):
    id: str
    name: str
    uscc: str
    roles: list[str]
    size_class: str
    district: str


class FinancingItemOut(BaseModel):
    id: str
    source: str
    borrower_org_id: str
    borrower: str
    funder: str
    scenario: str
    amount: MoneyOut
    rate: str | None
    status: str
    decided_on: str | None


class AlertItemOut(BaseModel):
    source: str
    alert_id: str
    org_id: str | None
    org_name: str | None
    kind: str
    severity: str
    summary: str
    evidence: dict[str, Any]
    status: str
    raised_at: str | None

    @classmethod
    def of(cls, a: dict[str, Any]) -> AlertItemOut:
        return cls(**{k: a.get(k) for k in cls.model_fields})


class DistrictEnterpriseOut(BaseModel):
    organization: dict[str, Any]
    financings: list[FinancingItemOut]
    lists: list[dict[str, Any]]
    alerts: list[AlertItemOut]


class AssociationOut(BaseModel):
    members: int
    min_members: int
    withheld: bool
    figures: FiguresOut | None


class DepartmentEnterpriseOut(BaseModel):
    id: str
    name: str
    uscc: str
    district: str
    roles: list[str]
    size_class: str
    chain_tags: list[str]
    founded_on: str


@router.get("/district", dependencies=[REGULATORS], response_model=DistrictOverviewOut)
def district_overview(
    uow: Uow, district: District = None, start: Start = None, end: End = None
) -> DistrictOverviewOut:
    """A district's SME financing, reach, pricing and defaults beside the city's."""
    return DistrictOverviewOut(**service.district_overview(uow, district, start, end))


@router.get(
    "/district/enterprises", dependencies=[REGULATORS], response_model=list[EnterpriseItemOut]
)
def district_enterprises(uow: Uow, district: District = None) -> list[EnterpriseItemOut]:
    """The organizations registered in the district."""
    return [EnterpriseItemOut(**o) for o in service.district_enterprises(uow, district)]


@router.get(
    "/district/enterprises/{enterprise_id}",
    dependencies=[REGULATORS],
    response_model=DistrictEnterpriseOut,
)
def district_enterprise(enterprise_id: str, uow: Uow) -> DistrictEnterpriseOut:
    """One enterprise of the district (another district's: not found); the read is logged."""
    view = service.district_enterprise(uow, enterprise_id)
    return DistrictEnterpriseOut(
        organization=view["organization"],
        financings=[FinancingItemOut(**f) for f in view["financings"]],
        lists=view["lists"],
        alerts=[AlertItemOut.of(a) for a in view["alerts"]],
    )


@router.get(
    "/district/financings", dependencies=[REGULATORS], response_model=list[FinancingItemOut]
)
def district_financings(uow: Uow, district: District = None) -> list[FinancingItemOut]:
    """Financings taken by the district's enterprises; the reads are logged."""
    return [FinancingItemOut(**f) for f in service.district_financings(uow, district)]


@router.get("/district/alerts", dependencies=[REGULATORS], response_model=list[AlertItemOut])
def district_alerts(uow: Uow, district: District = None) -> list[AlertItemOut]:
    """Alerts about the district's organizations."""
    return [AlertItemOut.of(a) for a in service.district_alerts(uow, district)]


@router.get("/association", dependencies=[ASSOCIATION], response_model=AssociationOut)
def association(uow: Uow, start: Start = None, end: End = None) -> AssociationOut:
    """The association's members' aggregates (withheld below the minimum of members)."""
    return AssociationOut(**service.association_figures(uow, start, end))


@router.get(
    "/department/enterprises/{enterprise_id}",
    dependencies=[DEPARTMENT],
    response_model=DepartmentEnterpriseOut,
)
def department_enterprise(enterprise_id: str, uow: Uow) -> DepartmentEnterpriseOut:
    """An enterprise's profile, if a live grant covers it (else not found); logged."""
    return DepartmentEnterpriseOut(**service.department_enterprise(uow, enterprise_id))


@router.get(
    "/department/enterprises/{enterprise_id}/financings",
    dependencies=[DEPARTMENT],
    response_model=list[FinancingItemOut],
)
def department_financings(enterprise_id: str, uow: Uow) -> list[FinancingItemOut]:
    """An enterprise's financings, if a live grant of the financing scope covers it; logged."""
    return [FinancingItemOut(**f) for f in service.department_financings(uow, enterprise_id)]
