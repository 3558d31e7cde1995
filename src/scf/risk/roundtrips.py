"""Value that comes back: circular trade and returning funds, found as round trips and scored.

A round trip is a time-respecting loop of the trade graph (each hop on or after the one
before, the whole loop within a window of up to a year, up to a dozen hops) along which the
value stays what it was: each hop passes on between `hop_floor` and `hop_ceiling` of what
the hop before carried. Goods or money going round to inflate receivables keep their value
but for a thin margin or a fee kept at each hop; genuine chains add value (a processor's
15-40%), and a two-party loop whose goods come back dearer than they left is toll
processing or a buy-back of processed goods, not a round trip (`pair_ceiling`, against the
loop's own hops, and against everything the two sent each other since the first of them
sent the other anything).

Layering splits the value over several intermediaries that do nothing else: firms with the
same counterparties on both sides (scatter-gather, gather-scatter, bipartite layers) are
taken together as one position of the loop, their amounts summed, so a flow split k ways
and merged again is found at any k from 2 up. Fan-in and fan-out alone close no loop and are
never a round trip.

Every round trip found carries a score from 0 to 1 and its factors: how much of the value
comes back, how thin the margins are, how tight the timing is, and how much of the loop runs
inside one control group.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from scf.risk.graph import EdgeList, IntArray, find_cycles

CIRCULAR_TRADE = "circular_trade"
RETURNING_FUNDS = "returning_funds"

# Weights of the score's factors (they sum to 1).
WEIGHTS = {"value_back": 0.3, "thin_margins": 0.35, "tight_timing": 0.15, "related": 0.2}


@dataclass(frozen=True)
class RoundTripRule:
    """What a loop must keep to be a round trip (ratios of a hop's amount to the one before)."""

    max_hops: int = 12
    window_days: int = 365
    hop_floor: float = 0.8
    hop_ceiling: float = 1.05
    pair_ceiling: float = 1.0
    min_score: float = 0.0


@dataclass(frozen=True)
class RoundTrip:
    """One loop: its positions in flow order (the first closes it), the firms at each position
    (several when parallel intermediaries carry the hop), and each hop's amount and day."""

    kind: str
    nodes: tuple[int, ...]
    members: tuple[tuple[int, ...], ...]
    amounts: tuple[int, ...]
    days: tuple[int, ...]
    score: float
    factors: Mapping[str, float] = field(default_factory=dict)

    @property
    def firms(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(m for ms in self.members for m in ms))

    @property
    def hops(self) -> int:
        return len(self.amounts)

    @property
    def first_day(self) -> int:
        return self.days[0]

    @property
    def last_day(self) -> int:
        return self.days[-1]

    @property
    def first_amount(self) -> int:
        return self.amounts[0]

    @property
    def last_amount(self) -> int:
        return self.amounts[-1]


def parallel_groups(edges: EdgeList) -> IntArray:
    """Each node's representative: the smallest node with exactly its counterparties on both
    sides (both non-empty), or itself. Sets are compared by sums of random 64-bit weights."""
    n = edges.n_nodes
    rep = np.arange(n, dtype=np.int64)
    keep = edges.src != edges.dst
    if n == 0 or not keep.any():
        return rep
    pair = np.unique(edges.src[keep] * n + edges.dst[keep])
    src, dst = pair // n, pair % n
    weight = np.random.default_rng(0x5CF).integers(1, 2**62, n, dtype=np.int64).astype(np.uint64)
    out_h = np.zeros(n, dtype=np.uint64)
    in_h = np.zeros(n, dtype=np.uint64)
    np.add.at(out_h, src, weight[dst])
    np.add.at(in_h, dst, weight[src])
    both = np.flatnonzero((out_h != 0) & (in_h != 0))
    if len(both) < 2:
        return rep
    keys = np.stack([in_h[both], out_h[both]], axis=1)
    _, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    smallest = np.full(len(counts), n, dtype=np.int64)
    np.minimum.at(smallest, inverse, both)
    grouped = counts[inverse] >= 2
    rep[both[grouped]] = smallest[inverse[grouped]]
    return rep


def contract(edges: EdgeList, rep: IntArray) -> EdgeList:
    """The edge list with each group of parallel intermediaries as one node: the edges that
    touch a group summed per (source, destination) on the earliest day, the others as they are."""
    s, d = rep[edges.src], rep[edges.dst]
    in_group = _is_group(rep)
    touched = in_group[edges.src] | in_group[edges.dst]
    loop = s == d
    plain = ~touched & ~loop
    agg = touched & ~loop
    out_s, out_d = [s[plain]], [d[plain]]
    out_a, out_t = [edges.amount[plain]], [edges.day[plain]]
    if agg.any():
        n = edges.n_nodes
        key = s[agg] * n + d[agg]
        uniq, inv = np.unique(key, return_inverse=True)
        amount = np.zeros(len(uniq), dtype=np.int64)
        np.add.at(amount, inv, edges.amount[agg])
        day = np.full(len(uniq), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(day, inv, edges.day[agg])
        out_s.append(uniq // n)
        out_d.append(uniq % n)
        out_a.append(amount)
        out_t.append(day)
    return EdgeList.of(
        np.concatenate(out_s),
        np.concatenate(out_d),
        np.concatenate(out_a),
        np.concatenate(out_t),
        edges.n_nodes,
    )


def _is_group(rep: IntArray) -> np.ndarray:
    """Nodes that belong to a group of two or more (representatives included)."""
    counts = np.bincount(rep, minlength=len(rep))
    return counts[rep] >= 2


def find_round_trips(
    edges: EdgeList, rule: RoundTripRule = RoundTripRule(), group: IntArray | None = None
) -> list[RoundTrip]:
    """Every round trip of the edge list under `rule`, scored; `group` labels each node with
    its control group (same label: one controller), for the score's related factor."""
    if len(edges) == 0:
        return []
    rep = parallel_groups(edges)
    flows = contract(edges, rep)
    members: dict[int, list[int]] = {}
    for node in np.flatnonzero(rep != np.arange(len(rep))).tolist():
        members.setdefault(int(rep[node]), [int(rep[node])]).append(node)
    cycles = find_cycles(
        flows,
        max_hops=max(2, rule.max_hops),
        window_days=rule.window_days,
        hop_bounds=(rule.hop_floor, rule.hop_ceiling),
        return_bounds=(rule.hop_floor**rule.max_hops, rule.hop_ceiling**rule.max_hops),
    )
    pairs = _PairTotals(flows)
    out = []
    for c in cycles:
        amounts = tuple(int(flows.amount[e]) for e in c.edges)
        if len(amounts) == 2 and (
            amounts[1] > rule.pair_ceiling * amounts[0]
            or pairs.value_added(c.nodes[0], c.nodes[1]) > rule.pair_ceiling
        ):
            continue
        at = tuple(tuple(members.get(n, [n])) for n in c.nodes)
        days = tuple(int(flows.day[e]) for e in c.edges)
        factors = _factors(amounts, days, at, rule, group)
        score = round(sum(WEIGHTS[k] * v for k, v in factors.items()), 3)
        if score < rule.min_score:
            continue
        kind = RETURNING_FUNDS if any(len(m) > 1 for m in at) else CIRCULAR_TRADE
        out.append(RoundTrip(kind, c.nodes, at, amounts, days, score, factors))
    return sorted(out, key=lambda t: (-t.score, t.first_day, t.nodes))


class _PairTotals:
    """What two nodes ever sent each other, looked up by pair."""

    def __init__(self, flows: EdgeList) -> None:
        self.n = max(flows.n_nodes, 1)
        key = flows.src * self.n + flows.dst
        self.keys, inverse = np.unique(key, return_inverse=True)
        inverse = inverse.reshape(-1)
        self.sums = np.zeros(len(self.keys), dtype=np.int64)
        np.add.at(self.sums, inverse, flows.amount)
        self.first = np.full(len(self.keys), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(self.first, inverse, flows.day)

    def _at(self, a: int, b: int) -> int | None:
        key = a * self.n + b
        i = int(np.searchsorted(self.keys, key))
        return i if i < len(self.keys) and self.keys[i] == key else None

    def value_added(self, a: int, b: int) -> float:
        """What came back to the one of the two that sent first, against what it sent: above
        1 the other added value (a processor's fee), at or below 1 the value only went round."""
        ab, ba = self._at(a, b), self._at(b, a)
        if ab is None or ba is None:
            return 0.0
        out, back = (ab, ba) if self.first[ab] <= self.first[ba] else (ba, ab)
        return float(self.sums[back]) / max(float(self.sums[out]), 1.0)


def _factors(
    amounts: tuple[int, ...],
    days: tuple[int, ...],
    members: tuple[tuple[int, ...], ...],
    rule: RoundTripRule,
    group: IntArray | None,
) -> dict[str, float]:
    """The score's factors, each from 0 (ordinary) to 1 (a round trip beyond doubt)."""
    ratios = [b / a for a, b in itertools.pairwise(amounts) if a]
    spread = max(1.0 - rule.hop_floor, rule.hop_ceiling - 1.0, 1e-9)
    margin = sum(abs(r - 1.0) for r in ratios) / len(ratios) if ratios else 0.0
    back = amounts[-1] / amounts[0] if amounts[0] else 0.0
    related = 0.0
    if group is not None:
        firms = [m for ms in members for m in ms]
        labels = group[np.asarray(firms, dtype=np.int64)]
        _, counts = np.unique(labels, return_counts=True)
        related = float(counts.max() - 1) / max(len(firms) - 1, 1)
    return {
        "value_back": round(min(back, 1.0 / back if back else 0.0), 3),
        "thin_margins": round(max(0.0, 1.0 - margin / spread), 3),
        "tight_timing": round(max(0.0, 1.0 - (days[-1] - days[0]) / max(rule.window_days, 1)), 3),
        "related": round(related, 3),
    }
