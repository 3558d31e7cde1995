"""Contagion: how far a core enterprise's default would reach up its chain, tier by tier."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.risk import graph as G
from scf.risk.rooms import CREDIT, FUNDERS, org_or_404, room_service


def contagion_of(
    uow: UnitOfWork,
    core_org_id: str,
    claims: Sequence[G.Claim] | None = None,
    nodes: G.NodeIndex | None = None,
) -> dict[str, Any]:
    """The exposure a core enterprise's default sends to every SME and institution, by tier.

    Claims come from `scf.certificates.service.certificate_claims(uow)` and
    `scf.trade.service.receivable_claims(uow)`, each yielding (creditor, debtor, Money, kind)
    for live certificate pieces and open receivables; callers may pass them directly.
    """
    org_or_404(uow, core_org_id)
    parties.authorize_read(uow, core_org_id, CREDIT, f"risk/contagion/{core_org_id}")
    if claims is None:
        nodes = G.NodeIndex()
        claims = _platform_claims(uow, nodes)
    assert nodes is not None
    terminal = set()
    orgs = parties.organizations_by_id(uow, nodes.ids)
    for oid, row in orgs.items():
        if set(row.roles) & set(FUNDERS):
            terminal.add(nodes.index[oid])
    root = nodes.index.get(core_org_id)
    if root is None:
        return {"core": core_org_id, "tiers": [], "total": Money.zero("CNY").as_json()}
    res = G.contagion(claims, root, terminal=terminal)
    tiers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for n, t in sorted(res.tier.items(), key=lambda kv: (kv[1], nodes.ids[kv[0]])):
        if t == 0:
            continue
        tiers[t].append(
            {
                "org_id": nodes.ids[n],
                "exposure": Money(res.exposure.get(n, 0), "CNY").as_json(),
                "distressed": n in res.distressed,
                "institution": n in terminal,
            }
        )
    total = sum(res.exposure.values())
    return {
        "core": core_org_id,
        "tiers": [{"tier": t, "parties": rows} for t, rows in sorted(tiers.items())],
        "total": Money(total, "CNY").as_json(),
    }


def _platform_claims(uow: UnitOfWork, nodes: G.NodeIndex) -> list[G.Claim]:
    """Live certificate pieces and open receivables, as claims between indexed nodes."""
    claims: list[G.Claim] = []
    for room, fn in (("certificates", "certificate_claims"), ("trade", "receivable_claims")):
        call = getattr(room_service(room), fn, None)
        for creditor, debtor, money, kind in call(uow) if call is not None else []:
            claims.append(G.Claim(nodes(creditor), nodes(debtor), money.minor, kind))
    return claims
