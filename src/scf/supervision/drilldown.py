"""The records behind the regulator's tiles and charts: financings and certificates, filtered.

Each tile and each chart bar of the console counts a set of these records; the same filters
here list exactly that set, so a number can always be opened and checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from scf.certificates import service as certificates
from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.supervision.facts import check_period, financing_facts, in_period, require_regulator
from scf.supervision.model import FinancingFact, hours_stats

FINANCING_STATES = ("funded", "overdue", "defaulted", "decided", "all")
CERTIFICATE_STATES = ("overdue", "defaulted", "all")


@dataclass(frozen=True)
class FinancingFilter:
    """Which financings a tile or a chart bar counts; None lets every value through."""

    state: str = "funded"
    sme: bool = False
    district: str | None = None
    tier: str | None = None
    funder_org_id: str | None = None
    scenario: str | None = None

    def __post_init__(self) -> None:
        if self.state not in FINANCING_STATES:
            allowed = ", ".join(FINANCING_STATES)
            raise InvalidInput(f"use one of {allowed}", field="state")


def _kept(f: FinancingFact, flt: FinancingFilter, orgs: dict[str, Any]) -> bool:
    org = orgs.get(f.borrower_org_id)
    state_ok = {
        "funded": f.funded,
        "overdue": f.funded and f.overdue,
        "defaulted": f.funded and f.defaulted,
        "decided": f.decided_at is not None,
        "all": True,
    }[flt.state]
    tier = str(f.tier) if f.tier is not None else "n/a"
    return (
        state_ok
        and (not flt.sme or (org is not None and parties.is_sme(org)))
        and (flt.district is None or (org is not None and org.district == flt.district))
        and (flt.tier is None or tier == flt.tier)
        and (flt.funder_org_id is None or f.funder_org_id == flt.funder_org_id)
        and (flt.scenario is None or f.scenario == flt.scenario)
    )


def financing_list(
    uow: UnitOfWork,
    flt: FinancingFilter,
    start: date | None = None,
    end: date | None = None,
) -> list[dict[str, Any]]:
    """The financings a tile or chart counts over a period of decision dates, with names."""
    require_regulator(uow)
    check_period(start, end)
    facts = [f for f in financing_facts(uow) if in_period(f, start, end)]
    ids = {f.borrower_org_id for f in facts} | {f.funder_org_id for f in facts}
    orgs = parties.organizations_by_id(uow, ids | {f.core_org_id for f in facts if f.core_org_id})
    rows = []
    for f in facts:
        if not _kept(f, flt, orgs):
            continue
        rows.append(
            {
                "source": f.source,
                "id": f.id,
                "borrower": _party(orgs, f.borrower_org_id),
                "funder": _party(orgs, f.funder_org_id),
                "core": _party(orgs, f.core_org_id),
                "scenario": f.scenario,
                "amount": f.amount.as_json(),
                "rate": str(f.rate) if f.rate is not None else None,
                "status": f.status,
                "tier": f.tier,
                "green_channel": f.green_channel,
                "overdue": f.overdue,
                "defaulted": f.defaulted,
                "applied_at": f.applied_at,
                "decided_at": f.decided_at,
                "hours_to_decision": _hours(f),
            }
        )
    rows.sort(key=lambda r: (r["decided_at"] or r["applied_at"], r["id"]), reverse=True)
    return rows


def certificate_list(
    uow: UnitOfWork, state: str = "all", start: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    """Certificates issued in the period (all, overdue or in default), with names and what is
    still unpaid on each."""
    require_regulator(uow)
    check_period(start, end)
    if state not in CERTIFICATE_STATES:
        raise InvalidInput(f"use one of {', '.join(CERTIFICATE_STATES)}", field="state")
    certs = [
        c
        for c in certificates.list_certificates(uow, None if state == "all" else state)
        if (start is None or c.issued_on >= start) and (end is None or c.issued_on <= end)
    ]
    orgs = parties.organizations_by_id(
        uow, {c.issuer_org_id for c in certs} | {c.first_holder_org_id for c in certs}
    )
    return [
        {
            "id": c.id,
            "issuer": _party(orgs, c.issuer_org_id),
            "first_holder": _party(orgs, c.first_holder_org_id),
            "face": Money(c.face_minor, c.currency).as_json(),
            "unpaid": Money(c.face_minor - c.paid_minor, c.currency).as_json(),
            "issued_on": c.issued_on,
            "maturity_on": c.maturity_on,
            "status": c.status,
            "overdue_since": c.overdue_since,
            "defaulted_on": c.defaulted_on,
        }
        for c in sorted(certs, key=lambda c: (c.maturity_on, c.id))
    ]


def _party(orgs: dict[str, Any], org_id: str | None) -> dict[str, Any] | None:
    """An organization as a page shows it: the name first, the id kept beside it."""
    if not org_id:
        return None
    org = orgs.get(org_id)
    return {"id": org_id, "name": org.name if org is not None else org_id}


def _hours(f: FinancingFact) -> str | None:
    if f.decided_at is None:
        return None
    hours: str = hours_stats([f.decided_at - f.applied_at])["median_hours"]
    return hours
