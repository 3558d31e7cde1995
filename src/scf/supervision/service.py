"""Use cases of supervision: live indicators from every room, the alert workflow, the lists,
exports (CSV, XLSX, PDF) and the information-sharing file.

Indicators are computed on read from the rooms' services, never copied into tables of our
own, so the regulator always sees the live state; the only table here holds the regulator's
handling of alerts (who has it, notes, the resolution), keyed by the room and alert id.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import io
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scf.certificates import service as certificates
from scf.core.errors import InvalidInput, NotFound
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.risk import service as risk
from scf.supervision.model import (
    ENFORCEMENT,
    AlertSource,
    CaseStatus,
    FinancingFact,
    Granularity,
    bucket,
    buckets,
    hours_stats,
    month_bounds,
    next_status,
    parse_granularity,
    parse_source,
    ratio,
    sum_by,
    weighted_rate,
)
from scf.supervision.tables import AlertCaseRow
from scf.trade import service as trade

SHARING_SCHEMA = "scf-supervision-sharing/1"
UTC_MIDNIGHT = time(0, 0)


def require_regulator(uow: UnitOfWork) -> None:
    parties.require_role(uow.actor, "regulator")


def _financing_room() -> Any | None:
    """The financing room's service, once it exists (it is optional for supervision)."""
    try:
        return importlib.import_module("scf.financing.service")
    except ImportError:
        return None


# ---------------------------------------------------------------- financing facts


def financing_facts(uow: UnitOfWork) -> list[FinancingFact]:
    """Every financing booked on the platform: certificate pieces sold to institutions, and
    the financing room's financings when that room offers `financing_records`. A reverse
    factoring applied for in the financing room also books a piece financing in the
    certificates room; the application stands for both (it knows the channel and the time
    of application), so that piece financing is not counted again."""
    call = getattr(_financing_room(), "financing_records", None)
    room = call(uow) if call is not None else []
    counted = {r["certificate_financing_id"] for r in room if r.get("certificate_financing_id")}
    facts: list[FinancingFact] = []
    for r in certificates.financing_records(uow):
        if r["id"] in counted:
            continue
        cert_status = r["certificate_status"]
        facts.append(
            FinancingFact(
                source="certificates",
                id=r["id"],
                borrower_org_id=r["seller_org_id"],
                funder_org_id=r["funder_org_id"],
                core_org_id=r["issuer_org_id"],
                scenario="reverse_factoring",
                amount=r["amount"],
                rate=r["rate"],
                status=r["status"],
                applied_at=r["created_at"],
                decided_at=r["decided_at"],
                green_channel=False,
                tier=r["tier"],
                overdue=cert_status == "overdue",
                defaulted=cert_status == "defaulted",
            )
        )
    for r in room:
        amount = r["amount"]
        facts.append(
            FinancingFact(
                source="financing",
                id=str(r["id"]),
                borrower_org_id=r["borrower_org_id"],
                funder_org_id=r.get("funder_org_id") or "",
                core_org_id=r.get("core_org_id"),
                scenario=str(r.get("scenario") or "unknown"),
                amount=amount if isinstance(amount, Money) else Money.of(**amount),
                rate=Decimal(str(r["rate"])) if r.get("rate") is not None else None,
                status=str(r.get("status") or ""),
                applied_at=r["applied_at"],
                decided_at=r.get("decided_at"),
                green_channel=bool(r.get("green_channel")),
                tier=r.get("tier"),
                overdue=bool(r.get("overdue")),
                defaulted=bool(r.get("defaulted")),
                disbursed=bool(r["disbursed"]) if "disbursed" in r else None,
            )
        )
    return facts


def _on(dt: datetime | None) -> date | None:
    return dt.date() if dt is not None else None


def _in_period(f: FinancingFact, start: date | None, end: date | None) -> bool:
    d = _on(f.decided_at) or f.applied_at.date()
    return (start is None or d >= start) and (end is None or d <= end)


# ---------------------------------------------------------------- indicators


