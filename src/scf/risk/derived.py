"""The graphs every score and finding derives from the whole platform, cached per engine.

The related-party graph (parties room), the trade graph (trade room), and what the detectors
of `scf.risk.graph` find in it (cycles, fan patterns) indexed by node, with each enterprise's
share of trade inside its control group. A score reads them with dictionary lookups.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import and_, bindparam, case, func, select

from scf.core.audit import AuditEntry
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.risk import features as F
from scf.risk import graph as G
from scf.risk import rooms
from scf.risk.config import RiskSettings, risk_settings
from scf.risk.rooms import PlatformGraph
from scf.risk.roundtrips import RoundTrip, find_round_trips


@dataclass
class DerivedGraphs:
    """What every score and finding derives from the whole platform: the related-party graph,
    the trade graph, and the cycles and fan patterns found in it, indexed by node."""

    related: Any
    groups: dict[str, set[str]]
    shared: dict[str, set[str]]
    pg: PlatformGraph
    cycles_by_node: dict[int, list[RoundTrip]]
    fans_by_node: dict[int, list[G.FanPattern]]
    in_group_share: dict[str, float | None] = field(default_factory=dict)

    def graph_inputs(self, org_id: str) -> F.GraphInputs:
        """The enterprise's graph features but shell indicators (which depend on the day).

        Dictionary lookups only: a score reads what the build computed for every node. The
        counts are those of `scf.risk.findings`: each cycle and fan pattern indexed under a
        node involves that node, by construction.
        """
        group = self.groups.get(org_id, {org_id})
        out = F.GraphInputs(related_parties=len(group) - 1, control_group_size=len(group))
        me = self.pg.nodes.index.get(org_id)
        if me is not None and len(self.pg.edges):
            out.cycles = len(self.cycles_by_node.get(me, ()))
            out.fan_patterns = len(self.fans_by_node.get(me, ()))
            out.in_group_trade_share = self.in_group_share.get(org_id)
        return out


# ---------------------------------------------------------------- the cache


_STAMP_WINDOW = 256
_REANCHOR_AFTER = 512


@dataclass
class _Cached:
    settings: tuple[Any, ...]
    anchor: int  # the last audit id when the graphs were built or last re-anchored
    in_window: int  # audit entries with ids in (anchor - window, anchor] at that time
    derived: DerivedGraphs


_DERIVED: weakref.WeakKeyDictionary[Any, _Cached] = weakref.WeakKeyDictionary()


def derived_graphs(uow: UnitOfWork) -> DerivedGraphs:
    """The platform's derived graphs, rebuilt only when the platform changed.

    Cached per engine; each call checks the audit log's tail with one indexed query
    (`_stamp`). A unit of work holding unflushed changes builds its own and caches nothing.
    """
    s = risk_settings()
    session = uow.session
    if session.new or session.dirty or session.deleted:
        return _build_derived(uow, s)
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    key = _settings_key(s)
    hit = _DERIVED.get(engine)
    if hit is not None and hit.settings == key:
        last, below, above, relevant = _stamp(uow, hit.anchor)
        if relevant == 0 and below == hit.in_window:
            if above > _REANCHOR_AFTER:  # keep the scanned tail short
                _, hit.in_window, _, _ = _stamp(uow, last)
                hit.anchor = last
            return hit.derived
    last = int(session.scalar(select(func.max(AuditEntry.id))) or 0)
    last, below, _, _ = _stamp(uow, last)
    built = _build_derived(uow, s)
    _DERIVED[engine] = _Cached(key, last, below, built)
    return built


def clear_derived_cache() -> None:
    """Forget every cached derived graph (tests, and after loading data behind the audit log)."""
    _DERIVED.clear()


def derived_from(
    uow: UnitOfWork, related: Any, pg: PlatformGraph | None, s: RiskSettings
) -> DerivedGraphs:
    """Derived graphs around graphs a caller passes in (simulator, evaluation), uncached."""
    base = derived_graphs(uow) if related is None or pg is None else None
    related = related if related is not None else base.related if base else None
    pg = pg if pg is not None else base.pg if base else None
    assert related is not None and pg is not None
    return build_derived_from(related, pg, s)


def _stamp(uow: UnitOfWork, anchor: int) -> tuple[int, int, int, int]:
    """One indexed range scan of the audit log's tail: (last id, entries in the window below
    the anchor, entries above it, entries above it that may change the graphs).

    Every state change writes an audit entry, so no relevant entry above the anchor and an
    unchanged count below it (a transaction that drew a lower id and committed late changes
    it) mean ownership, contacts and trade are as they were. The risk room's own entries
    (scores, alerts, limits, models) change none of them.
    """
    row = (
        uow.session.connection()
        .execute(_STAMP_SQL, {"anchor": anchor, "floor": anchor - _STAMP_WINDOW})
        .one()
    )
    return int(row[0] or anchor), int(row[1]), int(row[2]), int(row[3])


def _stamp_sql() -> Any:
    a = AuditEntry.__table__.c
    anchor = bindparam("anchor", type_=a.id.type)
    return select(
        func.max(a.id),
        func.count(case((a.id <= anchor, 1))),
        func.count(case((a.id > anchor, 1))),
        func.count(case((and_(a.id > anchor, ~a.action.startswith("risk.")), 1))),
    ).where(a.id > bindparam("floor", type_=a.id.type))


# Built once: the stamp runs before every score, and building the statement costs more than
# running it.
_STAMP_SQL = _stamp_sql()


def _settings_key(s: RiskSettings) -> tuple[Any, ...]:
    return (
        s.round_trip_rule(),
        s.fan_counterparties,
        s.fan_window_days,
    )


# ---------------------------------------------------------------- the build


def _build_derived(uow: UnitOfWork, s: RiskSettings) -> DerivedGraphs:
    return build_derived_from(parties.related_party_graph(uow), rooms.platform_trade_graph(uow), s)


def build_derived_from(related: Any, pg: PlatformGraph, s: RiskSettings) -> DerivedGraphs:
    """Run the detectors over the whole platform once and index what they find by node."""
    groups: dict[str, set[str]] = {}
    for g in related.groups():
        for member in g:
            groups.setdefault(member, g)
    shared: dict[str, set[str]] = defaultdict(set)
    for lk in related.links:
        if lk.reason.startswith("shared_"):
            reason = shared_reason(lk.reason)
            shared[lk.a].add(reason)
            shared[lk.b].add(reason)
    cycles_by_node: dict[int, list[RoundTrip]] = defaultdict(list)
    fans_by_node: dict[int, list[G.FanPattern]] = defaultdict(list)
    if len(pg.edges):
        for c in round_trips(pg, groups, s):
            for n in c.firms:
                cycles_by_node[n].append(c)
        for p in G.fan_patterns(
            pg.edges, min_counterparties=s.fan_counterparties, window_days=s.fan_window_days
        ):
            involved = [p.node, *p.counterparties, *([p.sink] if p.sink is not None else [])]
            for n in dict.fromkeys(involved):
                fans_by_node[n].append(p)
    return DerivedGraphs(
        related,
        groups,
        dict(shared),
        pg,
        dict(cycles_by_node),
        dict(fans_by_node),
        in_group_shares(groups, pg),
    )


def round_trips(
    pg: PlatformGraph, groups: Mapping[str, set[str]], s: RiskSettings
) -> list[RoundTrip]:
    """The round trips (circular trade, returning funds) of the platform's trade graph."""
    return find_round_trips(pg.edges, s.round_trip_rule(), group_labels(groups, pg))


