"""Graph findings: the fraud detectors' results about one enterprise, with their evidence.

The detectors themselves (cycles, fan patterns, control groups, shell indicators) are plain
functions of `scf.risk.graph`; `scf.risk.derived` runs the whole-platform ones once and
indexes what they find by node. This module reads those results for one enterprise or a pair
(circular trade, fan patterns, self-financing through a control group, related parties,
shell-company indicators) and turns them into `GraphFinding`s.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import numpy as np

from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.risk import graph as G
from scf.risk.config import STRICTNESS, RiskSettings, risk_settings
from scf.risk.derived import (
    DerivedGraphs,
    derived_graphs,
    in_group_share,
    shared_reason,
)
from scf.risk.model import FindingKind, GraphFinding, Severity
from scf.risk.rooms import CREDIT, PlatformGraph, org_or_404
from scf.risk.roundtrips import RoundTrip


def graph_findings(uow: UnitOfWork, org_id: str) -> list[GraphFinding]:
    """Cycles, fan patterns, self-financing trade and shell indicators involving the enterprise."""
    org = org_or_404(uow, org_id)
    parties.authorize_read(uow, org_id, CREDIT, f"risk/findings/{org_id}")
    return _graph_findings_for(uow, org_id, org, derived_graphs(uow), risk_settings())


def related_party_check(
    uow: UnitOfWork, applicant_org_id: str, debtor_org_id: str
) -> GraphFinding | None:
    """Find whether applicant and debtor are one control group (self-financing) or otherwise
    related; None when they are independent."""
    org_or_404(uow, applicant_org_id)
    org_or_404(uow, debtor_org_id)
    return _related_party_check(derived_graphs(uow).related, applicant_org_id, debtor_org_id)


def shell_score(indicators: list[str]) -> float:
    """The weight of an enterprise's shell indicators; a shell from `shell_min_score` on."""
    return G.shell_score(indicators)


def shell_reasons(
    uow: UnitOfWork, org_id: str, *, related: Any = None, pg: PlatformGraph | None = None
) -> list[str]:
    """The shell-company indicators an enterprise shows (pass the graphs when doing many)."""
    org = org_or_404(uow, org_id)
    if related is None and pg is None:
        d = derived_graphs(uow)
        related, pg, group = d.related, d.pg, d.groups.get(org_id, {org_id})
    else:
        related = related if related is not None else derived_graphs(uow).related
        pg = pg if pg is not None else derived_graphs(uow).pg
        group = related.group_of(org_id)
    share = None
    if org_id in pg.nodes.index and len(pg.edges):
        share = in_group_share(org_id, group, pg)
    return shell_reasons_of(uow, org, _shared_of(related, org_id), share, pg)


def shell_reasons_of(
    uow: UnitOfWork,
    org: Any,
    shared_reasons: set[str],
    in_group_share: float | None,
    pg: PlatformGraph | None = None,
) -> list[str]:
    """The shell-company indicators of an organization row, with the room's thresholds; its
    sales are read from the trade graph `pg` when one is given."""
    s = risk_settings()
    shared = sorted(shared_reasons)
    t = G.ShellThresholds(
        new_days=s.shell_new_days,
        tiny_capital_minor=s.shell_tiny_capital_cny * 100,
        min_score=s.shell_min_score,
        burst_x_capital=s.shell_burst_x_capital,
        one_customer_share=s.shell_one_customer_share,
        dormant_days=s.shell_dormant_days,
    )
    sales = None
    node = pg.nodes.index.get(org.id) if pg is not None else None
    if pg is not None and node is not None and len(pg.edges):
        today = uow.today().toordinal()
        sales = G.trade_behaviour(pg.edges, node, today, t.recent_days, t.dormant_days)
    return G.shell_indicators(
        age_days=(uow.today() - org.founded_on).days,
        capital_minor=org.registered_capital.minor,
        shared_with=shared,
        in_group_share=in_group_share,
        t=t,
        sales=sales,
    )


def _shared_of(related: Any, org_id: str) -> set[str]:
    return {
        shared_reason(lk.reason)
        for lk in related.links
        if org_id in (lk.a, lk.b) and lk.reason.startswith("shared_")
    }


# ---------------------------------------------------------------- detector by detector


def _graph_findings_for(
    uow: UnitOfWork,
    org_id: str,
    org: Any,
    d: DerivedGraphs,
    s: RiskSettings,
) -> list[GraphFinding]:
    pg = d.pg
    me = pg.nodes.index.get(org_id)
    out: list[GraphFinding] = []
    if me is not None and len(pg.edges):
        out += _circular_trade(me, d.cycles_by_node.get(me, ()), pg.nodes.ids)
        out += _self_financing_trade(org_id, me, d.related, pg)
    in_group = d.in_group_share.get(org_id) if me is not None else None
    shell = shell_reasons_of(uow, org, d.shared.get(org_id, set()), in_group, pg)
    weight = G.shell_score(shell)
    if weight >= s.shell_min_score:
        out.append(
            GraphFinding(
                FindingKind.SHELL_COMPANY,
                Severity.HIGH if weight >= s.shell_min_score + 1 else Severity.MEDIUM,
                (org_id,),
                f"{len(shell)} shell-company indicators weighing {weight:g}",
                (),
                {"indicators": shell, "weight": weight, "threshold": s.shell_min_score},
                round(min(weight / (2 * s.shell_min_score), 1.0), 3),
            )
        )
    return out


