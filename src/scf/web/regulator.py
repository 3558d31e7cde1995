"""The regulator's pages: the alert workflow, the white, black and red lists, and any
enterprise's full view with its graph (the console of indicators is in `console`)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from scf.core.errors import DomainError, NotFound
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.supervision import service as supervision
from scf.web.common import Form, Pages, back, refused

pages = Pages("regulator", home="/regulator")
router = pages.router


ALERTS_PAGE = 25
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def alert_groups(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The alerts counted by kind and severity, the most severe and the largest first."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for a in alerts:
        key = (str(a["kind"]), str(a.get("severity") or "medium"))
        g = groups.setdefault(key, {"kind": key[0], "severity": key[1], "count": 0, "open": 0})
        g["count"] += 1
        g["open"] += a["status"] != "resolved"
    return sorted(
        groups.values(),
        key=lambda g: (SEVERITY_ORDER.get(g["severity"], 3), -g["count"], g["kind"]),
    )


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(1, int(raw)) if raw.isdigit() else 1


@pages.view("/regulator/alerts", "regulator/alerts.html")
def regulator_alerts(request: Request, uow: UnitOfWork) -> dict[str, Any] | Response:
    """Show every room's alerts grouped by kind and severity, filtered and paged.

    The groups lead the page; a group's link shows its alerts, 25 to a page, the most severe
    and the newest first; each alert's assignment and resolution open on demand.
    """
    q = request.query_params
    status = q.get("status") or None
    try:
        alerts = supervision.alert_inbox(uow, status)
    except DomainError as e:
        return refused(request, "/regulator/alerts", e)
    kind, severity = q.get("kind") or None, q.get("severity") or None
    chosen = [
        a
        for a in alerts
        if (kind is None or a["kind"] == kind)
        and (severity is None or (a.get("severity") or "medium") == severity)
    ]
    chosen.sort(key=lambda a: SEVERITY_ORDER.get(str(a.get("severity")), 3))
    pages_total = max(1, -(-len(chosen) // ALERTS_PAGE))
    page_no = min(_page_number(request), pages_total)
    shown = chosen[(page_no - 1) * ALERTS_PAGE : page_no * ALERTS_PAGE]
    base = {k: v for k, v in {"status": status, "kind": kind, "severity": severity}.items() if v}
    return {
        "alerts": shown,
        "groups": alert_groups(alerts),
        "status": status,
        "kind": kind,
        "severity": severity,
        "page": page_no,
        "pages": pages_total,
        "matching": len(chosen),
        "link": lambda extra: back(
            "/regulator/alerts", **{**base, **{k: str(v) for k, v in extra.items()}}
        ),
    }


@pages.command("/regulator/alerts/{source}/{alert_id}/{action}", back_to="/regulator/alerts")
def regulator_alert_action(
    uow: UnitOfWork, form: Form, source: str, alert_id: str, action: str
) -> None:
    """Assign an alert to someone with a note, or resolve it."""
    if action == "assign":
        supervision.assign_alert(uow, source, alert_id, form.text("assignee"), form.text("note"))
    elif action == "resolve":
        supervision.resolve_alert(uow, source, alert_id, form.text("resolution"))
    else:
        raise NotFound("no such action")


@pages.view("/regulator/lists", "regulator/lists.html")
def regulator_lists(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Show the list entries and the form to add one."""
    entries = supervision.listings(uow)
    orgs, _ = parties.list_organizations(uow, limit=500)
    return {"entries": entries, "orgs": orgs}


@pages.command("/regulator/lists", back_to="/regulator/lists")
def regulator_add_entry(uow: UnitOfWork, form: Form) -> None:
    """Put an organization on a list, naming the reason and the authority."""
    parties.add_list_entry(
        uow,
        form.text("kind"),
        form.text("org_id"),
        form.text("reason"),
        authority=form.text("authority"),
    )


@pages.command("/regulator/lists/{entry_id}/lift", back_to="/regulator/lists")
def regulator_lift(uow: UnitOfWork, form: Form, entry_id: str) -> None:
    """Lift a list entry, with the reason."""
    parties.lift_list_entry(uow, entry_id, form.text("reason"))


@pages.view("/regulator/enterprises", "regulator/enterprises.html")
def regulator_enterprises(request: Request, uow: UnitOfWork) -> dict[str, Any]:
    """Find enterprises by name or USCC."""
    q = request.query_params.get("q") or None
    orgs, _ = parties.list_organizations(uow, q=q, limit=200)
    return {"orgs": orgs, "q": q or ""}


@pages.view("/regulator/enterprises/{org_id}", "regulator/enterprise.html")
def regulator_enterprise(request: Request, uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """Show one enterprise's whole view and its graph."""
    view = supervision.enterprise_view(uow, org_id)
    return {"v": view, "graph_json": json.dumps(view["graph"], ensure_ascii=False)}
