"""What the platform's detectors said about each case, and the scores per family and band.

Each family is read from the detector the platform has for it:
circular trade - the round trips `risk.derived_graphs` finds (`risk.roundtrips` with the
  room's settings) through any of the case's firms;
returning funds - those round trips, circular or through parallel intermediaries, through
  any of the case's firms (fan-in and fan-out are features of the score, not findings);
near-duplicate invoices - the financing room's decision on the copy (refused, or escalated
  for review) and `trade.assess_authenticity`'s NEAR_DUPLICATE_INVOICE reason on its
  receivable;
related parties - the decision on the factoring (refused as self-financing, or escalated)
  and `risk.related_party_check` on applicant and debtor;
goods identity - the registry's goods guard on the second confirmation and the financing
  room's pledge checks on the second pledge;
shells - `risk.shell_reasons` on the firm (indicators weighing `shell_min_score` or more).
A case is `flagged` when its detector says anything; `stopped` when a decision refused it or
held it for review (cases without a decision have none). A refusal for a reason that has
nothing to do with fraud (a limit, a missing price) is counted apart, never as a catch.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scf.core.actor import Actor
from scf.platform import Platform
from scf.sim.adversarial.load import Loaded, at_end
from scf.sim.adversarial.world import (
    CIRCULAR,
    FAMILIES,
    GOODS,
    NEAR_DUPLICATE,
    RELATED,
    RETURNING,
    SHELL,
    Case,
    Factoring,
    Invoice,
    World,
)

# Refusals that say nothing about fraud: the world, not the detector, would be at fault.
NOT_DETECTION = frozenset(
    {
        "not_loaded",
        "over_risk_limit",
        "exposure_cap_exceeded",
        "no_commodity_price",
        "tenor_too_long",
        "asset_due",
        "over_advance",
        "exclusive_product",
        "not_confirmed",
        "invalid_input",  # e.g. a part invoice below the scenario's minimum amount
    }
)
GRAPH_KINDS = {
    CIRCULAR: frozenset({"circular_trade"}),
    RETURNING: frozenset({"circular_trade", "returning_funds"}),
}


@dataclass
class Verdict:
    """What the platform said about one case."""

    case: Case
    flagged: bool
    stopped: bool | None = None  # None: the case puts nothing to a decision
    refused: bool | None = None
    evidence: list[str] = field(default_factory=list)
    other_refusals: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reading the detectors


def _decision(case: Case, loaded: Loaded) -> Verdict:
    """The decisions' verdict: refused or held for review, with what said so."""
    v = Verdict(case, False, False, False)
    for key in case.decisions:
        outcome = loaded.outcomes.get(key, "not_loaded")
        if outcome == "taken":
            continue
        if outcome in NOT_DETECTION:
            v.other_refusals.append(outcome)
        elif outcome == "escalated":
            v.stopped = v.flagged = True
            checks = loaded.escalations.get(key, [])
            v.evidence += [f"held: {c}" for c in checks]
        else:
            v.stopped = v.refused = v.flagged = True
            v.evidence.append(f"refused: {outcome}")
    return v


def _graph_verdicts(platform: Platform, cases: list[Case], loaded: Loaded) -> list[Verdict]:
    from scf.risk import service as risk

    out = []
    with platform.uow(_regulator()) as uow:
        d = risk.derived_graphs(uow)
        min_shell = risk.current_settings().shell_min_score
        for c in cases:
            v = Verdict(c, False)
            if c.family == SHELL:
                assert c.subject is not None
                reasons = risk.shell_reasons(uow, loaded.org_ids[c.subject])
                if risk.shell_score(reasons) >= min_shell:
                    v.flagged = True
                    v.evidence += [r.split(":")[0] for r in reasons]
            else:
                kinds = _graph_kinds(d, [loaded.org_ids[f] for f in c.firms if f in loaded.org_ids])
                hit = kinds & GRAPH_KINDS[c.family]
                v.flagged = bool(hit)
                v.evidence += sorted(hit)
            out.append(v)
    return out


def _graph_kinds(d: Any, org_ids: Iterable[str]) -> set[str]:
    kinds: set[str] = set()
    for org_id in org_ids:
        node = d.pg.nodes.index.get(org_id)
        if node is None:
            continue
        kinds |= {t.kind for t in d.cycles_by_node.get(node, ())}
    return kinds


