"""The regulator's live indicators, computed on read from the rooms' services.

Nothing is copied into tables of our own, so the regulator always sees the live state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from scf.certificates import service as certificates
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.supervision.alerts import alert_inbox
from scf.supervision.facts import check_period, financing_facts, in_period, require_regulator
from scf.supervision.lists import listings
from scf.supervision.model import (
    CNY,
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
    """The regulator's live indicators over a period of decision dates (all time by default);
    certificates count by their issue date."""
    require_regulator(uow)
    check_period(start, end)
    facts = [f for f in financing_facts(uow) if in_period(f, start, end)]
    ids = {f.borrower_org_id for f in facts} | {f.funder_org_id for f in facts}
    ids |= {f.core_org_id for f in facts if f.core_org_id}
    orgs = parties.organizations_by_id(uow, ids)
    funded = [f for f in facts if f.funded]
    decided = [f for f in facts if f.decided_at is not None]
    certs = [
        c
        for c in certificates.list_certificates(uow)
        if (start is None or c.issued_on >= start) and (end is None or c.issued_on <= end)
    ]
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
            "all": hours_stats([f.decided_at - f.applied_at for f in decided if f.decided_at]),
            "green_channel": _decision_hours(decided, green_channel=True),
            "standard": _decision_hours(decided, green_channel=False),
        },
        "credit_quality": _credit_quality(funded, certs),
        "credit_amounts": _credit_amounts(funded, certs),
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
    """Overdue and default of financings and, apart, of certificates: by count and by amount.

    Rates by amount are over CNY, the platform's currency, so that currencies never mix; the
    amounts behind them are in `credit_amounts`, per currency.
    """
    f_over = [f for f in funded if f.overdue]
    f_def = [f for f in funded if f.defaulted]
    c_over = [c for c in certs if c.status == "overdue"]
    c_def = [c for c in certs if c.status == "defaulted"]

    def cny(items: list[FinancingFact]) -> int:
        return sum(f.amount.minor for f in items if f.amount.currency == CNY)

    def unpaid(items: list[Any]) -> int:
        return sum(c.face_minor - c.paid_minor for c in items if c.currency == CNY)

    face = sum(c.face_minor for c in certs if c.currency == CNY)
    return {
        "financings": len(funded),
        "financings_overdue": len(f_over),
        "financings_defaulted": len(f_def),
        "overdue_rate": ratio(len(f_over), len(funded)),
        "default_rate": ratio(len(f_def), len(funded)),
        "overdue_rate_by_amount": ratio(cny(f_over), cny(funded)),
        "default_rate_by_amount": ratio(cny(f_def), cny(funded)),
        "certificates": len(certs),
        "certificates_overdue": len(c_over),
        "certificates_defaulted": len(c_def),
        "certificate_overdue_rate": ratio(len(c_over), len(certs)),
        "certificate_default_rate": ratio(len(c_def), len(certs)),
        "certificate_overdue_rate_by_amount": ratio(unpaid(c_over), face),
        "certificate_default_rate_by_amount": ratio(unpaid(c_def), face),
    }


def _credit_amounts(funded: list[FinancingFact], certs: list[Any]) -> dict[str, Any]:
    """The amounts behind the rates: financed, overdue and in default; certificates' face and
    what is unpaid on those overdue or in default (per currency)."""

    def total(pairs: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
        sums: dict[str, int] = defaultdict(int)
        for ccy, minor in pairs:
            sums[ccy] += minor
        return [Money(v, c).as_json() for c, v in sorted(sums.items())]

    def financed(items: Iterable[FinancingFact]) -> list[dict[str, Any]]:
        return total((f.amount.currency, f.amount.minor) for f in items)

    def unpaid(status: str) -> list[dict[str, Any]]:
        return total((c.currency, c.face_minor - c.paid_minor) for c in certs if c.status == status)

    return {
        "financings": financed(funded),
        "financings_overdue": financed(f for f in funded if f.overdue),
        "financings_defaulted": financed(f for f in funded if f.defaulted),
        "certificates": total((c.currency, c.face_minor) for c in certs),
        "certificates_overdue": unpaid("overdue"),
        "certificates_defaulted": unpaid("defaulted"),
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
