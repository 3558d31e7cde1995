"""HTTP API of institutions: units, authority and approvals, NPL tolerance, exemptions, unit
performance, and the regulator's assessment of institutions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from scf.core.schema import DecimalText, Identifier, MoneyIn, MoneyOut, Name, Note, RequestModel
from scf.deps import Uow, roles_allowed
from scf.institutions import model as M
from scf.institutions import service as svc

router = APIRouter(prefix="/institutions", tags=["institutions"])

FUNDERS = ("bank", "factoring_company", "local_financial_org")
INSTITUTIONS = svc.INSTITUTIONS
WATCHERS = ("regulator", "operator")
QUARTER = r"^\d{4}-Q[1-4]$"


def gate(*roles: str) -> Any:
    return Depends(roles_allowed(*roles))


class Strict(RequestModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- bodies


class UnitIn(Strict):
    name: Name = Field(min_length=1)
    kind: M.UnitKind
    districts: list[Identifier] = Field(default_factory=list, max_length=50)
    chains: list[Identifier] = Field(default_factory=list, max_length=50)
    nationwide: bool = False


class OfficerIn(Strict):
    username: Identifier = Field(min_length=1, max_length=80)
    role: M.OfficerRole = M.OfficerRole.OFFICER
    grade: int = Field(default=1, ge=1, le=M.MAX_GRADE)


class ProductIn(Strict):
    product_id: Identifier = Field(min_length=1)


class BandIn(Strict):
    lower: MoneyIn
    upper: MoneyIn
    max_tenor_days: int = Field(ge=1, le=3650)
    min_grade: int = Field(default=1, ge=1, le=M.MAX_GRADE)
    exceptions: bool = False


class AuthorityIn(Strict):
    product_id: Identifier = Field(min_length=1)
    bands: list[BandIn] = Field(min_length=1, max_length=20)
    second_approval_above: MoneyIn


class ToleranceIn(Strict):
    product_id: Identifier | None = None
    ratio: DecimalText = Field(description="the tolerated NPL ratio, from 0 to 1")


class TargetIn(Strict):
    indicator: M.Indicator
    target: DecimalText


class TargetsIn(Strict):
    period_kind: M.PeriodKind
    targets: list[TargetIn] = Field(min_length=1, max_length=20)


class ApprovalIn(Strict):
    application_id: Identifier = Field(min_length=1)


class PurchaseApprovalIn(Strict):
    certificate_financing_id: Identifier = Field(min_length=1)


class ExemptionIn(Strict):
    application_id: Identifier = Field(min_length=1)
    reasons: Note = Field(min_length=1, max_length=2000)


class ExemptionDecisionIn(Strict):
    grant: bool
    reasons: Note = Field(min_length=1, max_length=2000)


class WeightIn(Strict):
    indicator: M.Indicator
    weight: DecimalText


class IndicatorSetIn(Strict):
    indicators: list[WeightIn] = Field(min_length=1, max_length=20)
    note: Note = Field(default="", max_length=1000)


class AssessmentIn(Strict):
    quarter: str = Field(pattern=QUARTER)


# ---------------------------------------------------------------- answers


class OfficerOut(BaseModel):
    id: str
    user_id: str
    username: str
    role: str
    grade: int


class UnitOut(BaseModel):
    id: str
    org_id: str
    name: str
    kind: str
    districts: list[str]
    chains: list[str]
    nationwide: bool
    officers: list[OfficerOut]
    product_ids: list[str]
    created_at: datetime


class AuthorityOut(BaseModel):
    id: str
    unit_id: str
    product_id: str
    revision: int
    bands: list[dict[str, Any]]
    second_approval_above: MoneyOut
    set_by: str
    set_at: datetime


class DecisionOut(BaseModel):
    id: str
    application_id: str
    org_id: str
    unit_id: str
    product_id: str
    authority_id: str
    status: str
    amount: MoneyOut
    tenor_days: int
    flagged: list[str]
    approvals: list[dict[str, Any]]
    offer_id: str | None
    created_at: datetime
    decided_at: datetime | None


class NplLineOut(BaseModel):
    product_id: str | None
    live: MoneyOut
    overdue: MoneyOut
    defaulted: MoneyOut
    npl_ratio: str
    tolerated: str
    tolerance_source: str
    state: str


class NplOut(BaseModel):
    unit_id: str
    institution_npl_ratio: str
    unit: NplLineOut
    products: list[NplLineOut]


class NplAlertOut(BaseModel):
    id: str
    org_id: str
    unit_id: str
    product_id: str | None
    kind: str
    severity: str
    summary: str
    evidence: dict[str, Any]
    raised_at: datetime
    resolved_at: datetime | None


class ExemptionOut(BaseModel):
    id: str
    application_id: str
    org_id: str
    unit_id: str
    decision_id: str
    officer: str
    reasons: str
    status: str
    reviewer: str | None
    review_reasons: str | None
    filed_at: datetime
    decided_at: datetime | None
    record: dict[str, Any] | None = None


class MeasureOut(BaseModel):
    indicator: str
    value: str | None
    target: str | None
    met: bool | None


class PerformanceOut(BaseModel):
    unit_id: str
    period: str
    period_kind: str
    npl: NplLineOut
    measures: list[MeasureOut]


class IndicatorSetOut(BaseModel):
    id: str
    revision: int
    indicators: list[dict[str, str]]
    note: str
    created_by: str
    created_at: datetime


class PartOut(BaseModel):
    indicator: str
    weight: str
    value: str | None
    normalised: str
    points: str


class RankingLineOut(BaseModel):
    org_id: str
    name: str
    score: str
    rank: int
    breakdown: list[PartOut] | None = Field(
        description="the score's breakdown: the regulator sees every one, an institution its own"
    )


class AssessmentOut(BaseModel):
    id: str
    quarter: str
    revision: int
    indicators: list[dict[str, str]]
    computed_at: datetime
    ranking: list[RankingLineOut]


class TrendOut(BaseModel):
    quarter: str
    score: str
    rank: int
    of: int
    revision: int


# ---------------------------------------------------------------- units


@router.post("/units", status_code=status.HTTP_201_CREATED, dependencies=[gate(*INSTITUTIONS)])
def create_unit(uow: Uow, body: UnitIn) -> UnitOut:
    """Declare a supply chain finance unit: whom it serves, or nationwide from one point."""
    row = svc.create_unit(
        uow,
        name=body.name,
        kind=body.kind.value,
        districts=body.districts,
        chains=body.chains,
        nationwide=body.nationwide,
    )
    return UnitOut.model_validate(svc.unit_dict(uow, row))


@router.get("/units", dependencies=[gate(*INSTITUTIONS, *WATCHERS)])
def list_units(uow: Uow, org_id: str | None = None) -> list[UnitOut]:
    """The institution's units; every institution's for the regulator and the operator."""
    return [UnitOut.model_validate(svc.unit_dict(uow, u)) for u in svc.list_units(uow, org_id)]


@router.get("/units/{unit_id}", dependencies=[gate(*INSTITUTIONS, *WATCHERS)])
def get_unit(uow: Uow, unit_id: str) -> UnitOut:
    """One supply chain finance unit with its officers, products and whom it serves (the
    institution itself, the regulator or the operator; 404 to others)."""
    return UnitOut.model_validate(svc.unit_dict(uow, svc.get_unit(uow, unit_id)))


@router.post(
    "/units/{unit_id}/officers",
    status_code=status.HTTP_201_CREATED,
    dependencies=[gate(*INSTITUTIONS)],
)
def add_officer(uow: Uow, unit_id: str, body: OfficerIn) -> OfficerOut:
    """Name one of the institution's users an officer (of a grade) or a reviewer of the unit."""
    row = svc.add_officer(uow, unit_id, body.username, body.role.value, body.grade)
    return OfficerOut.model_validate(svc.officer_dict(row))