def _document_verdicts(
    platform: Platform, world: World, cases: list[Case], loaded: Loaded
) -> list[Verdict]:
    from scf.risk import service as risk
    from scf.trade import service as trade

    factorings = {f.key: f for f in world.of(Factoring)}
    invoices = {i.key: i for i in world.of(Invoice)}
    out = []
    with platform.uow(_regulator()) as uow:
        for c in cases:
            v = _decision(c, loaded)
            for key in c.decisions:
                f = factorings.get(key)
                if f is None:
                    continue
                inv = invoices[f.invoice]
                if c.family == NEAR_DUPLICATE and f.invoice in loaded.receivable_ids:
                    a = trade.assess_authenticity(uow, loaded.receivable_ids[f.invoice])
                    if any(r.code == "NEAR_DUPLICATE_INVOICE" for r in a.reasons):
                        v.flagged = True
                        v.evidence.append("reason: NEAR_DUPLICATE_INVOICE")
                if c.family == RELATED:
                    ids = loaded.org_ids
                    finding = risk.related_party_check(uow, ids[inv.seller], ids[inv.buyer])
                    if finding is not None:
                        v.flagged = True
                        v.evidence.append(f"finding: {finding.kind.value}")
            out.append(v)
    return out


def read_verdicts(platform: Platform, world: World, loaded: Loaded) -> list[Verdict]:
    """Ask the platform's detectors about every case of the world, on the world's last day."""
    platform = at_end(platform)
    graph = [c for c in world.cases if c.family in (CIRCULAR, RETURNING, SHELL)]
    docs = [c for c in world.cases if c.family in (NEAR_DUPLICATE, RELATED)]
    goods = [_decision(c, loaded) for c in world.cases if c.family == GOODS]
    found = _graph_verdicts(platform, graph, loaded)
    found += _document_verdicts(platform, world, docs, loaded)
    order = {c.key: i for i, c in enumerate(world.cases)}
    return sorted(found + goods, key=lambda v: order[v.case.key])


def _regulator() -> Actor:
    return Actor(None, None, frozenset({"regulator"}), "adv:eval")


# ---------------------------------------------------------------- the arithmetic


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def tally(verdicts: Iterable[Verdict]) -> dict[str, Any]:
    """Precision and recall of the planted cases, false-positive rate of the look-alikes."""
    planted = caught = stopped = refused = looks = false_alarms = looks_stopped = decided = 0
    for v in verdicts:
        if v.case.planted:
            planted += 1
            caught += v.flagged
            stopped += bool(v.stopped)
            refused += bool(v.refused)
            decided += v.stopped is not None
        else:
            looks += 1
            false_alarms += v.flagged
            looks_stopped += bool(v.stopped)
    return {
        "planted": planted,
        "caught": caught,
        "missed": planted - caught,
        "lookalikes": looks,
        "lookalikes_flagged": false_alarms,
        "precision": _ratio(caught, caught + false_alarms),
        "recall": _ratio(caught, planted),
        "lookalike_fp_rate": _ratio(false_alarms, looks),
        "stopped_recall": _ratio(stopped, planted) if decided else None,
        "refused_recall": _ratio(refused, planted) if decided else None,
        "lookalikes_stopped": looks_stopped if decided or looks_stopped else None,
    }


def _band_order(band: str) -> tuple[int, str]:
    """Bands in the order of their numbers ("<=", ">" and names after their neighbours)."""
    digits = "".join(ch for ch in band.split("-")[0] if ch.isdigit())
    bump = 1 if band.startswith(">") else 0
    return (int(digits) + bump if digits else 10**12, band)


def score(verdicts: list[Verdict]) -> dict[str, Any]:
    """Per family: the tally, the tally of each value of each parameter's band, what caught
    the planted cases and what flagged the look-alikes."""
    by_family: dict[str, list[Verdict]] = defaultdict(list)
    for v in verdicts:
        by_family[v.case.family].append(v)
    out: dict[str, Any] = {}
    for family in FAMILIES:
        vs = by_family.get(family, [])
        if not vs:
            continue
        bands: dict[str, dict[str, list[Verdict]]] = defaultdict(lambda: defaultdict(list))
        for v in vs:
            for param, value in v.case.bands.items():
                bands[param][value].append(v)
        out[family] = {
            **tally(vs),
            "bands": {
                param: {value: tally(values[value]) for value in sorted(values, key=_band_order)}
                for param, values in bands.items()
            },
            "caught_by": dict(Counter(e for v in vs if v.case.planted for e in v.evidence)),
            "lookalikes_flagged_by": dict(
                Counter(e for v in vs if not v.case.planted for e in v.evidence)
            ),
            "refused_for_other_reasons": dict(Counter(r for v in vs for r in v.other_refusals)),
        }
    return out
