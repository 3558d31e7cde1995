"""HTTP API of data governance: the catalogue, retention periods, legal holds, the purge and
the subject's rights (its data and the reads of it, correction requests)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, Field

from scf.core.schema import Answer, Identifier, Name, RequestModel, Text, answers
from scf.deps import Uow, roles_allowed
from scf.governance import schemas, service

router = APIRouter(prefix="/governance", tags=["governance"])
PDF = "application/pdf"

PLATFORM = Depends(roles_allowed("operator", "regulator"))
OPERATOR = Depends(roles_allowed("operator"))


class CatalogueEntryOut(BaseModel):
    room: str
    table: str
    column: str
    data_class: str = Field(description="public, internal, confidential, personal or sensitive")
    purpose: str
    shown_as: list[str] = Field(description="the answer keys masked for it (protected classes)")


class RetentionOut(BaseModel):
    kind: str
    table: str
    data_class: str
    days: int
    default_days: int
    minimum_days: int
    legal_basis: str
    action: str


class RetentionIn(RequestModel):
    days: int = Field(ge=0, le=36600, description="days a record is kept after it ends")


Reason = Annotated[str, Text(500)]


class HoldIn(RequestModel):
    org_id: Identifier
    reason: Reason
    authority: Name


class LiftIn(RequestModel):
    reason: Reason


class HoldOut(BaseModel):
    id: str
    org_id: str
    reason: str
    authority: str
    placed_at: datetime
    lifted_at: datetime | None
    lifted_reason: str | None

    @classmethod
    def of(cls, row: Any) -> HoldOut:
        return cls(
            id=row.id,
            org_id=row.org_id,
            reason=row.reason,
            authority=row.authority,
            placed_at=row.placed_at,
            lifted_at=row.lifted_at,
            lifted_reason=row.lifted_reason,
        )


@router.get("/catalogue", response_model=list[CatalogueEntryOut])
def catalogue(uow: Uow) -> list[CatalogueEntryOut]:
    """Every column of every table with its class and the purpose it is held for."""
    return [CatalogueEntryOut(**e) for e in service.catalogue_json()]


@router.get("/retention", dependencies=[PLATFORM], response_model=list[RetentionOut])
def retention(uow: Uow) -> list[RetentionOut]:
    """Each kind of record's retention period, the law's minimum and the legal basis."""
    return [RetentionOut(**p) for p in service.retention_periods(uow)]


@router.put("/retention/{kind}", dependencies=[OPERATOR], response_model=RetentionOut)
def set_retention(kind: str, body: RetentionIn, uow: Uow) -> RetentionOut:
    """Set a kind's retention period; one shorter than the law's minimum is refused."""
    return RetentionOut(**service.set_retention(uow, kind, body.days))


@router.get("/holds", dependencies=[PLATFORM], response_model=list[HoldOut])
def holds(uow: Uow) -> list[HoldOut]:
    """Every legal hold, newest first."""
    return [HoldOut.of(r) for r in service.legal_holds(uow)]


@router.post(
    "/holds",
    dependencies=[PLATFORM],
    response_model=HoldOut,
    status_code=status.HTTP_201_CREATED,
)
def place_hold(body: HoldIn, uow: Uow) -> HoldOut:
    """Hold an organization's records past their retention (a court, the regulator)."""
    return HoldOut.of(service.place_hold(uow, body.org_id, body.reason, body.authority))


@router.post("/holds/{hold_id}/lift", dependencies=[PLATFORM], response_model=HoldOut)
def lift_hold(hold_id: str, body: LiftIn, uow: Uow) -> HoldOut:
    """Lift a legal hold, with the reason."""
    return HoldOut.of(service.lift_hold(uow, hold_id, body.reason))


@router.post("/purge", dependencies=[OPERATOR])
def purge(uow: Uow) -> dict[str, int]:
    """Delete every record past its retention now, keeping the held ones (audited)."""
    return service.purge(uow)