def _circular_trade(me: int, trips: Iterable[RoundTrip], ids: Sequence[str]) -> list[GraphFinding]:
    """The round trips through the enterprise, each with its score, path, amounts and dates."""
    out: list[GraphFinding] = []
    for t in trips:
        if me not in t.firms:
            continue
        path = [_position(t.members[i], ids) for i in range(len(t.nodes))]
        kind = FindingKind(t.kind)
        what = "funds returning" if kind is FindingKind.RETURNING_FUNDS else "circular trade"
        out.append(
            GraphFinding(
                kind,
                Severity.HIGH if t.score >= 0.6 else Severity.MEDIUM,
                tuple(ids[n] for n in t.firms),
                f"{what} of {t.hops} hops closing in {t.last_day - t.first_day} days, "
                f"{t.last_amount / t.first_amount:.0%} of the value back (score {t.score:.2f})",
                (*path, path[0]),
                {
                    "hops": [
                        {
                            "from": path[h],
                            "to": path[(h + 1) % len(path)],
                            "amount": Money(t.amounts[h], "CNY").as_json(),
                            "on": date.fromordinal(t.days[h]).isoformat(),
                        }
                        for h in range(t.hops)
                    ],
                    "first_amount": Money(t.first_amount, "CNY").as_json(),
                    "returned_amount": Money(t.last_amount, "CNY").as_json(),
                    "from": date.fromordinal(t.first_day).isoformat(),
                    "to": date.fromordinal(t.last_day).isoformat(),
                    "factors": dict(t.factors),
                },
                t.score,
            )
        )
    return out


def _position(members: Sequence[int], ids: Sequence[str]) -> str:
    """A position of a loop: the firm, or the parallel intermediaries joined by '+'."""
    return "+".join(ids[m] for m in members)


def _self_financing_trade(
    org_id: str, me: int, related: Any, pg: PlatformGraph
) -> list[GraphFinding]:
    """Trade with its own control group: self-financing suspects among its counterparties."""
    out: list[GraphFinding] = []
    ids = pg.nodes.ids
    forest_groups = {
        h: set(c) | {h} for h, c in related.controllers.items() if org_id in c or h == org_id
    }
    group = set().union(*forest_groups.values()) if forest_groups else set()
    e = pg.edges
    cps = set(np.where(e.src == me, e.dst, e.src)[(e.src == me) | (e.dst == me)].tolist())
    for cp in sorted(cps):
        if ids[cp] in group and ids[cp] != org_id:
            finding = _related_party_check(related, org_id, ids[cp])
            if finding is not None:
                out.append(finding)
    return out


# ---------------------------------------------------------------- a pair of enterprises


def _related_party_check(related: Any, a: str, b: str) -> GraphFinding | None:
    s = risk_settings()
    controllers = []
    for holder, controlled in related.controllers.items():
        covers_a = holder == a or a in controlled
        covers_b = holder == b or b in controlled
        if covers_a and covers_b:
            controllers.append(holder)
    links = related.related(a, b)
    path = [a]
    for lk in links:
        path.append(lk.b if lk.a == path[-1] else lk.a)
    kinds = sorted({lk.reason for lk in links} | ({"common_controller"} if controllers else set()))
    policy = {k: s.related_policy.get(k, "hold") for k in kinds}
    decision = max(policy.values(), key=lambda v: STRICTNESS[v], default="note")
    evidence: dict[str, Any] = {
        "links": [{"a": lk.a, "b": lk.b, "reason": lk.reason, "via": lk.via} for lk in links],
        "control_levels_searched": s.control_levels,
        "policy": policy,
        "decision": decision,
    }
    score = {"refuse": 1.0, "hold": 0.6, "note": 0.3}[decision]
    if controllers:
        evidence["common_controllers"] = sorted(controllers)
        if len(path) == 1:
            path = [a, controllers[0], b]
        return GraphFinding(
            FindingKind.SELF_FINANCING,
            Severity.HIGH,
            (a, b),
            f"applicant {a} and debtor {b} are in one control group "
            f"(controlled by {', '.join(sorted(controllers))}); policy: {decision}",
            tuple(path),
            evidence,
            score,
        )
    if links:
        return GraphFinding(
            FindingKind.RELATED_PARTY,
            Severity.HIGH if decision == "refuse" else Severity.MEDIUM,
            (a, b),
            f"applicant {a} and debtor {b} are related parties ({', '.join(kinds)}); "
            f"policy: {decision}",
            tuple(path),
            evidence,
            score,
        )
    return None
