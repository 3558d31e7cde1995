"""Multi-level supervision (seed III.12): what a district regulator, an industry association
and a government department see, beside the city regulator's whole view.

A district regulator sees the enterprises registered in its district, the financings of
those enterprises and the alerts about them, and nothing of another district (asking for one
is refused with the reason; another district's record is "not found"). An association sees
aggregates of its members only, withheld when they are too few to hide one member's figures.
A department reads single enterprises within what the operator granted it. Every read of an
organization's records goes through `parties.authorize_read`, which logs it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from scf.core.errors import NotFound, PermissionDenied
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.supervision.alerts import alerts_about
from scf.supervision.facts import as_platform, check_period, financing_facts, in_period
from scf.supervision.model import FinancingFact, ratio, weighted_rate

# An association's aggregates over fewer members would show a member's own figures.
MIN_MEMBERS = 3


def _totals(facts: Iterable[FinancingFact]) -> list[dict[str, Any]]:
    sums: dict[str, int] = defaultdict(int)
    for f in facts:
        sums[f.amount.currency] += f.amount.minor
    return [Money(v, c).as_json() for c, v in sorted(sums.items())]


def population_figures(
    uow: UnitOfWork, org_ids: set[str] | None, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """SME financing, reach, pricing and defaults of financings taken by the organizations
    (None: every organization, the city), over a period of decision dates. Aggregates only:
    callers decide who may see them; nothing here names a record."""
    check_period(start, end)
    with as_platform(uow):
        facts = [
            f
            for f in financing_facts(uow)
            if in_period(f, start, end) and (org_ids is None or f.borrower_org_id in org_ids)
        ]
        orgs = parties.organizations_by_id(uow, {f.borrower_org_id for f in facts})
    funded = [f for f in facts if f.funded]
    smes = [
        f for f in funded if f.borrower_org_id in orgs and parties.is_sme(orgs[f.borrower_org_id])
    ]
    tiers = [f.tier for f in smes if f.tier is not None]
    overdue = [f for f in funded if f.overdue]
    defaulted = [f for f in funded if f.defaulted]
    return {
        "financings": len(funded),
        "sme_financings": len(smes),
        "sme_amounts": _totals(smes),
        "smes_reached": len({f.borrower_org_id for f in smes}),
        "max_tier": max(tiers) if tiers else None,
        "weighted_rate": weighted_rate(funded)["weighted_average"],
        "overdue": len(overdue),
        "defaulted": len(defaulted),
        "default_rate": ratio(len(defaulted), len(funded)),
    }


def district_org_ids(uow: UnitOfWork, district: str) -> set[str]:
    return {o.id for o in parties.organizations_in_district(uow, district)}


def _chosen(uow: UnitOfWork, district: str | None) -> tuple[str | None, set[str] | None]:
    """The district asked about and its organizations' ids (None, None: the whole city, for
    the city regulator who names no district)."""
    chosen = parties.supervised_district(uow, district)
    return chosen, (district_org_ids(uow, chosen) if chosen is not None else None)


def district_overview(
    uow: UnitOfWork, district: str | None = None, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """A district's figures beside the city's (the city regulator may name any district, or
    none for the city; a district regulator gets its own, and is refused another)."""
    chosen, ids = _chosen(uow, district)
    city = population_figures(uow, None, start, end)
    return {
        "district": chosen,
        "enterprises": len(parties.organizations_in_district(uow, chosen)),
        "figures": population_figures(uow, ids, start, end) if ids is not None else city,
        "city": city,
    }


def district_enterprises(uow: UnitOfWork, district: str | None = None) -> list[dict[str, Any]]:
    """The organizations registered in the district: who they are, no records of theirs."""
    chosen = parties.supervised_district(uow, district)
    return [
        {
            "id": o.id,
            "name": o.name,
            "uscc": o.uscc,
            "roles": list(o.roles),
            "size_class": o.size_class,
            "district": o.district,
        }
        for o in parties.organizations_in_district(uow, chosen)
    ]


def _financing_row(f: FinancingFact, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": f.id,
        "source": f.source,
        "borrower_org_id": f.borrower_org_id,
        "borrower": names.get(f.borrower_org_id, ""),
        "funder": names.get(f.funder_org_id, ""),
        "scenario": f.scenario,
        "amount": f.amount.as_json(),
        "rate": str(f.rate) if f.rate is not None else None,
        "status": f.status,
        "decided_on": f.decided_at.date().isoformat() if f.decided_at else None,
    }


def _financings_of(uow: UnitOfWork, borrowers: set[str] | None) -> list[dict[str, Any]]:
    """Financings taken by the organizations (None: by anyone)."""
    with as_platform(uow):
        facts = [
            f for f in financing_facts(uow) if borrowers is None or f.borrower_org_id in borrowers
        ]
        orgs = parties.organizations_by_id(
            uow, {f.borrower_org_id for f in facts} | {f.funder_org_id for f in facts}
        )
    names = {k: v.name for k, v in orgs.items()}
    facts.sort(key=lambda f: (f.applied_at, f.id), reverse=True)
    return [_financing_row(f, names) for f in facts]


def district_financings(uow: UnitOfWork, district: str | None = None) -> list[dict[str, Any]]:
    """Financings taken by the district's enterprises, newest first; each read is logged."""
    chosen, ids = _chosen(uow, district)
    rows = _financings_of(uow, ids)
    borrowers = sorted({r["borrower_org_id"] for r in rows})
    if borrowers:
        where = chosen or "city"
        parties.authorize_read(uow, borrowers, "financing", f"financings:district:{where}")
        uow.commit()  # keep the access-log entries
    return rows


