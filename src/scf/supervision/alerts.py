"""The alert workflow over every room's alerts: open, assigned, resolved with notes.

The only table of supervision holds the regulator's handling of an alert (who has it, the
notes, the resolution), keyed by the room and the alert's id in that room.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from scf.certificates import service as certificates
from scf.core.errors import InvalidInput, NotFound
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.risk import service as risk
from scf.supervision.calendar import load_rows, load_summary
from scf.supervision.exchange import exchange_alerts
from scf.supervision.facts import financing_room, require_regulator
from scf.supervision.model import AlertSource, CaseStatus, next_status, parse_source
from scf.supervision.tables import AlertCaseRow


def alert_inbox(
    uow: UnitOfWork, status: str | None = None, org_id: str | None = None
) -> list[dict[str, Any]]:
    """Alerts from every room with the regulator's handling of each, newest first."""
    require_regulator(uow)
    return alerts_about(uow, status, org_id)


def alerts_about(
    uow: UnitOfWork,
    status: str | None = None,
    org_id: str | None = None,
    org_ids: set[str] | None = None,
) -> list[dict[str, Any]]:
    """The inbox without the role check, optionally about some organizations only: for the
    callers that checked who may see what (the district views)."""
    if status is not None and status not in {s.value for s in CaseStatus}:
        raise InvalidInput("use open, assigned or resolved", field="status")
    cases = {(c.source, c.alert_id): c for c in uow.session.scalars(select(AlertCaseRow))}
    raw = _raw_alerts(uow)
    orgs = parties.organizations_by_id(uow, {a["org_id"] for a in raw if a["org_id"]})
    out = []
    for a in raw:
        item = _handled(a, cases.get((a["source"], a["alert_id"])), orgs)
        if (
            (status is None or item["status"] == status)
            and (org_id is None or a["org_id"] == org_id)
            and (org_ids is None or a["org_id"] in org_ids)
        ):
            out.append(item)
    out.sort(key=lambda x: (x["raised_at"] or "", x["alert_id"]), reverse=True)
    return out


def assign_alert(
    uow: UnitOfWork, source: str, alert_id: str, assignee: str, note: str = ""
) -> dict[str, Any]:
    """Give an alert to a named officer, optionally with a note."""
    require_regulator(uow)
    if not assignee.strip():
        raise InvalidInput("name the officer who takes the alert", field="assignee")
    row, _ = _case(uow, source, alert_id)
    before = row.snapshot()
    row.status = next_status(row.status, "assign").value
    row.assignee = assignee.strip()[:120]
    row.assigned_at = uow.now()
    if note.strip():
        row.notes = [*row.notes, _note(uow, note, "note")]
    _record(uow, row, "supervision.alert.assigned", before=before, after=row.snapshot())
    uow.commit()
    return _case_out(row)


def add_note(uow: UnitOfWork, source: str, alert_id: str, note: str) -> dict[str, Any]:
    """Add a note to an alert's file (also after it is resolved)."""
    row, _, entry = _noted_case(uow, source, alert_id, note, "note")
    row.notes = [*row.notes, entry]
    _record(uow, row, "supervision.alert.noted", before=None, after=entry)
    uow.commit()
    return _case_out(row)


def resolve_alert(uow: UnitOfWork, source: str, alert_id: str, resolution: str) -> dict[str, Any]:
    """Close an alert with how it was resolved; a risk alert is closed in the risk room too."""
    row, raw, entry = _noted_case(uow, source, alert_id, resolution, "resolution")
    before = row.snapshot()
    row.status = next_status(row.status, "resolve").value
    row.resolved_at = uow.now()
    row.resolution = entry["text"]
    row.notes = [*row.notes, entry]
    _record(uow, row, "supervision.alert.resolved", before=before, after=row.snapshot())
    if row.source == AlertSource.RISK.value and raw["room_resolved_at"] is None:
        risk.resolve_alert(uow, alert_id, entry["text"])  # commits this unit of work
    else:
        uow.commit()
    return _case_out(row)


# ---------------------------------------------------------------- the rooms' alerts


