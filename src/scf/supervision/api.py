"""HTTP API of supervision: indicators, series, exports, the alert workflow, lists, sharing
and the files exchanged with other departments.

Everything here is for the regulator alone (seed III.12: centralized management and dynamic
monitoring); every other role gets 403 before the request is read.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from scf.core.errors import InvalidInput
from scf.core.schema import Identifier, Note, RequestModel, answers
from scf.deps import Uow, roles_allowed
from scf.supervision import schemas, service
from scf.supervision.model import parse_granularity

router = APIRouter(
    prefix="/supervision",
    tags=["supervision"],
    dependencies=[Depends(roles_allowed("regulator"))],
)


class Strict(RequestModel):
    model_config = ConfigDict(extra="forbid")


class AssignIn(Strict):
    assignee: Identifier = Field(min_length=1, max_length=120)
    note: Note = Field(default="", max_length=1000)


class NoteIn(Strict):
    note: Note = Field(min_length=1, max_length=1000)


class ResolveIn(Strict):
    resolution: Note = Field(min_length=1, max_length=1000)


Start = Annotated[date | None, Query(description="first decision date, YYYY-MM-DD")]
End = Annotated[date | None, Query(description="last decision date, YYYY-MM-DD")]


@router.get("/indicators", **answers(schemas.SupervisionIndicatorsOut))
def indicators(uow: Uow, start: Start = None, end: End = None) -> dict[str, Any]:
    """Live indicators over a period (all time by default)."""
    return service.indicators(uow, start, end)


@router.get("/series", **answers(schemas.SupervisionSeriesOut))
def series(
    uow: Uow,
    granularity: Annotated[str, Query(pattern="^(day|month)$")] = "day",
    start: Start = None,
    end: End = None,
) -> dict[str, Any]:
    """Daily or monthly series (the last 30 days or 12 months by default)."""
    d_start, d_end = service.default_period(uow, parse_granularity(granularity))
    return service.series(uow, granularity, start or d_start, end or d_end)


def _origin(request: Request, uow: Uow, period: str) -> dict[str, str]:
    """The headers that name an export's query, period and data version."""
    query = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return service.provenance(uow, query, period)


def _span(start: date | None, end: date | None) -> str:
    return f"{start or ''}/{end or ''}" if start or end else ""


@router.get("/exports/indicators.csv", response_class=Response)
def export_csv(request: Request, uow: Uow, start: Start = None, end: End = None) -> Response:
    """For the regulator: the supervision indicators of a period as CSV."""
    return Response(
        service.export_csv(uow, start, end),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="indicators.csv"',
            **_origin(request, uow, _span(start, end)),
        },
    )


@router.get("/exports/indicators.xlsx", response_class=Response)
def export_xlsx(
    request: Request,
    uow: Uow,
    start: Start = None,
    end: End = None,
    granularity: Annotated[str, Query(pattern="^(day|month)$")] = "month",
) -> Response:
    """For the regulator: the supervision indicators of a period as an Excel workbook."""
    return Response(
        service.export_xlsx(uow, start, end, granularity),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": 'attachment; filename="indicators.xlsx"',
            **_origin(request, uow, _span(start, end)),
        },
    )


@router.get("/reports/monthly.pdf", response_class=Response)
def monthly_report(
    request: Request, uow: Uow, month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]
) -> Response:
    """The monthly report (month as YYYY-MM) as PDF."""
    return Response(
        service.monthly_report_pdf(uow, month),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="supervision-{month}.pdf"',
            **_origin(request, uow, month),
        },
    )


@router.get("/reports/report.pdf", response_class=Response)
def period_report(
    request: Request,
    uow: Uow,
    period: Annotated[str, Query(pattern=r"^\d{4}-(\d{2}|Q[1-4])$")],
) -> Response:
    """The report of a month (YYYY-MM) or a quarter (YYYY-Qn) as PDF."""
    return Response(
        service.report_pdf(uow, period),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="supervision-{period}.pdf"',
            **_origin(request, uow, period),
        },
    )


