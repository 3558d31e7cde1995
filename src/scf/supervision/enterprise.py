"""The regulator's drill-down into one enterprise, with the graph around it."""

from __future__ import annotations

from typing import Any

from scf.core.errors import NotFound
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.risk import service as risk
from scf.supervision.alerts import alert_inbox
from scf.supervision.facts import financing_facts, require_regulator
from scf.supervision.lists import listings
from scf.trade import service as trade

Edge = tuple[str, str, str]  # (source org, target org, kind)


def enterprise_view(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """One enterprise as the regulator sees it, with the graph around it (ECharts nodes and
    links): related parties, trade receivables both ways and financings."""
    require_regulator(uow)
    org = parties.get_organization(uow, org_id)
    related = parties.related_parties_of(uow, org_id)
    receivables, _ = trade.list_receivables(uow, org_id, limit=200)
    facts = [f for f in financing_facts(uow) if org_id in (f.borrower_org_id, f.funder_org_id)]
    edges: list[Edge] = [(lk["a"], lk["b"], "related") for lk in related["links"]]
    edges += [(r.seller_org_id, r.debtor_org_id, "receivable") for r in receivables]
    edges += [(f.funder_org_id, f.borrower_org_id, "financing") for f in facts]
    ids = {org_id} | {a for a, _, _ in edges} | {b for _, b, _ in edges}
    orgs = parties.organizations_by_id(uow, ids)
    scores = risk.score_history(uow, org_id, limit=1)
    try:
        findings = [f.as_dict() for f in risk.graph_findings(uow, org_id)]
    except NotFound:
        findings = []
    named = {i for f in findings for i in f["org_ids"]}
    named |= {i for f in findings for i in f["evidence"].get("common_controllers", [])}
    names = {o.id: o.name for o in parties.organizations_by_id(uow, named - set(orgs)).values()}
    names.update({o.id: o.name for o in orgs.values()})
    listed = [e for e in listings(uow) if e["org_id"] == org_id]
    alerts = alert_inbox(uow, org_id=org_id)
    uow.commit()  # keep the access-log entries of the reads above
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
        "names": names,
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
        "graph": _graph(org_id, orgs, edges),
    }


def _graph(org_id: str, orgs: dict[str, Any], edges: list[Edge]) -> dict[str, Any]:
    """ECharts nodes and links: each edge once, between organizations that exist."""
    seen: set[Edge] = set()
    links = []
    for a, b, kind in edges:
        if (a, b, kind) not in seen and a in orgs and b in orgs:
            seen.add((a, b, kind))
            links.append({"source": a, "target": b, "kind": kind})
    return {
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
    }
