"""HTTP API of the programmes room: parks, incentive programmes and their awards, and the work
objectives as figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field

from scf.core.money import Money
from scf.core.schema import BoundedDate, Identifier, MoneyIn, MoneyOut, Name, Note, RequestModel
from scf.deps import Uow, roles_allowed
from scf.programmes import service
from scf.programmes.tables import AwardApplicationRow, ParkMemberRow, ParkRow, ParkScenarioRow

router = APIRouter(tags=["programmes"])

OPERATOR = Depends(roles_allowed("operator"))
PARK_READERS = Depends(
    roles_allowed("regulator", "district_regulator", "operator", "park_operator")
)
PARK_KEEPERS = Depends(roles_allowed("operator", "park_operator"))
REGULATORS = Depends(roles_allowed("regulator", "district_regulator"))
APPLICANTS = Depends(
    roles_allowed(
        "bank",
        "factoring_company",
        "local_financial_org",
        "insurer",
        "guarantee_company",
        "park_operator",
        "supplier",
        "distributor",
        "core_enterprise",
    )
)


class Strict(RequestModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- parks


class ParkIn(Strict):
    name: Name = Field(min_length=1, max_length=200)
    district: Identifier
    operator_org_id: Identifier
    chains: list[Identifier] = Field(default_factory=list, max_length=10)
    established_on: BoundedDate


class ParkOut(BaseModel):
    id: str
    name: str
    district: str
    operator_org_id: str
    chains: list[str]
    established_on: date

    @classmethod
    def of(cls, row: ParkRow) -> ParkOut:
        return cls(
            id=row.id,
            name=row.name,
            district=row.district,
            operator_org_id=row.operator_org_id,
            chains=list(row.chains),
            established_on=row.established_on,
        )


class MemberIn(Strict):
    org_id: Identifier
    joined_on: BoundedDate


class LeaveIn(Strict):
    left_on: BoundedDate


class MemberOut(BaseModel):
    id: str
    park_id: str
    org_id: str
    kind: str
    joined_on: date
    left_on: date | None

    @classmethod
    def of(cls, row: ParkMemberRow) -> MemberOut:
        return cls(**{k: getattr(row, k) for k in cls.model_fields})


class ScenarioIn(Strict):
    scenario: Identifier
    enabled_on: BoundedDate


class ScenarioOut(BaseModel):
    id: str
    park_id: str
    scenario: str
    enabled_on: date

    @classmethod
    def of(cls, row: ParkScenarioRow) -> ScenarioOut:
        return cls(**{k: getattr(row, k) for k in cls.model_fields})


class FiguresOut(BaseModel):
    financings: int
    sme_financings: int
    sme_amounts: list[MoneyOut]
    smes_reached: int
    max_tier: int | None
    weighted_rate: str | None
    overdue: int
    defaulted: int
    default_rate: str | None


class ParkFiguresOut(BaseModel):
    park: FiguresOut
    district: FiguresOut
    city: FiguresOut


class NamedMemberOut(MemberOut):
    name: str


class ParkViewOut(BaseModel):
    park: dict[str, Any]
    members: list[NamedMemberOut]
    scenarios: list[ScenarioOut]
    as_of: date
    figures: ParkFiguresOut


@router.post("/parks", dependencies=[OPERATOR], response_model=ParkOut, status_code=201)
def create_park(body: ParkIn, uow: Uow) -> ParkOut:
    """Register a district's park and its operating institution."""
    row = service.create_park(
        uow, body.name, body.district, body.operator_org_id, body.chains, body.established_on
    )
    return ParkOut.of(row)


@router.get("/parks", dependencies=[PARK_READERS], response_model=list[ParkOut])
def list_parks(
    uow: Uow, district: Annotated[str | None, Query(max_length=20)] = None
) -> list[ParkOut]:
    """Parks in the caller's sight (a district regulator: its district's; another refused)."""
    return [ParkOut.of(p) for p in service.list_parks(uow, district)]


@router.get("/parks/{park_id}", dependencies=[PARK_READERS], response_model=ParkViewOut)
def park(
    park_id: str,
    uow: Uow,
    start: Annotated[date | None, Query()] = None,
    end: Annotated[date | None, Query()] = None,
) -> ParkViewOut:
    """A park, its members and scenarios, and its figures beside its district's and the city's."""
    return ParkViewOut(**service.park_view(uow, park_id, start, end))