@router.get("/alerts", **answers(list[schemas.SupervisionAlertsItemOut]))
def alerts(uow: Uow, status: str | None = None, org_id: str | None = None) -> list[dict[str, Any]]:
    """Alerts from every room with the regulator's handling of each."""
    return service.alert_inbox(uow, status, org_id)


@router.post("/alerts/{source}/{alert_id}/assign", **answers(schemas.CaseOut))
def assign(source: str, alert_id: str, body: AssignIn, uow: Uow) -> dict[str, Any]:
    """For the regulator: assign an alert of any room to a person, with a note."""
    return service.assign_alert(uow, source, alert_id, body.assignee, body.note)


@router.post("/alerts/{source}/{alert_id}/notes", **answers(schemas.CaseOut))
def note(source: str, alert_id: str, body: NoteIn, uow: Uow) -> dict[str, Any]:
    """For the regulator: add a note to an alert's case file."""
    return service.add_note(uow, source, alert_id, body.note)


@router.post("/alerts/{source}/{alert_id}/resolve", **answers(schemas.CaseOut))
def resolve(source: str, alert_id: str, body: ResolveIn, uow: Uow) -> dict[str, Any]:
    """For the regulator: resolve an alert with a resolution."""
    return service.resolve_alert(uow, source, alert_id, body.resolution)


@router.get("/lists", **answers(list[schemas.SupervisionListEntryOut]))
def lists(
    uow: Uow, kind: Annotated[str | None, Query(pattern="^(white|black|red)$")] = None
) -> list[dict[str, Any]]:
    """List entries with licence details, dates, reasons, enforcement and effects."""
    return service.listings(uow, kind)


@router.get("/enterprises/{org_id}", **answers(schemas.SupervisionEnterpriseOut))
def enterprise(org_id: str, uow: Uow) -> dict[str, Any]:
    """Drill-down: one enterprise with its score, findings, alerts and the graph around it."""
    return service.enterprise_view(uow, org_id)


@router.get("/sharing-export", **answers(schemas.SupervisionSharingOut))
def sharing(request: Request, uow: Uow) -> Response:
    """The information-sharing file for other agencies (JSON, with a SHA-256 digest)."""
    import json

    body = service.sharing_export(uow)
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="scf-sharing.json"',
            **_origin(request, uow, ""),
        },
    )


class BatchOut(BaseModel):
    id: str
    source: str
    direction: str
    file_name: str
    sha256: str
    records: int


class RaisedOut(BaseModel):
    id: str
    org_id: str
    kind: str


class MarketImportOut(BaseModel):
    batch: BatchOut
    applied: int
    alerts: list[RaisedOut]


class ListImportOut(BaseModel):
    batch: BatchOut
    applied: int


FileName = Annotated[str, Query(min_length=1, max_length=255, pattern=r"^[\w.\-]+$")]


async def _file(request: Request) -> bytes:
    body = await request.body()
    if not body.strip():
        raise InvalidInput("send the file as the request body", field="file")
    return body


@router.post("/exchange/market-changes", response_model=MarketImportOut)
async def market_changes(request: Request, uow: Uow, file_name: FileName) -> MarketImportOut:
    """Import market supervision's changes (JSON Lines as the body): a malformed record is
    reported with its line and nothing is applied; moved groups and listings raise alerts."""
    body = await _file(request)
    return MarketImportOut(**service.import_market_changes(uow, file_name, body))


@router.get(
    "/exchange/joint-lists",
    **answers(schemas.JointListsFileOut, description="the joint lists file"),
)
def joint_lists(uow: Uow) -> Response:
    """The live black and red lists for other departments, with the digest of the entries."""
    name, content = service.export_joint_lists(uow)
    return Response(
        content,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/exchange/joint-lists", response_model=ListImportOut)
async def import_joint_lists(request: Request, uow: Uow, file_name: FileName) -> ListImportOut:
    """Import another department's joint lists (the file as the body): the digest must match
    and every entry must name a platform enterprise, else nothing is listed."""
    body = await _file(request)
    return ListImportOut(**service.import_joint_lists(uow, file_name, body))