def indicators(
    uow: UnitOfWork, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """The regulator's live indicators over a period of decision dates (all time by default)."""
    require_regulator(uow)
    if start and end and end < start:
        raise InvalidInput("the end is before the start", field="end")
    facts = [f for f in financing_facts(uow) if _in_period(f, start, end)]
    ids = {f.borrower_org_id for f in facts} | {f.funder_org_id for f in facts}
    ids |= {f.core_org_id for f in facts if f.core_org_id}
    orgs = parties.organizations_by_id(uow, ids)
    funded = [f for f in facts if f.funded]
    smes = [
        f for f in funded if f.borrower_org_id in orgs and parties.is_sme(orgs[f.borrower_org_id])
    ]

    def name(org_id: str | None) -> str:
        return orgs[org_id].name if org_id in orgs else (org_id or "")

    def labelled(rows: list[dict[str, Any]], label: Callable[[str], str]) -> list[dict[str, Any]]:
        return [{**r, "label": label(r["key"])} for r in rows]

    by_chain: list[FinancingFact] = []
    chain_of: dict[str, str] = {}
    for f in smes:
        for tag in orgs[f.borrower_org_id].chain_tags or ["none"]:
            clone = FinancingFact(**{**f.__dict__, "id": f"{f.id}:{tag}"})
            chain_of[clone.id] = tag
            by_chain.append(clone)
    decided = [f for f in facts if f.decided_at is not None]
    certs = certificates.list_certificates(uow)
    overdue = [c for c in certs if c.status == "overdue"]
    defaulted = [c for c in certs if c.status == "defaulted"]
    face = sum(c.face_minor for c in certs)
    inbox = alert_inbox(uow)
    return {
        "period": {
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
        },
        "as_of": uow.now().isoformat(),
        "sme_volume": {
            "total": sum_by(smes, lambda f: "all"),
            "by_district": sum_by(smes, lambda f: orgs[f.borrower_org_id].district),
            "by_chain": [
                {**r, "label": r["key"]} for r in sum_by(by_chain, lambda f: chain_of[f.id])
            ],
            "by_scenario": sum_by(smes, lambda f: f.scenario),
            "by_institution": labelled(sum_by(smes, lambda f: f.funder_org_id), name),
            "by_tier": sum_by(smes, lambda f: f.tier if f.tier is not None else "n/a"),
        },
        "reach": certificates.reach_figures(uow),
        "pricing": {
            "all": weighted_rate(funded),
            "by_scenario": {
                s: weighted_rate([f for f in funded if f.scenario == s])
                for s in sorted({f.scenario for f in funded})
            },
        },
        "time_to_decision": {
            "green_channel": hours_stats(
                [f.decided_at - f.applied_at for f in decided if f.green_channel and f.decided_at]
            ),
            "standard": hours_stats(
                [
                    f.decided_at - f.applied_at
                    for f in decided
                    if not f.green_channel and f.decided_at
                ]
            ),
        },
        "credit_quality": {
            "financings": len(funded),
            "financings_overdue": sum(f.overdue for f in funded),
            "financings_defaulted": sum(f.defaulted for f in funded),
            "overdue_rate": ratio(sum(f.overdue for f in funded), len(funded)),
            "default_rate": ratio(sum(f.defaulted for f in funded), len(funded)),
            "certificates": len(certs),
            "certificates_overdue": len(overdue),
            "certificates_defaulted": len(defaulted),
            "certificate_overdue_rate_by_amount": ratio(
                sum(c.face_minor - c.paid_minor for c in overdue), face
            ),
            "certificate_default_rate_by_amount": ratio(
                sum(c.face_minor - c.paid_minor for c in defaulted), face
            ),
        },
        "exposures": exposures(uow),
        "alerts": _alert_counts(inbox),
        "lists": _list_counts(uow),
    }


def exposures(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Each institution's exposure to each core enterprise against its cap, with names."""
    rows = certificates.institution_exposures(uow)
    orgs = parties.organizations_by_id(
        uow, {r["funder_org_id"] for r in rows} | {r["core_org_id"] for r in rows}
    )
    for r in rows:
        r["funder_name"] = orgs[r["funder_org_id"]].name if r["funder_org_id"] in orgs else ""
        r["core_name"] = orgs[r["core_org_id"]].name if r["core_org_id"] in orgs else ""
        cap = Decimal(r["cap"]["amount"])
        r["utilisation"] = (
            str((Decimal(r["exposure"]["amount"]) / cap).quantize(Decimal("0.0001")))
            if cap
            else None
        )
    return rows


def _alert_counts(inbox: list[dict[str, Any]]) -> dict[str, Any]:
    by_source: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_kind: dict[str, int] = defaultdict(int)
    for a in inbox:
        by_source[a["source"]][a["status"]] += 1
        by_kind[a["kind"]] += 1
    return {
        "raised": len(inbox),
        "open": sum(a["status"] == CaseStatus.OPEN.value for a in inbox),
        "assigned": sum(a["status"] == CaseStatus.ASSIGNED.value for a in inbox),
        "resolved": sum(a["status"] == CaseStatus.RESOLVED.value for a in inbox),
        "by_source": {k: dict(v) for k, v in sorted(by_source.items())},
        "by_kind": dict(sorted(by_kind.items())),
    }


def _list_counts(uow: UnitOfWork) -> dict[str, Any]:
    entries = parties.list_entries(uow)
    today = uow.today()
    out: dict[str, Any] = {}
    for kind in ("white", "black", "red"):
        mine = [e for e in entries if e.kind == kind]
        out[kind] = {"live": sum(e.is_live(today) for e in mine), "total": len(mine)}
    out["effects"] = [
        {k: e[k] for k in ("kind", "org_id", "name", "financings_after", "enforced")}
        for e in listings(uow)
        if e["kind"] in ("black", "red")
    ]
    return out


# ---------------------------------------------------------------- series


def series(uow: UnitOfWork, granularity: str, start: date, end: date) -> dict[str, Any]:
    """Daily or monthly points: SME financing volume and count, alerts raised and resolved,
    list entries added; every period appears, empty ones as zero."""
    require_regulator(uow)
    g = parse_granularity(granularity)
    labels = buckets(start, end, g)
    index = {label: i for i, label in enumerate(labels)}
    n = len(labels)
    facts = [f for f in financing_facts(uow) if f.funded]
    orgs = parties.organizations_by_id(uow, {f.borrower_org_id for f in facts})
    volume: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    count = [0] * n
    for f in facts:
        org = orgs.get(f.borrower_org_id)
        d = _on(f.decided_at) or f.applied_at.date()
        i = index.get(bucket(d, g))
        if org is None or not parties.is_sme(org) or i is None:
            continue
        volume[f.amount.currency][i] += f.amount.minor
        count[i] += 1
    raised = [0] * n
    resolved = [0] * n
    for a in alert_inbox(uow):
        i = index.get(bucket(datetime.fromisoformat(a["raised_at"]).date(), g))
        if i is not None:
            raised[i] += 1
        if a["resolved_at"]:
            j = index.get(bucket(datetime.fromisoformat(a["resolved_at"]).date(), g))
            if j is not None:
                resolved[j] += 1
    listed = [0] * n
    for e in parties.list_entries(uow):
        i = index.get(bucket(e.listed_on, g))
        if i is not None:
            listed[i] += 1
    return {
        "granularity": g.value,
        "labels": labels,
        "sme_volume": {
            ccy: [Money(v, ccy).amount_str() for v in values]
            for ccy, values in sorted(volume.items())
        },
        "sme_financings": count,
        "alerts_raised": raised,
        "alerts_resolved": resolved,
        "list_entries": listed,
    }


# ---------------------------------------------------------------- the alert workflow


def _cases(uow: UnitOfWork) -> dict[tuple[str, str], AlertCaseRow]:
    return {(c.source, c.alert_id): c for c in uow.session.scalars(select(AlertCaseRow))}


def _raw_alerts(uow: UnitOfWork) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    rows, _ = risk.list_alerts(uow, limit=100_000)
    for r in rows:
        out.append(
            {
                "source": AlertSource.RISK.value,
                "alert_id": r.id,
                "org_id": r.org_id,
                "kind": r.kind,
                "severity": r.severity,
                "summary": r.summary,
                "raised_at": r.raised_at,
                "room_resolved_at": r.resolved_at,
                "room_resolution": r.resolution,
            }
        )
    for c in certificates.list_alerts(uow):
        out.append(
            {
                "source": AlertSource.CERTIFICATES.value,
                "alert_id": c.id,
                "org_id": c.issuer_org_id,
                "kind": f"certificate_{c.kind}",
                "severity": "high" if c.kind == "defaulted" else "medium",
                "summary": c.message,
                "raised_at": c.raised_at,
                "room_resolved_at": None,
                "room_resolution": None,
            }
        )
    call = getattr(_financing_room(), "list_alerts", None)
    for a in call(uow) if call is not None else []:
        get = a.get if isinstance(a, dict) else lambda k, d=None, a=a: getattr(a, k, d)
        out.append(
            {
                "source": AlertSource.FINANCING.value,
                "alert_id": str(get("id")),
                "org_id": get("org_id"),
                "kind": str(get("kind", "financing")),
                "severity": str(get("severity", "medium")),
                "summary": str(get("summary", get("message", ""))),
                "raised_at": get("raised_at"),
                "room_resolved_at": get("resolved_at"),
                "room_resolution": get("resolution"),
            }
        )
    return out


def alert_inbox(
    uow: UnitOfWork, status: str | None = None, org_id: str | None = None
) -> list[dict[str, Any]]:
    """Alerts from every room with the regulator's handling of each, newest first."""
    require_regulator(uow)
    if status is not None and status not in {s.value for s in CaseStatus}:
        raise InvalidInput("use open, assigned or resolved", field="status")
    cases = _cases(uow)
    raw = _raw_alerts(uow)
    orgs = parties.organizations_by_id(uow, {a["org_id"] for a in raw if a["org_id"]})
    out = []
    for a in raw:
        case = cases.get((a["source"], a["alert_id"]))
        if case is not None:
            state, assignee, notes = case.status, case.assignee, list(case.notes)
            resolved_at, resolution = case.resolved_at, case.resolution
        elif a["room_resolved_at"] is not None:
            state, assignee, notes = CaseStatus.RESOLVED.value, None, []
            resolved_at, resolution = a["room_resolved_at"], a["room_resolution"]
        else:
            state, assignee, notes, resolved_at, resolution = "open", None, [], None, None
        item = {
            "source": a["source"],
            "alert_id": a["alert_id"],
            "org_id": a["org_id"],
            "org_name": orgs[a["org_id"]].name if a["org_id"] in orgs else None,
            "kind": a["kind"],
            "severity": a["severity"],
            "summary": a["summary"],
            "raised_at": a["raised_at"].isoformat() if a["raised_at"] else None,
            "status": state,
            "assignee": assignee,
            "notes": notes,
            "resolved_at": resolved_at.isoformat() if resolved_at else None,
            "resolution": resolution,
        }
        if (status is None or state == status) and (org_id is None or a["org_id"] == org_id):
            out.append(item)
    out.sort(key=lambda x: (x["raised_at"] or "", x["alert_id"]), reverse=True)
    return out


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


def _note(uow: UnitOfWork, text: str, field: str) -> dict[str, Any]:
    text = text.strip()
    if not text:
        raise InvalidInput("write a note", field=field)
    if len(text) > 1000:
        raise InvalidInput("at most 1000 characters", field=field)
    return {"at": uow.now().isoformat(), "by": uow.actor.username, "text": text}


def _case_out(uow: UnitOfWork, row: AlertCaseRow) -> dict[str, Any]:
    return {
        **row.snapshot(),
        "opened_at": row.opened_at.isoformat(),
        "assigned_at": row.assigned_at.isoformat() if row.assigned_at else None,
        "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None,
    }


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
    uow.flush()
    uow.audit(
        "supervision.alert.assigned", "alert_case", row.id, before=before, after=row.snapshot()
    )
    uow.commit()
    return _case_out(uow, row)


def add_note(uow: UnitOfWork, source: str, alert_id: str, note: str) -> dict[str, Any]:
    """Add a note to an alert's file (also after it is resolved)."""
    require_regulator(uow)
    entry = _note(uow, note, "note")
    row, _ = _case(uow, source, alert_id)
    row.notes = [*row.notes, entry]
    uow.flush()
    uow.audit("supervision.alert.noted", "alert_case", row.id, after=entry)
    uow.commit()
    return _case_out(uow, row)


def resolve_alert(uow: UnitOfWork, source: str, alert_id: str, resolution: str) -> dict[str, Any]:
    """Close an alert with how it was resolved; a risk alert is closed in the risk room too."""
    require_regulator(uow)
    entry = _note(uow, resolution, "resolution")
    row, raw = _case(uow, source, alert_id)
    before = row.snapshot()
    row.status = next_status(row.status, "resolve").value
    row.resolved_at = uow.now()
    row.resolution = entry["text"]
    row.notes = [*row.notes, entry]
    uow.flush()
    uow.audit(
        "supervision.alert.resolved", "alert_case", row.id, before=before, after=row.snapshot()
    )
    if row.source == AlertSource.RISK.value and raw["room_resolved_at"] is None:
        risk.resolve_alert(uow, alert_id, entry["text"])  # commits this unit of work
    else:
        uow.commit()
    return _case_out(uow, row)


# ---------------------------------------------------------------- lists


def listings(uow: UnitOfWork, kind: str | None = None) -> list[dict[str, Any]]:
    """List entries with dates, reasons, the institution's licence (white list), the
    enforcement the platform applies and its effect: financings booked after the listing
    (none may follow a black listing; red-listed parties get the green channel)."""
    require_regulator(uow)
    entries = parties.list_entries(uow, kind)
    orgs = parties.organizations_by_id(uow, {e.org_id for e in entries})
    facts = financing_facts(uow) if entries else []
    today = uow.today()
    out = []
    for e in entries:
        org = orgs[e.org_id]
        after = [
            f
            for f in facts
            if f.funded
            and e.org_id in (f.borrower_org_id, f.funder_org_id)
            and (_on(f.decided_at) or f.applied_at.date()) >= e.listed_on
            and (e.lifted_at is None or f.applied_at < e.lifted_at)
        ]
        item: dict[str, Any] = {
            "id": e.id,
            "kind": e.kind,
            "org_id": e.org_id,
            "name": org.name,
            "uscc": org.uscc,
            "district": org.district,
            "reason": e.reason,
            "authority": e.authority,
            "listed_on": e.listed_on.isoformat(),
            "expires_on": e.expires_on.isoformat() if e.expires_on else None,
            "lifted_at": e.lifted_at.isoformat() if e.lifted_at else None,
            "lifted_reason": e.lifted_reason,
            "live": e.is_live(today),
            "enforcement": ENFORCEMENT[e.kind],
            "financings_after": len(after),
            "green_channel_after": sum(f.green_channel for f in after),
            "enforced": (len(after) == 0) if e.kind == "black" else True,
        }
        if e.kind == "white":
            item["licence"] = {
                "number": org.licence_no,
                "authority": org.licence_authority,
                "scope": org.licence_scope,
                "expires_on": org.licence_expires_on.isoformat()
                if org.licence_expires_on
                else None,
                "valid": bool(org.licence_no)
                and (org.licence_expires_on is None or org.licence_expires_on >= today),
                "roles": list(org.roles),
            }
        out.append(item)
    return out


# ---------------------------------------------------------------- drill-down


def enterprise_view(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """One enterprise as the regulator sees it, with the graph around it (ECharts nodes and
    links): related parties, trade receivables both ways and financings."""
    require_regulator(uow)
    org = parties.get_organization(uow, org_id)
    related = parties.related_parties_of(uow, org_id)
    receivables, _ = trade.list_receivables(uow, org_id, limit=200)
    facts = [f for f in financing_facts(uow) if org_id in (f.borrower_org_id, f.funder_org_id)]
    edges: list[tuple[str, str, str]] = [(lk["a"], lk["b"], "related") for lk in related["links"]]
    edges += [(r.seller_org_id, r.debtor_org_id, "receivable") for r in receivables]
    edges += [(f.funder_org_id, f.borrower_org_id, "financing") for f in facts]
    ids = {org_id} | {a for a, _, _ in edges} | {b for _, b, _ in edges}
    orgs = parties.organizations_by_id(uow, ids)
    scores = risk.score_history(uow, org_id, limit=1)
    try:
        findings = [f.as_dict() for f in risk.graph_findings(uow, org_id)]
    except NotFound:
        findings = []
    listed = [e for e in listings(uow) if e["org_id"] == org_id]
    alerts = alert_inbox(uow, org_id=org_id)
    uow.commit()  # keep the access-log entries of the reads above
    seen: set[tuple[str, str, str]] = set()
    links = []
    for a, b, kind in edges:
        if (a, b, kind) not in seen and a in orgs and b in orgs:
            seen.add((a, b, kind))
            links.append({"source": a, "target": b, "kind": kind})
    return {
        "organization": org.snapshot(),
        "lists": listed,
        "score": {
            "score": scores[0].score,
            "grade": scores[0].grade,
            "reasons": scores[0].reasons,
            "at": scores[0].at.isoformat(),
        }
        if scores
        else None,
        "findings": findings,
        "receivables": [r.as_dict() for r in receivables],
        "financings": [
            {
                "id": f.id,
                "borrower": orgs[f.borrower_org_id].name if f.borrower_org_id in orgs else "",
                "funder": orgs[f.funder_org_id].name if f.funder_org_id in orgs else "",
                "amount": f.amount.as_json(),
                "status": f.status,
            }
            for f in facts
        ],
        "alerts": alerts,
        "graph": {
            "nodes": [
                {
                    "id": o.id,
                    "name": o.name,
                    "category": o.roles[0] if o.roles else "",
                    "focus": o.id == org_id,
                }
                for o in sorted(orgs.values(), key=lambda o: o.id)
            ],
            "links": links,
        },
    }


# ---------------------------------------------------------------- exports


def _indicator_rows(ind: dict[str, Any]) -> list[list[str]]:
    """Flatten the indicators into (section, dimension, key, label, count, amount, currency)."""
    rows: list[list[str]] = []
    for dim, items in ind["sme_volume"].items():
        for r in items:
            for m in r["amounts"] or [{"amount": "0.00", "currency": "CNY"}]:
                rows.append(
                    [
                        "sme_volume",
                        dim,
                        r["key"],
                        r.get("label", r["key"]),
                        str(r["count"]),
                        m["amount"],
                        m["currency"],
                    ]
                )
    for t in ind["reach"]["tiers"]:
        for m in t["amounts"]:
            rows.append(
                [
                    "reach",
                    "tier",
                    str(t["tier"]),
                    f"SMEs {t['smes']}",
                    str(t["enterprises"]),
                    m["amount"],
                    m["currency"],
                ]
            )
    p = ind["pricing"]["all"]
    rows.append(
        [
            "pricing",
            "all",
            "weighted_average_rate",
            "",
            str(p["count"]),
            p["weighted_average"] or "",
            "",
        ]
    )
    for lane, st in ind["time_to_decision"].items():
        rows.append(
            [
                "time_to_decision",
                lane,
                "median_hours",
                "",
                str(st["count"]),
                st["median_hours"] or "",
                "",
            ]
        )
    for k, v in ind["credit_quality"].items():
        rows.append(["credit_quality", "all", k, "", "", "" if v is None else str(v), ""])
    for e in ind["exposures"]:
        rows.append(
            [
                "exposure",
                e["funder_name"],
                e["core_name"],
                f"cap {e['cap']['amount']}",
                "1" if e["over_cap"] else "0",
                e["exposure"]["amount"],
                e["exposure"]["currency"],
            ]
        )
    a = ind["alerts"]
    for k in ("raised", "open", "assigned", "resolved"):
        rows.append(["alerts", "all", k, "", str(a[k]), "", ""])
    for kind in ("white", "black", "red"):
        rows.append(["lists", kind, "live", "", str(ind["lists"][kind]["live"]), "", ""])
    return rows


HEADER = ["section", "dimension", "key", "label", "count", "amount", "currency"]


def _parse_period(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    if start and end and end < start:
        raise InvalidInput("the end is before the start", field="end")
    return start, end


def export_csv(uow: UnitOfWork, start: date | None = None, end: date | None = None) -> bytes:
    """The indicators as CSV (UTF-8 with a BOM, so that spreadsheet programs read Chinese)."""
    ind = indicators(uow, *_parse_period(start, end))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(_safe_cells(r) for r in _indicator_rows(ind))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _safe_cells(row: list[str]) -> list[str]:
    """Neutralise spreadsheet formulas in text taken from participants (CSV injection)."""
    return [("'" + c) if c[:1] in ("=", "+", "-", "@") and not _numeric(c) else c for c in row]


def _numeric(c: str) -> bool:
    try:
        Decimal(c)
    except ArithmeticError:
        return False
    return True


def export_xlsx(
    uow: UnitOfWork, start: date | None = None, end: date | None = None, granularity: str = "month"
) -> bytes:
    """The indicators and the series as an Excel workbook (amounts as exact decimal text)."""
    from openpyxl import Workbook

    ind = indicators(uow, *_parse_period(start, end))
    today = uow.today()
    s_start = start or date(today.year, 1, 1)
    s_end = end or today
    ser = series(uow, granularity, s_start, s_end)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "indicators"
    ws.append(HEADER)
    for r in _indicator_rows(ind):
        ws.append(_safe_cells(r))
    ws2 = wb.create_sheet("series")
    cols = ["period", "sme_financings", "alerts_raised", "alerts_resolved", "list_entries"]
    cols += [f"sme_volume_{c}" for c in ser["sme_volume"]]
    ws2.append(cols)
    for i, label in enumerate(ser["labels"]):
        ws2.append(
            [
                label,
                ser["sme_financings"][i],
                ser["alerts_raised"][i],
                ser["alerts_resolved"][i],
                ser["list_entries"][i],
                *(v[i] for v in ser["sme_volume"].values()),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def monthly_report_pdf(uow: UnitOfWork, month: str) -> bytes:
    """A monthly supervision report as PDF, in Chinese and English (reportlab's CID font
    STSong-Light renders Chinese without shipping a font file)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    first, last = month_bounds(month)
    ind = indicators(uow, first, last)
    ser = series(uow, "day", first, last)
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    h = ParagraphStyle("h", fontName="STSong-Light", fontSize=16, leading=22)
    p = ParagraphStyle("p", fontName="STSong-Light", fontSize=9, leading=13)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=f"Supervision report {month}")

    def table(rows: list[list[str]]) -> Table:
        t = Table([[Paragraph(_xml(c), p) for c in r] for r in rows], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                ]
            )
        )
        return t

    vol = ind["sme_volume"]
    story: list[Any] = [
        Paragraph(f"供应链金融监管月报 Supervision report {month}", h),
        Paragraph(f"{first.isoformat()} – {last.isoformat()} · as of {ind['as_of']}", p),
        Spacer(1, 10),
        Paragraph("一、中小企业融资 SME financing by district", p),
        table(
            [["district 区", "count 笔数", "amount 金额"]]
            + [[r["key"], str(r["count"]), _amounts(r["amounts"])] for r in vol["by_district"]]
        ),
        Spacer(1, 8),
        Paragraph("二、按机构 By institution", p),
        table(
            [["institution 机构", "count", "amount"]]
            + [[r["label"], str(r["count"]), _amounts(r["amounts"])] for r in vol["by_institution"]]
        ),
        Spacer(1, 8),
        Paragraph("三、信用穿透 Reach of credit up the chain", p),
        table(
            [["tier 层级", "enterprises 企业", "SMEs", "amount"]]
            + [
                [str(t["tier"]), str(t["enterprises"]), str(t["smes"]), _amounts(t["amounts"])]
                for t in ind["reach"]["tiers"]
            ]
        ),
        Spacer(1, 8),
        Paragraph("四、价格、时效与质量 Pricing, time to decision and credit quality", p),
        table(
            [["indicator 指标", "value 数值"]]
            + [
                [
                    "weighted average rate 加权平均利率",
                    ind["pricing"]["all"]["weighted_average"] or "–",
                ],
                [
                    "median hours, green channel 绿色通道",
                    ind["time_to_decision"]["green_channel"]["median_hours"] or "–",
                ],
                [
                    "median hours, standard 普通通道",
                    ind["time_to_decision"]["standard"]["median_hours"] or "–",
                ],
            ]
            + [[k, "–" if v is None else str(v)] for k, v in ind["credit_quality"].items()]
        ),
        Spacer(1, 8),
        Paragraph("五、机构对核心企业敞口 Exposure to core enterprises against caps", p),
        table(
            [["institution", "core enterprise", "exposure", "cap", "over cap"]]
            + [
                [
                    e["funder_name"],
                    e["core_name"],
                    _amounts([e["exposure"]]),
                    _amounts([e["cap"]]),
                    "yes 超限" if e["over_cap"] else "no",
                ]
                for e in ind["exposures"]
            ]
        ),
        Spacer(1, 8),
        Paragraph("六、预警与名单 Alerts and lists", p),
        table(
            [["item", "count"]]
            + [
                [f"alerts {k}", str(ind["alerts"][k])]
                for k in ("raised", "open", "assigned", "resolved")
            ]
            + [
                [f"{k} list (live)", str(ind["lists"][k]["live"])]
                for k in ("white", "black", "red")
            ]
            + [
                ["alerts raised this month", str(sum(ser["alerts_raised"]))],
                ["list entries this month", str(sum(ser["list_entries"]))],
            ]
        ),
    ]
    doc.build(story)
    return buf.getvalue()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _amounts(items: list[dict[str, Any]]) -> str:
    return ", ".join(f"{m['currency']} {m['amount']}" for m in items) or "–"


def sharing_export(uow: UnitOfWork) -> dict[str, Any]:
    """A JSON file for other agencies: live black and red lists (joint penalties and
    incentives), the white list with licences, and headline indicators, with a digest."""
    require_regulator(uow)
    entries = [e for e in listings(uow) if e["live"]]
    ind = indicators(uow)
    body = {
        "schema": SHARING_SCHEMA,
        "issuer": "scf supervision",
        "generated_at": uow.now().isoformat(),
        "lists": {
            kind: [
                {
                    k: e.get(k)
                    for k in (
                        "uscc",
                        "name",
                        "district",
                        "reason",
                        "authority",
                        "listed_on",
                        "expires_on",
                        "enforcement",
                        "licence",
                    )
                    if k in e
                }
                for e in entries
                if e["kind"] == kind
            ]
            for kind in ("black", "red", "white")
        },
        "indicators": {
            "sme_volume_total": ind["sme_volume"]["total"],
            "sme_volume_by_district": ind["sme_volume"]["by_district"],
            "credit_quality": ind["credit_quality"],
            "alerts": {k: ind["alerts"][k] for k in ("raised", "open", "assigned", "resolved")},
        },
    }
    digest = hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()
    return {**body, "sha256": digest}


def default_period(uow: UnitOfWork, granularity: Granularity) -> tuple[date, date]:
    """The last 30 days, or the last 12 months."""
    today = uow.today()
    if granularity is Granularity.DAY:
        return today - timedelta(days=29), today
    y, m = today.year, today.month - 11
    if m <= 0:
        y, m = y - 1, m + 12
    return date(y, m, 1), today
