"""Daily and monthly series of the indicators, for the regulator's charts and exports."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.supervision.alerts import alert_inbox
from scf.supervision.facts import financing_facts, require_regulator
from scf.supervision.model import Granularity, bucket, buckets, parse_granularity


def series(uow: UnitOfWork, granularity: str, start: date, end: date) -> dict[str, Any]:
    """Daily or monthly points: SME financing volume and count, alerts raised and resolved,
    list entries added; every period appears, empty ones as zero."""
    require_regulator(uow)
    g = parse_granularity(granularity)
    labels = buckets(start, end, g)
    index = {label: i for i, label in enumerate(labels)}
    n = len(labels)

    def at(d: date) -> int | None:
        return index.get(bucket(d, g))

    facts = [f for f in financing_facts(uow) if f.funded]
    orgs = parties.organizations_by_id(uow, {f.borrower_org_id for f in facts})
    volume: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    count = [0] * n
    for f in facts:
        org = orgs.get(f.borrower_org_id)
        i = at(f.decided_on)
        if org is None or not parties.is_sme(org) or i is None:
            continue
        volume[f.amount.currency][i] += f.amount.minor
        count[i] += 1
    raised = [0] * n
    resolved = [0] * n
    for a in alert_inbox(uow):
        i = at(datetime.fromisoformat(a["raised_at"]).date())
        if i is not None:
            raised[i] += 1
        if a["resolved_at"]:
            j = at(datetime.fromisoformat(a["resolved_at"]).date())
            if j is not None:
                resolved[j] += 1
    listed = [0] * n
    for e in parties.list_entries(uow):
        i = at(e.listed_on)
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


def default_period(uow: UnitOfWork, granularity: Granularity) -> tuple[date, date]:
    """The last 30 days, or the last 12 months."""
    today = uow.today()
    if granularity is Granularity.DAY:
        return today - timedelta(days=29), today
    y, m = today.year, today.month - 11
    if m <= 0:
        y, m = y - 1, m + 12
    return date(y, m, 1), today