@router.post("/units/{unit_id}/products", dependencies=[gate(*FUNDERS)])
def assign_product(uow: Uow, unit_id: str, body: ProductIn) -> UnitOut:
    """A financing product of the institution belongs to this unit."""
    svc.assign_product(uow, unit_id, body.product_id)
    return UnitOut.model_validate(svc.unit_dict(uow, svc.get_unit(uow, unit_id)))


@router.put("/units/{unit_id}/authority", dependencies=[gate(*FUNDERS)])
def set_authority(uow: Uow, unit_id: str, body: AuthorityIn) -> AuthorityOut:
    """A new revision of who may approve what on one of the unit's products; bands that
    overlap or leave a gap are refused naming the band."""
    bands = [
        M.Band(
            lower=b.lower.to_money(f"bands[{i}].lower"),
            upper=b.upper.to_money(f"bands[{i}].upper"),
            max_tenor_days=b.max_tenor_days,
            min_grade=b.min_grade,
            exceptions=b.exceptions,
        )
        for i, b in enumerate(body.bands)
    ]
    row = svc.set_authority(
        uow,
        unit_id,
        body.product_id,
        bands,
        body.second_approval_above.to_money("second_approval_above"),
    )
    return AuthorityOut.model_validate(svc.authority_dict(row))


