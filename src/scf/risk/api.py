"""HTTP API of the risk room: scores, limits, findings, alerts, contagion and model governance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from scf.core.schema import Name, Note, Page, RequestModel, answers
from scf.deps import Paging, Uow, roles_allowed
from scf.risk import schemas, service
from scf.risk.tables import RiskAlertRow, RiskModelRow

router = APIRouter(prefix="/risk", tags=["risk"])

# Scores and findings are credit data: the regulator and operator read all, an institution
# only under the SME's consent (checked in the service, 404 otherwise), an enterprise its own.
READERS = Depends(
    roles_allowed(
        "regulator",
        "operator",
        "bank",
        "factoring_company",
        "local_financial_org",
        "insurer",
        "guarantee_company",
        "supplier",
        "distributor",
        "core_enterprise",
    )
)
WATCHERS = Depends(roles_allowed("regulator", "operator", *service.FUNDERS))
OPERATOR = Depends(roles_allowed("operator"))
PLATFORM = Depends(roles_allowed("regulator", "operator"))


class Strict(RequestModel):
    model_config = ConfigDict(extra="forbid")


class ScoreOut(BaseModel):
    org_id: str
    score: int
    grade: str
    pd: float
    reasons: list[dict[str, Any]]
    model_version: str
    features: dict[str, Any]


class FindingOut(BaseModel):
    kind: str
    severity: str
    org_ids: list[str]
    summary: str
    path: list[str]
    evidence: dict[str, Any]
    score: float | None = None


class LimitOut(BaseModel):
    org_id: str
    limit: dict[str, str] | None
    grade: str | None = None
    basis: dict[str, Any] = {}


class AlertOut(BaseModel):
    id: str
    org_id: str | None
    kind: str
    severity: str
    status: str
    summary: str
    evidence: dict[str, Any]
    raised_at: str
    resolved_at: str | None
    resolution: str | None


class ResolveIn(Strict):
    resolution: Note = Field(min_length=1, max_length=500)


class PromoteIn(Strict):
    status: Name = Field(description="champion, challenger or retired")


class ModelOut(BaseModel):
    id: str
    name: str
    kind: str
    status: str
    data_hash: str
    features: list[str]
    metrics: dict[str, Any]
    model_card: dict[str, Any]
    created_at: str
    promoted_at: str | None


def _alert(row: RiskAlertRow) -> AlertOut:
    snap = row.snapshot()
    return AlertOut(**{k: snap[k] for k in AlertOut.model_fields})


def _model(row: RiskModelRow) -> ModelOut:
    snap = row.snapshot()
    return ModelOut(**{k: snap[k] for k in ModelOut.model_fields})


@router.get("/scores/{org_id}", dependencies=[READERS], response_model=ScoreOut)
def get_score(org_id: str, uow: Uow) -> ScoreOut:
    """Score an enterprise now: score, grade, PD, reason codes and model version."""
    return ScoreOut(**service.score_enterprise(uow, org_id).as_dict())


@router.get("/findings/{org_id}", dependencies=[READERS], response_model=list[FindingOut])
def get_findings(org_id: str, uow: Uow) -> list[FindingOut]:
    """Circular trade, fan patterns, self-financing and shell indicators involving it."""
    out = [FindingOut(**f.as_dict()) for f in service.graph_findings(uow, org_id)]
    uow.commit()  # keeps the logged read
    return out


@router.get("/related-check", dependencies=[WATCHERS], response_model=FindingOut | None)
def related_check(
    uow: Uow,
    applicant: Annotated[str, Query(min_length=1)],
    debtor: Annotated[str, Query(min_length=1)],
) -> FindingOut | None:
    """Are an applicant and its debtor one control group or otherwise related?"""
    from scf.parties import service as parties

    parties.authorize_read(uow, applicant, service.CREDIT, f"risk/related-check/{applicant}")
    finding = service.related_party_check(uow, applicant, debtor)
    uow.commit()
    return FindingOut(**finding.as_dict()) if finding else None


@router.get("/limits/{org_id}", dependencies=[READERS], response_model=LimitOut)
def get_limit(org_id: str, uow: Uow) -> LimitOut:
    """The dynamic limit (headroom) from score, exposure and open alerts."""
    limit = service.limit_for(uow, org_id)
    row = service.stored_limit(uow, org_id)
    uow.commit()
    return LimitOut(
        org_id=org_id,
        limit=limit.as_json() if limit else None,
        grade=row.grade if row else None,
        basis=row.basis if row else {},
    )


@router.post("/signals/{org_id}/evaluate", dependencies=[WATCHERS], response_model=list[AlertOut])
def evaluate(org_id: str, uow: Uow) -> list[AlertOut]:
    """Check the early-warning signals now and return the alerts raised."""
    return [_alert(r) for r in service.evaluate_signals(uow, org_id)]


@router.get("/alerts", response_model=Page[AlertOut])
def alerts(
    uow: Uow,
    paging: Paging,
    org_id: str | None = None,
    status: str | None = None,
    kind: str | None = None,
) -> Page[AlertOut]:
    """Alerts: all for the regulator, those raised to it for an institution."""
    rows, total = service.list_alerts(
        uow, org_id=org_id, status=status, kind=kind, limit=paging.limit, offset=paging.offset
    )
    return Page[AlertOut](
        items=[_alert(r) for r in rows], total=total, limit=paging.limit, offset=paging.offset
    )


@router.post("/alerts/{alert_id}/resolve", dependencies=[WATCHERS], response_model=AlertOut)
def resolve(alert_id: str, body: ResolveIn, uow: Uow) -> AlertOut:
    """A watcher (regulator, operator or funder) resolves an open risk alert with a resolution
    note. Refuses an alert resolved already (409)."""
    return _alert(service.resolve_alert(uow, alert_id, body.resolution))


@router.get("/contagion/{org_id}", dependencies=[PLATFORM], **answers(schemas.ContagionOut))
def contagion(org_id: str, uow: Uow) -> dict[str, Any]:
    """If this core enterprise defaulted: the exposure reaching each party, tier by tier."""
    out = service.contagion_of(uow, org_id)
    uow.commit()
    return out


@router.get("/models", dependencies=[WATCHERS], response_model=list[ModelOut])
def models(uow: Uow) -> list[ModelOut]:
    """Model versions with their data hash, features, metrics and model card."""
    return [_model(r) for r in service.list_models(uow)]


@router.post("/models/{model_id}/promote", dependencies=[OPERATOR], response_model=ModelOut)
def promote(model_id: str, body: PromoteIn, uow: Uow) -> ModelOut:
    """The operator moves a risk model to champion, challenger or retired; the previous
    champion becomes a challenger."""
    return _model(service.promote_model(uow, model_id, body.status))
