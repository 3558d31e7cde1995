"""Graph analytics on plain edge lists: circular trade, control groups, fan patterns, shells,
contagion.

Everything works on numpy arrays of node indices, so the platform adapter, the simulator and
the benchmark feed the same functions, from a dozen edges to tens of millions. Strongly
connected components come from scipy's compiled csgraph (it takes the arrays as they are);
the cycle search is a vectorized, time-respecting frontier expansion inside those components;
contagion walks the claims graph tier by tier with rustworkx.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from scf.core.errors import InvalidInput

IntArray = npt.NDArray[np.int64]


@dataclass
class EdgeList:
    """Directed money-or-goods flows: src pays or sells to dst, amount in minor units, on day."""

    src: IntArray
    dst: IntArray
    amount: IntArray
    day: IntArray
    n_nodes: int

    @classmethod
    def of(
        cls,
        src: Sequence[int] | IntArray,
        dst: Sequence[int] | IntArray,
        amount: Sequence[int] | IntArray,
        day: Sequence[int] | IntArray,
        n_nodes: int | None = None,
    ) -> EdgeList:
        s = np.asarray(src, dtype=np.int64)
        d = np.asarray(dst, dtype=np.int64)
        a = np.asarray(amount, dtype=np.int64)
        t = np.asarray(day, dtype=np.int64)
        if not (len(s) == len(d) == len(a) == len(t)):
            raise InvalidInput(
                "src, dst, amount and day must have one entry per edge", field="edges"
            )
        if len(a) and (a < 0).any():
            raise InvalidInput("edge amounts cannot be negative", field="amount")
        n = int(n_nodes if n_nodes is not None else (max(s.max(), d.max()) + 1 if len(s) else 0))
        return cls(s, d, a, t, n)

    def __len__(self) -> int:
        return len(self.src)


@dataclass
class NodeIndex:
    """Maps platform ids to dense integer node indices and back."""

    ids: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    def __call__(self, key: str) -> int:
        i = self.index.get(key)
        if i is None:
            i = len(self.ids)
            self.index[key] = i
            self.ids.append(key)
        return i

    def __len__(self) -> int:
        return len(self.ids)


# ---------------------------------------------------------------- circular trade


@dataclass(frozen=True)
class Cycle:
    nodes: tuple[int, ...]  # in order of the flow, the first node again closes the loop
    edges: tuple[int, ...]  # edge indices into the edge list
    first_day: int
    last_day: int
    first_amount: int
    last_amount: int


def strongly_connected(edges: EdgeList) -> IntArray:
    """Label each node with its strongly connected component."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n = max(edges.n_nodes, 1)
    adj = csr_matrix((np.ones(len(edges), dtype=np.int8), (edges.src, edges.dst)), shape=(n, n))
    _, labels = connected_components(adj, directed=True, connection="strong")
    return np.asarray(labels, dtype=np.int64)