@router.get("/units/{unit_id}/authority", dependencies=[gate(*INSTITUTIONS, *WATCHERS)])
def authorities(uow: Uow, unit_id: str) -> list[AuthorityOut]:
    """Every revision of the unit's authority, newest first per product."""
    return [
        AuthorityOut.model_validate(svc.authority_dict(a)) for a in svc.authorities_of(uow, unit_id)
    ]


@router.put("/units/{unit_id}/tolerance", dependencies=[gate(*FUNDERS)])
def set_tolerance(uow: Uow, unit_id: str, body: ToleranceIn) -> NplOut:
    """Set the NPL ratio the unit tolerates on a product (or the whole unit), 0 to 1."""
    svc.set_tolerance(uow, unit_id, body.product_id, Decimal(body.ratio))
    return NplOut.model_validate(svc.npl_view(uow, unit_id))


@router.get("/units/{unit_id}/npl", dependencies=[gate(*INSTITUTIONS, *WATCHERS)])
def npl(uow: Uow, unit_id: str) -> NplOut:
    """The unit's NPL ratio against its tolerance, live, whole and per product."""
    return NplOut.model_validate(svc.npl_view(uow, unit_id))


@router.put("/units/{unit_id}/targets", dependencies=[gate(*FUNDERS)])
def set_targets(uow: Uow, unit_id: str, body: TargetsIn) -> list[MeasureOut]:
    """Set the unit's targets per month or per quarter; answers them as measures unmet yet."""
    rows = svc.set_targets(
        uow,
        unit_id,
        body.period_kind.value,
        [(t.indicator.value, Decimal(t.target)) for t in body.targets],
    )
    return [
        MeasureOut(indicator=r.indicator, value=None, target=M.plain(Decimal(r.target)), met=None)
        for r in rows
    ]


@router.get("/units/{unit_id}/performance", dependencies=[gate(*INSTITUTIONS, *WATCHERS)])
def performance(
    uow: Uow,
    unit_id: str,
    period: Annotated[str, Query(pattern=r"^\d{4}-(\d{2}|Q[1-4])$")],
) -> PerformanceOut:
    """The unit's measures over a month (YYYY-MM) or a quarter (YYYY-Qn) against targets."""
    return PerformanceOut.model_validate(svc.unit_performance(uow, unit_id, period))


# ---------------------------------------------------------------- decisions


@router.post("/approvals", dependencies=[gate(*FUNDERS)])
def approve(uow: Uow, body: ApprovalIn) -> DecisionOut:
    """An officer approves an application under the unit's authority; the offer follows at once
    within one officer's authority, or when the second officer approves above the threshold."""
    return DecisionOut.model_validate(svc.decision_dict(svc.approve(uow, body.application_id)))


@router.post("/purchase-approvals", dependencies=[gate(*FUNDERS)])
def approve_purchase(uow: Uow, body: PurchaseApprovalIn) -> DecisionOut:
    """An officer approves buying a certificate piece a holder offered under the unit's
    authority; the piece is bought at once within one officer's authority, or when the second
    officer approves above the threshold."""
    dec = svc.approve_purchase(uow, body.certificate_financing_id)
    return DecisionOut.model_validate(svc.decision_dict(dec))


@router.get("/decisions", dependencies=[gate(*FUNDERS, *WATCHERS)])
def decisions(uow: Uow, unit_id: str | None = None) -> list[DecisionOut]:
    """Who decided what under which authority."""
    return [
        DecisionOut.model_validate(svc.decision_dict(d)) for d in svc.list_decisions(uow, unit_id)
    ]


@router.post("/npl-run", dependencies=[gate(*FUNDERS, "operator")])
def npl_run(uow: Uow) -> list[NplAlertOut]:
    """Raise alerts for units and products near or past their tolerance (the nightly job)."""
    return [NplAlertOut.model_validate(svc.npl_alert_dict(a)) for a in svc.npl_run(uow)]


@router.get("/npl-alerts", dependencies=[gate(*FUNDERS, *WATCHERS)])
def npl_alerts(uow: Uow) -> list[NplAlertOut]:
    """The alerts raised on the institution's units nearing or past their tolerated NPL ratio
    (every institution's for the regulator and the operator)."""
    return [NplAlertOut.model_validate(svc.npl_alert_dict(a)) for a in svc.npl_alerts(uow)]


# ---------------------------------------------------------------- exemptions