class AccessReadOut(Answer):
    at: datetime
    reader_org_id: str | None
    basis: str = Field(description="why it was read: consent, regulator, district, department")
    consent_id: str | None
    scope: str
    resource: str


class AccessLogOut(Answer):
    total: int
    items: list[AccessReadOut]


class AuditPageOut(Answer):
    total: int
    items: list[dict[str, Any]] = Field(description="audit entries (open: each is a change)")


class SubjectDataOut(Answer):
    """Everything the platform holds on an organization, for the organization itself."""

    organization: dict[str, Any] = Field(description="the organization's record (open)")
    ownership: dict[str, Any] = Field(description="shareholders and key persons (open)")
    consents: list[dict[str, Any]] = Field(description="consents granted and received (open)")
    access_log: AccessLogOut
    audit: AuditPageOut
    generated_at: datetime
    classes: list[str] = Field(description="the data classes the download holds")


@router.get("/my-data", **answers(SubjectDataOut))
def my_data(uow: Uow, org_id: Annotated[str | None, Query(max_length=40)] = None) -> dict[str, Any]:
    """Everything the platform holds on the caller's organization, with the reads by others;
    a request for another organization's data is refused (403)."""
    return service.subject_data(uow, org_id)


@router.get(
    "/my-data.pdf",
    responses={200: {"description": "the same as a readable PDF", "content": {PDF: {}}}},
    response_class=Response,
)
def my_data_pdf(uow: Uow) -> Response:
    """What the platform holds on the caller's organization, as a readable PDF."""
    pdf = service.subject_pdf(service.subject_data(uow))
    return Response(
        pdf, media_type=PDF, headers={"Content-Disposition": 'attachment; filename="my-data.pdf"'}
    )


class CorrectionIn(RequestModel):
    field: Identifier
    value: Annotated[str, Text(300)]
    reason: Reason


class DecisionIn(RequestModel):
    accept: bool
    note: Annotated[str, Text(500)] = ""


class CorrectionOut(BaseModel):
    id: str
    org_id: str
    field: str
    current_value: str
    requested_value: str
    reason: str
    status: str
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str | None

    @classmethod
    def of(cls, row: Any) -> CorrectionOut:
        return cls(**{k: getattr(row, k) for k in cls.model_fields})


@router.post("/corrections", response_model=CorrectionOut, status_code=status.HTTP_201_CREATED)
def request_correction(body: CorrectionIn, uow: Uow) -> CorrectionOut:
    """Ask the operator to correct one field of the caller's organization's record."""
    return CorrectionOut.of(service.request_correction(uow, body.field, body.value, body.reason))


@router.get("/corrections", response_model=list[CorrectionOut])
def corrections(uow: Uow) -> list[CorrectionOut]:
    """Correction requests: the operator sees all, an organization its own."""
    return [CorrectionOut.of(r) for r in service.corrections(uow)]


@router.post(
    "/corrections/{request_id}/decide", dependencies=[OPERATOR], response_model=CorrectionOut
)
def decide_correction(request_id: str, body: DecisionIn, uow: Uow) -> CorrectionOut:
    """Accept a correction (the record is changed) or reject it with a note (operator)."""
    return CorrectionOut.of(service.decide_correction(uow, request_id, body.accept, body.note))


def _quality(row: Any) -> dict[str, Any]:
    return {**row.snapshot(), "description": service.describe_check(row.check).description}


def _quality_run(rows: list[Any]) -> dict[str, Any]:
    return {"results": [_quality(r) for r in rows], "alerts": sum(r.alert for r in rows)}


@router.get("/quality", dependencies=[PLATFORM], **answers(schemas.QualityRunOut))
def quality(uow: Uow) -> dict[str, Any]:
    """The latest data-quality run: each check's counts, score, threshold and failing examples."""
    return _quality_run(service.quality_results(uow))


@router.post("/quality/run", dependencies=[OPERATOR], **answers(schemas.QualityRunOut))
def run_quality(uow: Uow) -> dict[str, Any]:
    """Run every data-quality check now; a check below its threshold raises an alert."""
    return _quality_run(service.run_quality_checks(uow))