def group_labels(groups: Mapping[str, set[str]], pg: PlatformGraph) -> np.ndarray:
    """Each node's control-group label (the index of its group's first member, or its own)."""
    label = np.arange(len(pg.nodes.ids), dtype=np.int64)
    first: dict[int, int] = {}
    for i, org_id in enumerate(pg.nodes.ids):
        g = groups.get(org_id)
        if g is not None:
            label[i] = first.setdefault(id(g), i)
    return label


def shared_reason(reason: str) -> str:
    """What a `shared_...` related-party link shares, in words ("shared_address" -> "address")."""
    return reason.removeprefix("shared_").replace("_", " ")


def in_group_shares(groups: Mapping[str, set[str]], pg: PlatformGraph) -> dict[str, float | None]:
    """Each trading enterprise's share of its trade amount done with its own control group.

    One pass over the edges for all of them (`in_group_share` does one enterprise): groups
    are connected components, so a counterparty is in an enterprise's group exactly when both
    carry the same group label. Sums stay integers, so the shares equal the one-at-a-time ones.
    """
    e, ids = pg.edges, pg.nodes.ids
    n = len(ids)
    label = group_labels(groups, pg)  # outside any group: a group of its own
    total = np.zeros(n, dtype=np.int64)
    inside = np.zeros(n, dtype=np.int64)
    loop = e.src == e.dst  # counted once in the total, never inside
    np.add.at(total, e.src, e.amount)
    np.add.at(total, e.dst[~loop], e.amount[~loop])
    same = (label[e.src] == label[e.dst]) & ~loop
    np.add.at(inside, e.src[same], e.amount[same])
    np.add.at(inside, e.dst[same], e.amount[same])
    return {
        org_id: int(inside[i]) / int(total[i]) if total[i] else None for i, org_id in enumerate(ids)
    }


def in_group_share(org_id: str, group: set[str], pg: PlatformGraph) -> float | None:
    """One enterprise's share of its trade amount done with the members of `group`."""
    i = pg.nodes.index[org_id]
    e = pg.edges
    mine = (e.src == i) | (e.dst == i)
    total = int(e.amount[mine].sum())
    if total == 0:
        return None
    members = np.asarray([pg.nodes.index[g] for g in group if g in pg.nodes.index and g != org_id])
    other = np.where(e.src[mine] == i, e.dst[mine], e.src[mine])
    inside = int(e.amount[mine][np.isin(other, members)].sum()) if len(members) else 0
    return inside / total