@router.post(
    "/parks/{park_id}/members",
    dependencies=[PARK_KEEPERS],
    response_model=MemberOut,
    status_code=201,
)
def add_member(park_id: str, body: MemberIn, uow: Uow) -> MemberOut:
    """An enterprise or institution joins the park (a member joining twice is refused)."""
    return MemberOut.of(service.add_member(uow, park_id, body.org_id, body.joined_on))


@router.post(
    "/park-memberships/{membership_id}/end", dependencies=[PARK_KEEPERS], response_model=MemberOut
)
def end_membership(membership_id: str, body: LeaveIn, uow: Uow) -> MemberOut:
    """A member leaves the park on a day."""
    return MemberOut.of(service.end_membership(uow, membership_id, body.left_on))


@router.post(
    "/parks/{park_id}/scenarios",
    dependencies=[PARK_KEEPERS],
    response_model=ScenarioOut,
    status_code=201,
)
def enable_scenario(park_id: str, body: ScenarioIn, uow: Uow) -> ScenarioOut:
    """The park enables a financing scenario for its members."""
    return ScenarioOut.of(service.enable_scenario(uow, park_id, body.scenario, body.enabled_on))


# ---------------------------------------------------------------- programmes


class ProgrammeIn(Strict):
    name: Name = Field(min_length=1, max_length=200)
    kind: Identifier
    district: Identifier | None = None
    budget: MoneyIn
    starts_on: BoundedDate
    ends_on: BoundedDate
    eligibility: Note = Field(min_length=1, max_length=1000)
    amount: Note = Field(min_length=1, max_length=1000)


class RulesIn(Strict):
    version: int
    eligibility: Note = Field(min_length=1, max_length=1000)
    amount: Note = Field(min_length=1, max_length=1000)


class RulesOut(BaseModel):
    number: int
    eligibility: str
    amount: str
    indicators: list[str]


class ProgrammeOut(BaseModel):
    id: str
    name: str
    kind: str
    district: str | None
    budget: MoneyOut
    committed: MoneyOut
    paid: MoneyOut
    starts_on: date
    ends_on: date
    rules_version: int
    version: int


class ProgrammeViewOut(ProgrammeOut):
    remaining: MoneyOut
    rules: list[RulesOut]


def _programme_out(row: Any) -> ProgrammeOut:
    return ProgrammeOut(
        id=row.id,
        name=row.name,
        kind=row.kind,
        district=row.district,
        budget=MoneyOut.of(row.budget),
        committed=MoneyOut.of(row.committed),
        paid=MoneyOut.of(row.paid),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        rules_version=row.rules_version,
        version=row.version,
    )


class IndicatorOut(BaseModel):
    name: str
    description: str


class DecisionIn(Strict):
    approve: bool
    amount: MoneyIn | None = None
    note: Note = Field(default="", max_length=1000)


class PaymentIn(Strict):
    reference: Identifier = Field(min_length=1, max_length=60)


class ApplicationOut(BaseModel):
    id: str
    programme_id: str
    rules_number: int
    applicant_org_id: str
    status: str
    eligible: bool
    computed: MoneyOut
    awarded: MoneyOut | None
    paid: MoneyOut
    evidence: dict[str, Any]
    note: str
    payment_reference: str | None
    decided_at: datetime | None
    paid_at: datetime | None

    @classmethod
    def of(cls, row: AwardApplicationRow) -> ApplicationOut:
        def money(minor: int) -> MoneyOut:
            return MoneyOut.of(Money(minor, row.currency))

        return cls(
            id=row.id,
            programme_id=row.programme_id,
            rules_number=row.rules_number,
            applicant_org_id=row.applicant_org_id,
            status=row.status,
            eligible=row.eligible,
            computed=money(row.computed_minor),
            awarded=money(row.awarded_minor) if row.awarded_minor is not None else None,
            paid=money(row.paid_minor),
            evidence=row.evidence,
            note=row.note,
            payment_reference=row.payment_reference,
            decided_at=row.decided_at,
            paid_at=row.paid_at,
        )


@router.get("/programmes/indicators", response_model=list[IndicatorOut])
def indicators(uow: Uow) -> list[IndicatorOut]:
    """The indicators a programme's rules may name."""
    return [IndicatorOut(name=k, description=v) for k, v in sorted(service.INDICATORS.items())]


