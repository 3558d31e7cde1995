"""HTTP API of the official holiday schedules: the operator loads one, the alerts it raised.

`POST /calendar/files` takes a year's schedule file (docs/calendar.md) as the request body,
rolls the stored dates again and raises one alert; `GET /calendar/alerts` lists the loads
with every date each moved or kept, for the operator and the regulator.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from scf.core.errors import InvalidInput
from scf.core.schema import answers
from scf.deps import Uow, roles_allowed
from scf.supervision import schemas, service

router = APIRouter(prefix="/calendar", tags=["calendar"])

MAX_FILE_BYTES = 1_000_000  # a year's notice is a few kilobytes


@router.post(
    "/files",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(roles_allowed("operator"))],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
    **answers(schemas.CalendarAlertsItemOut, 201),
)
async def load_file(
    request: Request,
    uow: Uow,
    name: Annotated[str, Query(max_length=255, description="the file's name, kept")] = "",
) -> dict[str, Any]:
    """Load a year's official schedule (the file as the body); roll stored dates again."""
    body = await request.body()
    if not body.strip():
        raise InvalidInput("send the calendar file (JSON) as the request body", field="body")
    if len(body) > MAX_FILE_BYTES:
        raise InvalidInput(f"at most {MAX_FILE_BYTES} bytes", field="body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("not UTF-8 text; a calendar file is JSON", field="body") from None
    return service.load_official_calendar(
        uow, text, name or "calendar.json", getattr(uow.settings, "calendar_dir", None)
    )


@router.get(
    "/alerts",
    dependencies=[Depends(roles_allowed("operator", "regulator"))],
    **answers(list[schemas.CalendarAlertsItemOut]),
)
def alerts(uow: Uow) -> list[dict[str, Any]]:
    """Every official schedule loaded, newest first, with each stored date moved or kept."""
    return service.calendar_loads(uow)