@router.post("/exemptions", status_code=status.HTTP_201_CREATED, dependencies=[gate(*FUNDERS)])
def file_exemption(uow: Uow, body: ExemptionIn) -> ExemptionOut:
    """The officer who decided a defaulted financing files for due-diligence exemption."""
    row = svc.file_exemption(uow, body.application_id, body.reasons)
    return ExemptionOut.model_validate(svc.exemption_dict(row))


@router.get("/exemptions", dependencies=[gate(*FUNDERS, *WATCHERS)])
def exemptions(uow: Uow, status: str | None = None) -> list[ExemptionOut]:
    """The institution's filings; every institution's decisions for the regulator."""
    return [
        ExemptionOut.model_validate(svc.exemption_dict(e, with_record=False))
        for e in svc.list_exemptions(uow, status)
    ]


@router.get("/exemptions/{exemption_id}", dependencies=[gate(*FUNDERS, *WATCHERS)])
def get_exemption(uow: Uow, exemption_id: str) -> ExemptionOut:
    """A filing with the record assembled when it was filed."""
    return ExemptionOut.model_validate(svc.exemption_dict(svc.get_exemption(uow, exemption_id)))


@router.post("/exemptions/{exemption_id}/decision", dependencies=[gate(*FUNDERS)])
def decide_exemption(uow: Uow, exemption_id: str, body: ExemptionDecisionIn) -> ExemptionOut:
    """The unit's reviewer grants or refuses the exemption, with the reasons."""
    row = svc.decide_exemption(uow, exemption_id, body.grant, body.reasons)
    return ExemptionOut.model_validate(svc.exemption_dict(row))


# ---------------------------------------------------------------- the regulator's assessment


@router.post(
    "/assessment/indicator-sets",
    status_code=status.HTTP_201_CREATED,
    dependencies=[gate("regulator")],
)
def create_indicator_set(uow: Uow, body: IndicatorSetIn) -> IndicatorSetOut:
    """A new revision of the indicators and weights (the weights add up to 1)."""
    row = svc.create_indicator_set(
        uow, [(w.indicator.value, Decimal(w.weight)) for w in body.indicators], body.note
    )
    return IndicatorSetOut.model_validate(svc.indicator_set_dict(row))


@router.get("/assessment/indicator-sets", dependencies=[gate("regulator", *FUNDERS)])
def indicator_sets(uow: Uow) -> list[IndicatorSetOut]:
    """Every revision of the indicators and weights: what institutions are measured by."""
    return [
        IndicatorSetOut.model_validate(svc.indicator_set_dict(r))
        for r in svc.list_indicator_sets(uow)
    ]


@router.post("/assessments", status_code=status.HTTP_201_CREATED, dependencies=[gate("regulator")])
def run_assessment(uow: Uow, body: AssessmentIn) -> AssessmentOut:
    """Score every institution over a quarter under the newest indicators, and rank them."""
    row = svc.run_assessment(uow, body.quarter)
    return AssessmentOut.model_validate(svc.assessment_view(uow, row.quarter))


@router.get("/assessments/{quarter}", dependencies=[gate("regulator", *FUNDERS)])
def assessment(uow: Uow, quarter: str) -> AssessmentOut:
    """The quarter's ranking: every breakdown for the regulator, an institution's own to it."""
    return AssessmentOut.model_validate(svc.assessment_view(uow, quarter))


@router.get("/assessment-trend", dependencies=[gate("regulator", *FUNDERS)])
def assessment_trend(uow: Uow, org_id: str | None = None) -> list[TrendOut]:
    """An institution's score and rank quarter by quarter (an institution: its own)."""
    return [TrendOut.model_validate(t) for t in svc.trend(uow, org_id)]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/assessments/{quarter}/ranking.xlsx",
    response_class=Response,
    dependencies=[gate("regulator")],
    responses={200: {"description": "the ranking and breakdowns", "content": {XLSX: {}}}},
)
def ranking_xlsx(uow: Uow, quarter: str) -> Response:
    """For the regulator: the quarter's ranking of institutions with every breakdown, as a
    workbook (404 if the quarter was not assessed)."""
    return Response(
        svc.export_xlsx(uow, quarter),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="assessment-{quarter}.xlsx"'},
    )


@router.get(
    "/assessments/{quarter}/ranking.pdf",
    response_class=Response,
    dependencies=[gate("regulator")],
    responses={200: {"description": "the ranking", "content": {"application/pdf": {}}}},
)
def ranking_pdf(uow: Uow, quarter: str) -> Response:
    """For the regulator: the quarter's ranking of institutions as a PDF in Chinese and English
    (404 if the quarter was not assessed)."""
    return Response(
        svc.export_pdf(uow, quarter),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="assessment-{quarter}.pdf"'},
    )