@router.post("/programmes", dependencies=[OPERATOR], response_model=ProgrammeOut, status_code=201)
def create_programme(body: ProgrammeIn, uow: Uow) -> ProgrammeOut:
    """Open a programme with its budget, period and rules (unknown indicators refused)."""
    row = service.create_programme(
        uow,
        name=body.name,
        kind=body.kind,
        district=body.district,
        budget=body.budget.to_money(),
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        eligibility=body.eligibility,
        amount=body.amount,
    )
    return _programme_out(row)


@router.get("/programmes", response_model=list[ProgrammeOut])
def list_programmes(uow: Uow) -> list[ProgrammeOut]:
    """Every programme (public policy)."""
    return [_programme_out(r) for r in service.list_programmes(uow)]


@router.get("/programmes/{programme_id}", response_model=ProgrammeViewOut)
def programme(programme_id: str, uow: Uow) -> ProgrammeViewOut:
    """A programme with its rules' versions and what its budget has left."""
    return ProgrammeViewOut(**service.get_programme(uow, programme_id))


@router.post(
    "/programmes/{programme_id}/rules", dependencies=[OPERATOR], response_model=ProgrammeOut
)
def revise_rules(programme_id: str, body: RulesIn, uow: Uow) -> ProgrammeOut:
    """Edit the rules: a new version (applications keep the one they met)."""
    row = service.revise_rules(uow, programme_id, body.version, body.eligibility, body.amount)
    return _programme_out(row)


@router.post(
    "/programmes/{programme_id}/applications",
    dependencies=[APPLICANTS],
    response_model=ApplicationOut,
    status_code=status.HTTP_201_CREATED,
)
def apply(programme_id: str, uow: Uow) -> ApplicationOut:
    """Apply: the platform assembles the evidence and computes the award under the rules."""
    return ApplicationOut.of(service.apply(uow, programme_id))


@router.get("/award-applications", response_model=list[ApplicationOut])
def applications(
    uow: Uow, programme_id: Annotated[str | None, Query(max_length=40)] = None
) -> list[ApplicationOut]:
    """Applications: all for the operator and the regulator, one's own otherwise."""
    return [ApplicationOut.of(r) for r in service.list_applications(uow, programme_id)]


@router.get("/award-applications/{application_id}", response_model=ApplicationOut)
def application(application_id: str, uow: Uow) -> ApplicationOut:
    """One award application with its evidence, computed and awarded amounts and payment (the
    applicant, the operator and the regulator)."""
    return ApplicationOut.of(service.get_application(uow, application_id))


@router.post(
    "/award-applications/{application_id}/decision",
    dependencies=[OPERATOR],
    response_model=ApplicationOut,
)
def decide(application_id: str, body: DecisionIn, uow: Uow) -> ApplicationOut:
    """Approve an award (within the budget) or reject the application with a reason."""
    amount = body.amount.to_money() if body.amount is not None else None
    return ApplicationOut.of(service.decide(uow, application_id, body.approve, amount, body.note))


@router.post(
    "/award-applications/{application_id}/payment",
    dependencies=[OPERATOR],
    response_model=ApplicationOut,
)
def pay(application_id: str, body: PaymentIn, uow: Uow) -> ApplicationOut:
    """Record the payment of an approved award against the budget."""
    return ApplicationOut.of(service.pay(uow, application_id, body.reference))


# ---------------------------------------------------------------- objectives


class ObjectiveYearOut(BaseModel):
    year: int
    new_scenarios: int
    target: int
    met: bool
    sme_amount: str
    sme_growth: str | None


class DistrictObjectivesOut(BaseModel):
    district: str
    years: list[ObjectiveYearOut]


class ParkObjectivesOut(BaseModel):
    park_id: str
    name: str
    district: str
    years: list[ObjectiveYearOut]


class ObjectivesOut(BaseModel):
    first_year: int
    last_year: int
    city: list[ObjectiveYearOut]
    districts: list[DistrictObjectivesOut]
    parks: list[ParkObjectivesOut]


@router.get("/objectives", dependencies=[REGULATORS], response_model=ObjectivesOut)
def objectives(
    uow: Uow,
    first_year: Annotated[int, Query(ge=2000, le=2100)],
    last_year: Annotated[int, Query(ge=2000, le=2100)],
) -> ObjectivesOut:
    """New scenarios a year against the target of three, and SME financing growth, for the
    city, the districts and the parks in the caller's sight."""
    return ObjectivesOut(**service.work_objectives(uow, first_year, last_year))
