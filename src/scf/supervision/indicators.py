"""The regulator's live indicators, computed on read from the rooms' services.

Nothing is copied into tables of our own, so the regulator always sees the live state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from scf.certificates import service as certificates
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.supervision.alerts import alert_inbox
from scf.supervision.facts import check_period, financing_facts, in_period, require_regulator
from scf.supervision.lists import listings
from scf.supervision.model import (
    CaseStatus,
    FinancingFact,
    hours_stats,
    ratio,
    sum_by,
    weighted_rate,
)


def indicators(
    uow: UnitOfWork, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """The regulator's live indicators over a period of decision dates (all time by default)."""
    require_regulator(uow)
    check_period(start, end)
    facts = [f for f in financing_facts(uow) if in_period(f, start, end)]
    ids = {f.borrower_org_id for f in facts} | {f.funder_org_id for f in facts}
    ids |= {f.core_org_id for f in facts if f.core_org_id}
    orgs = parties.organizations_by_id(uow, ids)
    funded = [f for f in facts if f.funded]
    decided = [f for f in facts if f.decided_at is not None]
    certs = certificates.list_certificates(uow)
    inbox = alert_inbox(uow)
    return {
        "period": {
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
        },
        "as_of": uow.now().isoformat(),
        "sme_volume": _sme_volume(funded, orgs),
        "reach": certificates.reach_figures(uow),
        "pricing": {
            "all": weighted_rate(funded),
            "by_scenario": {
                s: weighted_rate([f for f in funded if f.scenario == s])
                for s in sorted({f.scenario for f in funded})
            },
        },
        "time_to_decision": {
            "green_channel": _decision_hours(decided, green_channel=True),
            "standard": _decision_hours(decided, green_channel=False),
        },
        "credit_quality": _credit_quality(funded, certs),
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


def _sme_volume(funded: list[FinancingFact], orgs: dict[str, Any]) -> dict[str, Any]:
    """Funded SME financing by district, chain, scenario, institution and tier."""
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
    return {
        "total": sum_by(smes, lambda f: "all"),
        "by_district": sum_by(smes, lambda f: orgs[f.borrower_org_id].district),
        "by_chain": [{**r, "label": r["key"]} for r in sum_by(by_chain, lambda f: chain_of[f.id])],
        "by_scenario": sum_by(smes, lambda f: f.scenario),
        "by_institution": labelled(sum_by(smes, lambda f: f.funder_org_id), name),
        "by_tier": sum_by(smes, lambda f: f.tier if f.tier is not None else "n/a"),
    }


def _decision_hours(decided: list[FinancingFact], *, green_channel: bool) -> dict[str, Any]:
    return hours_stats(
        [
            f.decided_at - f.applied_at
            for f in decided
            if f.green_channel == green_channel and f.decided_at
        ]
    )


def _credit_quality(funded: list[FinancingFact], certs: list[Any]) -> dict[str, Any]:
    """Overdue and default counts and rates of financings, and of certificates by amount."""
    overdue = [c for c in certs if c.status == "overdue"]
    defaulted = [c for c in certs if c.status == "defaulted"]
    face = sum(c.face_minor for c in certs)
    return {
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
    }


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