def find_cycles(
    edges: EdgeList,
    *,
    min_hops: int = 2,
    max_hops: int = 6,
    window_days: int = 30,
    tolerance: float = 0.2,
    hop_tolerance: float | None = None,
    hop_bounds: tuple[float, float] | None = None,
    return_bounds: tuple[float, float] | None = None,
    chunk: int = 2_000_000,
) -> list[Cycle]:
    """Find loops of min..max hops whose amounts come back within a time window.

    A loop counts when each hop happens on or after the previous one, the whole loop closes
    within `window_days`, each hop's amount is within `hop_tolerance` (by default
    `tolerance`) of the previous hop's, and the amount that returns is within `tolerance` of
    the amount that left: goods or money going round and round to inflate receivables, each
    party adding a thin margin, not ordinary trade that happens to close a ring over a year,
    nor toll processing, where the goods come back carrying the processor's value added.

    The search grows every open path by one hop at a time, all paths at once in numpy (in
    slices of `chunk // 8` paths), inside the strongly connected components only.
    `hop_bounds` and `return_bounds` (low, high ratios) replace the symmetric tolerances.
    """
    if not 2 <= min_hops <= max_hops:
        raise InvalidInput("hops must satisfy 2 <= min_hops <= max_hops", field="max_hops")
    if len(edges) == 0:
        return []
    adj = _component_adjacency(edges)
    if adj is None:
        return []
    step = tolerance if hop_tolerance is None else hop_tolerance
    lo_h, hi_h = hop_bounds if hop_bounds is not None else (1.0 - step, 1.0 + step)
    lo_r, hi_r = return_bounds if return_bounds is not None else (1 - tolerance, 1 + tolerance)
    rule = _CycleRule(window_days, lo_h, hi_h, lo_r, hi_r)
    # the frontier: one row per open path, its nodes and its edges (indices into `adj`)
    nodes = np.stack([adj.src, adj.dst], axis=1)
    eids = np.arange(len(adj.order), dtype=np.int64)[:, None]
    found: dict[tuple[int, ...], Cycle] = {}
    size = max(1, chunk // 8)
    for hop in range(2, max_hops + 1):
        next_nodes: list[IntArray] = []
        next_eids: list[IntArray] = []
        for start in range(0, len(nodes), size):
            pn, pe = nodes[start : start + chunk // 8], eids[start : start + chunk // 8]
            nxt = _next_hops(adj, rule, pn, pe)
            if nxt is None:
                continue
            rows, cand = nxt
            new = adj.dst[cand]
            closes = new == pn[rows, 0]
            if hop >= min_hops and closes.any():
                _record_closed(
                    found, edges, adj, rule, pn[rows[closes]], pe[rows[closes]], cand[closes]
                )
            if hop == max_hops:
                continue
            open_nodes, open_eids = _extend_simple(
                pn, pe, rows[~closes], cand[~closes], new[~closes]
            )
            next_nodes.append(open_nodes)
            next_eids.append(open_eids)
        if not next_nodes:
            break
        nodes = np.concatenate(next_nodes)
        eids = np.concatenate(next_eids)
        if len(nodes) == 0:
            break
    return sorted(found.values(), key=lambda c: (c.first_day, c.nodes))


@dataclass(frozen=True)
class _CycleRule:
    """The bounds a loop keeps: its window, each hop against the one before (`lo_hop`..
    `hi_hop` of its amount), the amount that returns against the one that left."""

    window_days: int
    lo_hop: float
    hi_hop: float
    lo_return: float
    hi_return: float


@dataclass
class _Adjacency:
    """The edges inside strongly connected components, sorted by source, as CSR rows."""

    order: IntArray  # positions in the original edge list
    src: IntArray
    dst: IntArray
    amount: npt.NDArray[np.float64]
    day: IntArray
    indptr: IntArray  # a node's out-edges are indptr[node]:indptr[node + 1]
    degree: IntArray


def _component_adjacency(edges: EdgeList) -> _Adjacency | None:
    """Only edges within one strongly connected component can lie on a loop; None if none do."""
    labels = strongly_connected(edges)
    keep = np.flatnonzero((labels[edges.src] == labels[edges.dst]) & (edges.src != edges.dst))
    if len(keep) == 0:
        return None
    order = keep[np.argsort(edges.src[keep], kind="stable")]
    e_src = edges.src[order]
    indptr = np.zeros(edges.n_nodes + 1, dtype=np.int64)
    np.add.at(indptr, e_src + 1, 1)
    indptr = np.cumsum(indptr)
    return _Adjacency(
        order=order,
        src=e_src,
        dst=edges.dst[order],
        amount=edges.amount[order].astype(np.float64),
        day=edges.day[order],
        indptr=indptr,
        degree=indptr[1:] - indptr[:-1],
    )


def _next_hops(
    adj: _Adjacency, rule: _CycleRule, pn: IntArray, pe: IntArray
) -> tuple[IntArray, IntArray] | None:
    """Every next edge each open path may take: (path row, edge) pairs, None if there is none.

    The next edge leaves the path's last node on or after its last hop, within the window
    from its first hop, with an amount within the hop tolerance of the last hop's.
    """
    cur = pn[:, -1]
    counts = adj.degree[cur]
    total = int(counts.sum())
    if total == 0:
        return None
    rows = np.repeat(np.arange(len(pn)), counts)
    offs = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    cand = adj.indptr[cur][rows] + offs
    first_e = pe[rows, 0]
    last_e = pe[rows, -1]
    day = adj.day
    ok = (day[cand] >= day[last_e]) & (day[cand] - day[first_e] <= rule.window_days)
    amt, last_amt = adj.amount[cand], adj.amount[last_e]
    ok &= (amt >= rule.lo_hop * last_amt) & (amt <= rule.hi_hop * last_amt)
    rows, cand = rows[ok], cand[ok]
    if len(rows) == 0:
        return None
    return rows, cand


def _record_closed(
    found: dict[tuple[int, ...], Cycle],
    edges: EdgeList,
    adj: _Adjacency,
    rule: _CycleRule,
    pn: IntArray,
    pe: IntArray,
    back_e: IntArray,
) -> None:
    """Keep the paths whose closing edge `back_e` returns an amount within the tolerance of
    the amount that left, once each whatever node the loop was entered at."""
    back = adj.amount[back_e]
    first_amt = adj.amount[pe[:, 0]]
    good = (back >= rule.lo_return * first_amt) & (back <= rule.hi_return * first_amt)
    for r, c in zip(np.flatnonzero(good).tolist(), back_e[good].tolist(), strict=True):
        path_e = [*pe[r].tolist(), c]
        key = tuple(sorted(path_e))
        if key in found:
            continue
        orig = [int(adj.order[i]) for i in path_e]
        found[key] = Cycle(
            nodes=tuple(int(v) for v in pn[r].tolist()),
            edges=tuple(orig),
            first_day=int(edges.day[orig[0]]),
            last_day=int(edges.day[orig[-1]]),
            first_amount=int(edges.amount[orig[0]]),
            last_amount=int(edges.amount[orig[-1]]),
        )


def _extend_simple(
    pn: IntArray, pe: IntArray, rows: IntArray, cand: IntArray, new: IntArray
) -> tuple[IntArray, IntArray]:
    """The open paths grown by one edge, where the new node is not on the path already."""
    simple = ~(pn[rows] == new[:, None]).any(axis=1)
    rows, cand, new = rows[simple], cand[simple], new[simple]
    return (
        np.concatenate([pn[rows], new[:, None]], axis=1),
        np.concatenate([pe[rows], cand[:, None]], axis=1),
    )


def find_cycles_reference(
    edges: EdgeList,
    *,
    min_hops: int = 2,
    max_hops: int = 6,
    window_days: int = 30,
    tolerance: float = 0.2,
    hop_tolerance: float | None = None,
) -> set[tuple[int, ...]]:
    """The same rule as `find_cycles`, as a plain depth-first search on a networkx graph.

    Slow and obviously correct: the yardstick for tests and the benchmark's baseline.
    """
    import networkx as nx

    g: nx.MultiDiGraph[int] = nx.MultiDiGraph()
    for i in range(len(edges)):
        g.add_edge(int(edges.src[i]), int(edges.dst[i]), key=i)
    day, amt = edges.day.tolist(), edges.amount.tolist()
    lo_f, hi_f = 1.0 - tolerance, 1.0 + tolerance
    step = tolerance if hop_tolerance is None else hop_tolerance
    lo_h, hi_h = 1.0 - step, 1.0 + step
    out: set[tuple[int, ...]] = set()

    def dfs(start: int, node: int, path_nodes: list[int], path_e: list[int]) -> None:
        first, last = path_e[0], path_e[-1]
        for _, nxt, key in g.out_edges(node, keys=True):
            if not (day[key] >= day[last] and day[key] - day[first] <= window_days):
                continue
            if not (lo_h * amt[last] <= amt[key] <= hi_h * amt[last]):
                continue
            hops = len(path_e) + 1
            if nxt == start:
                if hops >= min_hops and lo_f * amt[first] <= amt[key] <= hi_f * amt[first]:
                    out.add(tuple(sorted([*path_e, key])))
            elif nxt not in path_nodes and hops < max_hops:
                dfs(start, nxt, [*path_nodes, nxt], [*path_e, key])

    for u, v, key in g.edges(keys=True):
        if u != v:
            dfs(u, v, [u, v], [key])
    return out


# ---------------------------------------------------------------- control groups


@dataclass
class ControlForest:
    """Who controls whom: `via[o]` is the holder through which o is controlled, `root[o]` the
    ultimate controller within the level limit (o itself when nobody controls it)."""

    via: IntArray
    root: IntArray
    levels: IntArray

    def chain(self, node: int) -> list[int]:
        out = [node]
        seen = {node}
        while self.via[out[-1]] >= 0 and len(out) <= len(self.via):
            nxt = int(self.via[out[-1]])
            if nxt in seen:
                break
            out.append(nxt)
            seen.add(nxt)
            if nxt == int(self.root[node]):
                break
        return out

    def path(self, a: int, b: int) -> list[int] | None:
        """The control path a -> ... -> common controller -> ... -> b, None if not one group."""
        if a == b:
            return [a]
        if self.root[a] != self.root[b]:
            return None
        ca, cb = self.chain(a), self.chain(b)
        common = next((x for x in ca if x in set(cb)), None)
        if common is None:
            return None
        return ca[: ca.index(common) + 1] + list(reversed(cb[: cb.index(common)]))


def control_forest(
    holder: Sequence[int] | IntArray,
    org: Sequence[int] | IntArray,
    share: Sequence[float] | npt.NDArray[np.float64],
    n_nodes: int,
    *,
    max_levels: int = 4,
    threshold: float = 0.5,
) -> ControlForest:
    """Compute control through up to `max_levels` levels of indirect holdings.

    A party controls an organization when the shares it holds directly plus those held by the
    organizations it already controls exceed `threshold`, the same rule as the parties room's
    `control_map`: control, not multiplied economic interest, lets one party steer another.
    """
    h = np.asarray(holder, dtype=np.int64)
    o = np.asarray(org, dtype=np.int64)
    s = np.asarray(share, dtype=np.float64)
    root = np.arange(n_nodes, dtype=np.int64)
    via = np.full(n_nodes, -1, dtype=np.int64)
    levels = np.zeros(n_nodes, dtype=np.int64)
    if len(h) == 0:
        return ControlForest(via, root, levels)
    for _ in range(max_levels):
        voter = root[h]
        key_o, key_v = o, voter
        idx = np.lexsort((key_v, key_o))
        ko, kv, ks, kh = key_o[idx], key_v[idx], s[idx], h[idx]
        boundary = np.ones(len(ko), dtype=bool)
        boundary[1:] = (ko[1:] != ko[:-1]) | (kv[1:] != kv[:-1])
        starts = np.flatnonzero(boundary)
        sums = np.add.reduceat(ks, starts)
        # the largest single holding of the group is the link shown in the path
        group_id = np.cumsum(boundary) - 1
        best = np.full(len(starts), -1, dtype=np.int64)
        best_share = np.full(len(starts), -1.0)
        for_order = np.lexsort((ks, group_id))
        last_of_group = np.ones(len(for_order), dtype=bool)
        last_of_group[:-1] = group_id[for_order][1:] != group_id[for_order][:-1]
        best[group_id[for_order][last_of_group]] = kh[for_order][last_of_group]
        best_share[group_id[for_order][last_of_group]] = ks[for_order][last_of_group]
        g_org, g_voter = ko[starts], kv[starts]
        win = (sums > threshold + 1e-12) & (g_voter != g_org) & (root[g_voter] != g_org)
        changed = win & (root[g_org] != g_voter)
        if not changed.any():
            break
        co, cv, cb = g_org[changed], g_voter[changed], best[changed]
        root[co] = cv
        via[co] = cb
        levels[co] = levels[cb] + 1
        # organizations controlled by a newly controlled one follow its new root
        moved = root[root] != root
        while moved.any():
            root[moved] = root[root[moved]]
            moved = root[root] != root
    return ControlForest(via, root, levels)


def same_group_edges(forest: ControlForest, edges: EdgeList) -> IntArray:
    """Indices of edges whose two ends share an ultimate controller (self-financing suspects)."""
    r = forest.root
    return np.flatnonzero((r[edges.src] == r[edges.dst]) & (edges.src != edges.dst))


# ---------------------------------------------------------------- fan patterns


@dataclass(frozen=True)
class FanPattern:
    kind: str  # fan_out | fan_in | scatter_gather
    node: int
    counterparties: tuple[int, ...]
    window_start: int
    sink: int | None = None


def fan_patterns(
    edges: EdgeList, *, min_counterparties: int = 10, window_days: int = 30
) -> list[FanPattern]:
    """Fan-out (one node to many), fan-in (many to one) and scatter-gather (one to many to one)
    within windows of `window_days`."""
    if len(edges) == 0:
        return []
    k = min_counterparties
    bucket = edges.day // window_days
    out: list[FanPattern] = []
    for kind, a, b in (("fan_out", edges.src, edges.dst), ("fan_in", edges.dst, edges.src)):
        pairs = np.unique(np.stack([a, bucket, b], axis=1), axis=0)
        keys, counts = np.unique(pairs[:, :2], axis=0, return_counts=True)
        for node, w in keys[counts >= k].tolist():
            cps = pairs[(pairs[:, 0] == node) & (pairs[:, 1] == w), 2]
            out.append(FanPattern(kind, node, tuple(cps.tolist()), w * window_days))
    # scatter-gather: A pays many B within a window, and those B pay one C soon after
    gather_k = max(3, k // 2)
    by_src: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(edges.src.tolist()):
        by_src[s].append(i)
    day = edges.day
    for fo in [p for p in out if p.kind == "fan_out"]:
        first_hop = [
            i for i in by_src[fo.node] if fo.window_start <= day[i] < fo.window_start + window_days
        ]
        sinks: dict[int, set[int]] = defaultdict(set)
        for i in first_hop:
            mid = int(edges.dst[i])
            for j in by_src.get(mid, []):
                if day[i] <= day[j] <= day[i] + window_days and edges.dst[j] != fo.node:
                    sinks[int(edges.dst[j])].add(mid)
        for sink, mids in sinks.items():
            if len(mids) >= gather_k:
                out.append(
                    FanPattern(
                        "scatter_gather", fo.node, tuple(sorted(mids)), fo.window_start, sink
                    )
                )
    return out


# ---------------------------------------------------------------- shell companies


@dataclass(frozen=True)
class ShellThresholds:
    new_days: int = 365
    tiny_capital_minor: int = 10_000_000  # CNY 100,000
    in_group_share: float = 0.9
    min_score: float = 3.0
    recent_days: int = 90  # the window of a burst
    burst_x_capital: float = 3.0  # sales in the window against the registered capital
    one_customer_share: float = 0.9  # of the sales amount, over at least 2 invoices
    dormant_days: int = 90  # a silence this long before a burst
    wake_x_before: float = 5.0  # sales after the silence against all sales before it


@dataclass(frozen=True)
class TradeBehaviour:
    """An enterprise's sales as the trade graph shows them (amounts in minor units)."""

    invoices: int = 0
    customers: int = 0
    top_customer_share: float | None = None
    recent_minor: int = 0  # in the last `recent_days` up to the day asked
    longest_silence_days: int = 0  # between two sales (the last long one: see below)
    after_silence_minor: int = 0
    before_silence_minor: int = 0
    woke_days_ago: int | None = None  # the first sale after the longest silence


def trade_behaviour(
    edges: EdgeList, node: int, today: int, recent_days: int, dormant_days: int = 90
) -> TradeBehaviour:
    """The sales of `node` (the edges it is the source of) up to the ordinal day `today`; its
    silence is the last one of `dormant_days` or more (else the longest)."""
    mine = (edges.src == node) & (edges.dst != node) & (edges.day <= today)
    if not mine.any():
        return TradeBehaviour()
    order = np.argsort(edges.day[mine], kind="stable")
    day, amount, buyer = edges.day[mine][order], edges.amount[mine][order], edges.dst[mine][order]
    total = int(amount.sum())
    by_buyer = np.bincount(np.unique(buyer, return_inverse=True)[1].reshape(-1), weights=amount)
    gaps = np.diff(day)
    long = np.flatnonzero(gaps >= dormant_days)
    at = int(long[-1]) if len(long) else (int(np.argmax(gaps)) if len(gaps) else -1)
    return TradeBehaviour(
        invoices=len(day),
        customers=len(by_buyer),
        top_customer_share=float(by_buyer.max()) / total if total else None,
        recent_minor=int(amount[day > today - recent_days].sum()),
        longest_silence_days=int(gaps[at]) if at >= 0 else 0,
        after_silence_minor=int(amount[at + 1 :].sum()) if at >= 0 else total,
        before_silence_minor=int(amount[: at + 1].sum()) if at >= 0 else 0,
        woke_days_ago=today - int(day[at + 1]) if at >= 0 else None,
    )


def shell_indicators(
    *,
    age_days: int | None,
    capital_minor: int | None,
    shared_with: Sequence[str],
    in_group_share: float | None,
    t: ShellThresholds = ShellThresholds(),
    sales: TradeBehaviour | None = None,
) -> list[str]:
    """Name the shell-company indicators an enterprise shows: its age and capital, what it
    shares with other enterprises and its trade inside its own group, and from its sales a
    burst against its registered capital, a single customer, and a long silence ended by a
    recent burst (waking up)."""
    out = []
    if age_days is not None and age_days < t.new_days:
        out.append(f"new: founded {age_days} days ago")
    if capital_minor is not None and capital_minor < t.tiny_capital_minor:
        out.append(f"tiny registered capital: {capital_minor / 100:,.2f}")
    out += [f"shares its {kind}: with other enterprises" for kind in sorted(set(shared_with))]
    if in_group_share is not None and in_group_share >= t.in_group_share:
        out.append(f"in-group trade: {in_group_share:.0%} inside its own control group")
    if sales is not None:
        out += _sales_indicators(sales, capital_minor, t)
    return out


# How much each indicator weighs (by its name, before the colon): alone, age, small capital,
# contacts shared or a burst are common in honest firms; selling to one customer, waking from
# a long silence and trading inside one's own group are what shells do.
SHELL_WEIGHTS = {
    "new": 1.0,
    "tiny registered capital": 0.5,
    "shares": 0.5,  # each of its address, phone, key person shared with other firms
    "in-group trade": 2.0,
    "burst": 1.0,
    "one customer": 1.5,
    "dormant, then a burst": 2.0,
}


def shell_score(indicators: Sequence[str]) -> float:
    """The weight of the indicators an enterprise shows (`SHELL_WEIGHTS`)."""
    names = [i.split(":")[0] for i in indicators]
    return sum(SHELL_WEIGHTS.get("shares" if n.startswith("shares ") else n, 1.0) for n in names)


def _sales_indicators(
    sales: TradeBehaviour, capital_minor: int | None, t: ShellThresholds
) -> list[str]:
    out = []
    if capital_minor and sales.recent_minor >= t.burst_x_capital * capital_minor:
        out.append(
            f"burst: sold {sales.recent_minor / capital_minor:.1f} times its registered "
            f"capital in {t.recent_days} days"
        )
    share = sales.top_customer_share
    if share is not None and sales.invoices >= 2 and share >= t.one_customer_share:
        out.append(f"one customer: {share:.0%} of its sales to one buyer")
    woke = sales.woke_days_ago
    if (
        woke is not None
        and woke <= t.recent_days
        and sales.longest_silence_days >= t.dormant_days
        and sales.after_silence_minor >= t.wake_x_before * max(sales.before_silence_minor, 1)
    ):
        out.append(
            f"dormant, then a burst: silent {sales.longest_silence_days} days, then sold "
            f"{sales.after_silence_minor / max(sales.before_silence_minor, 1):.0f} times "
            "what it sold before"
        )
    return out


# ---------------------------------------------------------------- contagion


@dataclass(frozen=True)
class Claim:
    creditor: int
    debtor: int
    amount: int  # minor units
    kind: str  # certificate | receivable | financing


@dataclass
class ContagionResult:
    tier: dict[int, int]
    exposure: dict[int, int]  # minor units of loss that reach each node
    distressed: set[int]


def contagion(
    claims: Sequence[Claim],
    defaulted: int,
    *,
    book: dict[int, int] | None = None,
    terminal: set[int] | frozenset[int] = frozenset(),
    distress_ratio: float = 0.5,
    max_tiers: int = 8,
) -> ContagionResult:
    """Follow a default up the chain, tier by tier, through certificates and receivables.

    Tier 1 holds claims on the defaulted party and loses them in full. A holder whose loss
    reaches `distress_ratio` of its book (by default everything owed to it) is distressed and
    passes the same fraction of loss to those holding claims on it, tier after tier.
    Institutions (`terminal`) absorb losses and pass none on: they are where exposure is
    counted. Amounts stay integer minor units.
    """
    import rustworkx as rx

    g: rx.PyDiGraph[int, Claim] = rx.PyDiGraph()
    idx: dict[int, int] = {}

    def node(x: int) -> int:
        if x not in idx:
            idx[x] = g.add_node(x)
        return idx[x]

    owed: dict[int, int] = defaultdict(int)
    for c in claims:
        if c.amount < 0:
            raise InvalidInput("a claim cannot be negative", field="amount")
        g.add_edge(node(c.debtor), node(c.creditor), c)
        owed[c.creditor] += c.amount
    books = book if book is not None else dict(owed)
    tier: dict[int, int] = {defaulted: 0}
    exposure: dict[int, int] = defaultdict(int)
    distressed = {defaulted}
    loss_num: dict[int, int] = {defaulted: 1}
    loss_den: dict[int, int] = {defaulted: 1}
    frontier = [defaulted] if defaulted in idx else []
    for t in range(1, max_tiers + 1):
        reached: set[int] = set()
        for d in frontier:
            for _, _, c in g.out_edges(idx[d]):
                loss = c.amount * loss_num[d] // loss_den[d]
                if loss <= 0:
                    continue
                exposure[c.creditor] += loss
                reached.add(c.creditor)
                tier.setdefault(c.creditor, t)
        nxt = []
        for n in sorted(reached):
            if n in distressed or n in terminal:
                continue
            b = books.get(n, 0)
            if b > 0 and exposure[n] >= distress_ratio * b:
                distressed.add(n)
                loss_num[n], loss_den[n] = min(exposure[n], b), b
                nxt.append(n)
        if not nxt:
            break
        frontier = nxt
    return ContagionResult(tier, dict(exposure), distressed)


def summarize_cycle(c: Cycle, ids: Sequence[str]) -> dict[str, Any]:
    return {
        "path": [ids[n] for n in (*c.nodes, c.nodes[0])],
        "hops": len(c.edges),
        "days": c.last_day - c.first_day,
        "first_amount_minor": c.first_amount,
        "last_amount_minor": c.last_amount,
    }