def _alert(
    source: AlertSource,
    alert_id: str,
    org_id: str | None,
    kind: str,
    severity: str,
    summary: str,
    raised_at: datetime | None,
    resolved_at: datetime | None = None,
    resolution: str | None = None,
    evidence: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One room's alert in the shape the inbox reads; the evidence carries the figures its
    summary names, so that pages can say it in the reader's language."""
    return {
        "source": source.value,
        "alert_id": alert_id,
        "org_id": org_id,
        "kind": kind,
        "severity": severity,
        "summary": summary,
        "raised_at": raised_at,
        "room_resolved_at": resolved_at,
        "room_resolution": resolution,
        "evidence": dict(evidence or {}),
    }


def _raw_alerts(uow: UnitOfWork) -> list[dict[str, Any]]:
    rows, _ = risk.list_alerts(uow, limit=100_000)
    out = [
        _alert(
            AlertSource.RISK,
            r.id,
            r.org_id,
            r.kind,
            r.severity,
            r.summary,
            r.raised_at,
            r.resolved_at,
            r.resolution,
            r.evidence,
        )
        for r in rows
    ]
    out += [
        _alert(
            AlertSource.CERTIFICATES,
            c.id,
            c.issuer_org_id,
            f"certificate_{c.kind}",
            "high" if c.kind == "defaulted" else "medium",
            c.message,
            c.raised_at,
            evidence={
                "certificate_id": c.certificate_id,
                "unpaid": Money(c.unpaid_minor, c.currency).as_json(),
            },
        )
        for c in certificates.list_alerts(uow)
    ]
    out += [
        _alert(
            AlertSource.CALENDAR,
            c.id,
            None,
            "calendar_dates_rolled",
            "medium" if c.dates else "low",
            load_summary(c),
            c.loaded_at,
        )
        for c in load_rows(uow)
    ]
    out += _institution_alerts(uow)
    out += [
        _alert(
            AlertSource.SHARING,
            x.id,
            x.org_id,
            x.kind,
            x.severity,
            x.summary,
            x.raised_at,
            evidence=x.evidence,
        )
        for x in exchange_alerts(uow)
    ]
    call = getattr(financing_room(), "list_alerts", None)
    for a in call(uow) if call is not None else []:
        get = a.get if isinstance(a, dict) else lambda k, d=None, a=a: getattr(a, k, d)
        out.append(
            _alert(
                AlertSource.FINANCING,
                str(get("id")),
                get("org_id"),
                str(get("kind", "financing")),
                str(get("severity", "medium")),
                str(get("summary", get("message", ""))),
                get("raised_at"),
                get("resolved_at"),
                get("resolution"),
                get("evidence") or {},
            )
        )
    return out


def _institution_alerts(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Units near or past their tolerated NPL ratio (the institutions room)."""
    from scf.institutions import service as institutions

    return [
        _alert(
            AlertSource.INSTITUTIONS,
            a["id"],
            a["org_id"],
            a["kind"],
            a["severity"],
            a["summary"],
            a["raised_at"],
            a["resolved_at"],
            None,
            a["evidence"],
        )
        for a in map(institutions.npl_alert_dict, institutions.npl_alerts(uow))
    ]


def _handled(a: dict[str, Any], case: AlertCaseRow | None, orgs: dict[str, Any]) -> dict[str, Any]:
    """An alert with the regulator's handling: the case if there is one, else the room's."""
    if case is not None:
        state, assignee, notes = case.status, case.assignee, list(case.notes)
        resolved_at, resolution = case.resolved_at, case.resolution
    elif a["room_resolved_at"] is not None:
        state, assignee, notes = CaseStatus.RESOLVED.value, None, []
        resolved_at, resolution = a["room_resolved_at"], a["room_resolution"]
    else:
        state, assignee, notes, resolved_at, resolution = "open", None, [], None, None
    return {
        "source": a["source"],
        "alert_id": a["alert_id"],
        "org_id": a["org_id"],
        "org_name": orgs[a["org_id"]].name if a["org_id"] in orgs else None,
        "kind": a["kind"],
        "severity": a["severity"],
        "summary": a["summary"],
        "evidence": a["evidence"],
        "raised_at": a["raised_at"].isoformat() if a["raised_at"] else None,
        "status": state,
        "assignee": assignee,
        "notes": notes,
        "resolved_at": resolved_at.isoformat() if resolved_at else None,
        "resolution": resolution,
    }


# ---------------------------------------------------------------- cases


def _case(uow: UnitOfWork, source: str, alert_id: str) -> tuple[AlertCaseRow, dict[str, Any]]:
    src = parse_source(source)
    raw = next(
        (a for a in _raw_alerts(uow) if a["source"] == src.value and a["alert_id"] == alert_id),
        None,
    )
    if raw is None:
        raise NotFound(f"{src.value} alert {alert_id} not found")
    row = uow.session.scalar(
        select(AlertCaseRow).where(
            AlertCaseRow.source == src.value, AlertCaseRow.alert_id == alert_id
        )
    )
    if row is None:
        resolved = raw["room_resolved_at"] is not None
        row = AlertCaseRow(
            id=new_id("case"),
            source=src.value,
            alert_id=alert_id,
            status=CaseStatus.RESOLVED.value if resolved else CaseStatus.OPEN.value,
            assignee=None,
            notes=[],
            opened_at=raw["raised_at"] or uow.now(),
            resolved_at=raw["room_resolved_at"],
            resolution=raw["room_resolution"],
        )
        uow.session.add(row)
    return row, raw


def _noted_case(
    uow: UnitOfWork, source: str, alert_id: str, text: str, field: str
) -> tuple[AlertCaseRow, dict[str, Any], dict[str, Any]]:
    """The regulator's case of an alert, its room's alert and a checked note to add to it."""
    require_regulator(uow)
    entry = _note(uow, text, field)
    row, raw = _case(uow, source, alert_id)
    return row, raw, entry


def _note(uow: UnitOfWork, text: str, field: str) -> dict[str, Any]:
    text = text.strip()
    if not text:
        raise InvalidInput("write a note", field=field)
    if len(text) > 1000:
        raise InvalidInput("at most 1000 characters", field=field)
    return {"at": uow.now().isoformat(), "by": uow.actor.username, "text": text}


def _record(
    uow: UnitOfWork,
    row: AlertCaseRow,
    action: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    """Write the case and its audit entry (the caller commits)."""
    uow.flush()
    uow.audit(action, "alert_case", row.id, before=before, after=after)


def _case_out(row: AlertCaseRow) -> dict[str, Any]:
    return {
        **row.snapshot(),
        "opened_at": row.opened_at.isoformat(),
        "assigned_at": row.assigned_at.isoformat() if row.assigned_at else None,
        "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None,
    }