def district_alerts(uow: UnitOfWork, district: str | None = None) -> list[dict[str, Any]]:
    """Alerts about the district's organizations, with the city regulator's handling."""
    _, ids = _chosen(uow, district)
    with as_platform(uow):
        return alerts_about(uow, org_ids=ids)


def district_enterprise(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """One enterprise of the district: its profile, financings, list entries and alerts."""
    level = parties.oversight_of(uow)
    if level.level not in ("city", "district"):
        raise PermissionDenied("this is for financial regulators", code="role_not_allowed")
    parties.authorize_read(uow, org_id, "profile", f"organization:{org_id}")
    org = parties.find_organization(uow, org_id)
    financings = _financings_of(uow, {org_id})
    with as_platform(uow):
        alerts = alerts_about(uow, org_id=org_id)
    entries = [e.snapshot() for e in parties.list_entries(uow) if e.org_id == org_id]
    uow.commit()  # keep the access-log entry
    return {
        "organization": org.snapshot(),
        "financings": financings,
        "lists": entries,
        "alerts": alerts,
    }


def association_figures(
    uow: UnitOfWork, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """The acting association's members' aggregates: withheld when they are too few."""
    level = parties.oversight_of(uow)
    if level.level != "association" or uow.actor.org_id is None:
        raise PermissionDenied("this is for industry associations", code="role_not_allowed")
    members = {
        m.member_org_id for m in parties.association_members(uow, uow.actor.org_id, uow.today())
    }
    shown = len(members) >= MIN_MEMBERS
    return {
        "members": len(members),
        "min_members": MIN_MEMBERS,
        "withheld": not shown,
        "figures": population_figures(uow, members, start, end) if shown else None,
    }


def department_enterprise(uow: UnitOfWork, org_id: str) -> dict[str, Any]:
    """An enterprise's profile as a department reads it under the operator's grant."""
    _require_department(uow)
    parties.authorize_read(uow, org_id, "profile", f"organization:{org_id}")
    org = parties.find_organization(uow, org_id)
    uow.commit()  # keep the access-log entry
    return {
        "id": org.id,
        "name": org.name,
        "uscc": org.uscc,
        "district": org.district,
        "roles": list(org.roles),
        "size_class": org.size_class,
        "chain_tags": list(org.chain_tags),
        "founded_on": org.founded_on.isoformat(),
    }


def department_financings(uow: UnitOfWork, org_id: str) -> list[dict[str, Any]]:
    """An enterprise's financings as a department reads them under the operator's grant."""
    _require_department(uow)
    parties.authorize_read(uow, org_id, "financing", f"financings:{org_id}")
    rows = _financings_of(uow, {org_id})
    uow.commit()  # keep the access-log entry
    return rows


def _require_department(uow: UnitOfWork) -> None:
    if parties.oversight_of(uow).level != "department":
        raise PermissionDenied("this is for government departments", code="role_not_allowed")


def require_in_district(uow: UnitOfWork, org_id: str) -> None:
    """Refuse (404) an organization a district regulator may not see; others pass."""
    level = parties.oversight_of(uow)
    if level.level == "district":
        try:
            org = parties.find_organization(uow, org_id)
        except NotFound:
            raise NotFound(f"organization {org_id} not found") from None
        if org.district != level.district:
            raise NotFound(f"organization {org_id} not found")


def organization_figures(
    uow: UnitOfWork, org_id: str, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """One organization's financing over a period, both as borrower and as funder (CNY, the
    platform's currency): the evidence of an incentive programme's application. The caller
    decides who may see it (the applicant itself, the programme's reviewers)."""
    check_period(start, end)
    with as_platform(uow):
        facts = [
            f
            for f in financing_facts(uow)
            if in_period(f, start, end) and org_id in (f.borrower_org_id, f.funder_org_id)
        ]
        orgs = parties.organizations_by_id(uow, {f.borrower_org_id for f in facts})
    funded = [f for f in facts if f.funded and f.amount.currency == "CNY"]
    taken = [f for f in funded if f.borrower_org_id == org_id]
    given = [f for f in funded if f.funder_org_id == org_id]
    rate = weighted_rate(taken)["weighted_average"]
    return {
        "financed_amount": sum((f.amount.amount for f in taken), Decimal(0)),
        "financed_count": len(taken),
        "financed_rate": Decimal(rate) if rate is not None else Decimal(0),
        "funded_amount": sum((f.amount.amount for f in given), Decimal(0)),
        "funded_count": len(given),
        "smes_reached": len(
            {
                f.borrower_org_id
                for f in given
                if f.borrower_org_id in orgs and parties.is_sme(orgs[f.borrower_org_id])
            }
        ),
        "defaulted": sum(1 for f in facts if f.defaulted),
        "financings": sorted(f.id for f in taken + given),
    }


def sme_amount_by_year(
    uow: UnitOfWork, groups: dict[str, set[str] | None], years: list[int]
) -> dict[str, dict[int, Decimal]]:
    """Funded SME financing (CNY, by decision year) of each group of borrowers (None: the
    city), read once for every group: the work objectives' growth figures."""
    with as_platform(uow):
        facts = [f for f in financing_facts(uow) if f.funded and f.amount.currency == "CNY"]
        orgs = parties.organizations_by_id(uow, {f.borrower_org_id for f in facts})
    smes = [
        f for f in facts if f.borrower_org_id in orgs and parties.is_sme(orgs[f.borrower_org_id])
    ]
    out: dict[str, dict[int, Decimal]] = {}
    for key, ids in groups.items():
        sums = dict.fromkeys(years, Decimal("0.00"))
        for f in smes:
            y = f.decided_on.year
            if y in sums and (ids is None or f.borrower_org_id in ids):
                sums[y] += f.amount.amount
        out[key] = sums
    return out
