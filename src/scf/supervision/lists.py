"""The regulator's lists as supervision shows them: licences, enforcement and its effect."""

from __future__ import annotations

from datetime import date
from typing import Any

from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.supervision.facts import financing_facts, require_regulator
from scf.supervision.model import ENFORCEMENT, FinancingFact


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
        item = _listing(e, org, _financings_after(e, facts), today)
        if e.kind == "white":
            item["licence"] = _licence(org, today)
        out.append(item)
    return out


def _financings_after(e: Any, facts: list[FinancingFact]) -> list[FinancingFact]:
    """Funded financings of the listed party booked while the listing stood."""
    return [
        f
        for f in facts
        if f.funded
        and e.org_id in (f.borrower_org_id, f.funder_org_id)
        and f.decided_on >= e.listed_on
        and (e.lifted_at is None or f.applied_at < e.lifted_at)
    ]


def _listing(e: Any, org: Any, after: list[FinancingFact], today: date) -> dict[str, Any]:
    return {
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


def _licence(org: Any, today: date) -> dict[str, Any]:
    return {
        "number": org.licence_no,
        "authority": org.licence_authority,
        "scope": org.licence_scope,
        "expires_on": org.licence_expires_on.isoformat() if org.licence_expires_on else None,
        "valid": bool(org.licence_no)
        and (org.licence_expires_on is None or org.licence_expires_on >= today),
        "roles": list(org.roles),
    }
