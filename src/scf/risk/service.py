"""Use cases of the risk room: scores, limits, signals, alerts, graph findings, governance.

Other rooms call `score_enterprise`, `related_party_check`, `graph_findings`, `limit_for`,
`evaluate_signals` and `list_alerts`. Inputs come from the parties room now and from the
trade, certificates and financing rooms through the adapters below, which read those rooms'
services when they exist and leave the features missing (scored as unproven) when not.
"""

from __future__ import annotations

import importlib
import json
import weakref
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import and_, bindparam, case, func, insert, select

from scf.core.audit import AuditEntry
from scf.core.errors import InvalidInput, NotFound, RuleViolation
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.risk import features as F
from scf.risk import graph as G
from scf.risk.config import RiskSettings, risk_settings
from scf.risk.model import (
    AlertStatus,
    CompiledScorecard,
    FindingKind,
    GraphFinding,
    ModelStatus,
    ScoreResult,
    Severity,
    distribution,
    dynamic_limit,
    grade_for,
    psi,
)
from scf.risk.tables import (
    RiskAlertRow,
    RiskLimitRow,
    RiskModelRow,
    RiskScoreRow,
    RiskStabilityRow,
)

CREDIT = "credit"
PLATFORM_ROLES = ("regulator", "operator")
FUNDERS = ("bank", "factoring_company", "local_financial_org", "insurer", "guarantee_company")


# ---------------------------------------------------------------- adapters to other rooms


def _room_service(room: str) -> Any | None:
    try:
        return importlib.import_module(f"scf.{room}.service")
    except ImportError:
        return None


def _fill(cls: type[Any], data: Mapping[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names and v is not None})


def trade_inputs_from_trade_room(uow: UnitOfWork, org_id: str) -> F.TradeInputs | None:
    """Fill `TradeInputs` from `scf.trade.service.trade_features(uow, org_id) -> dict`.

    The dict's keys are the field names of `TradeInputs`; keys it lacks stay missing. (The
    trade room's older `trade_summary` is a report with other keys and string ratios, so it is
    not read here.) Returns None while the trade room provides no `trade_features`.
    """
    trade = _room_service("trade")
    summary = getattr(trade, "trade_features", None)
    if summary is None:
        return None
    data = summary(uow, org_id)
    return _fill(F.TradeInputs, data) if data else None


def financing_inputs_from_rooms(uow: UnitOfWork, org_id: str) -> F.FinancingInputs | None:
    """Fill `FinancingInputs` from `financing_summary(uow, org_id) -> dict` of the financing
    room and `certificate_summary(uow, org_id) -> dict` of the certificates room, where present."""
    data: dict[str, Any] = {}
    for room, fn in (("financing", "financing_summary"), ("certificates", "certificate_summary")):
        call = getattr(_room_service(room), fn, None)
        if call is not None:
            data.update(call(uow, org_id) or {})
    return _fill(F.FinancingInputs, data) if data else None


@dataclass
class PlatformGraph:
    edges: G.EdgeList
    nodes: G.NodeIndex


def platform_trade_graph(uow: UnitOfWork) -> PlatformGraph:
    """Build the trade edge list from `scf.trade.service.trade_edges(uow)`.

    Each item is (seller_org_id, buyer_org_id, Money, date) of an invoice or payment; goods
    flow seller -> buyer. Empty until the trade room provides `trade_edges`.
    """
    nodes = G.NodeIndex()
    src: list[int] = []
    dst: list[int] = []
    amt: list[int] = []
    day: list[int] = []
    call = getattr(_room_service("trade"), "trade_edges", None)
    for seller, buyer, money, on in call(uow) if call is not None else []:
        src.append(nodes(seller))
        dst.append(nodes(buyer))
        amt.append(money.minor)
        day.append(on.toordinal())
    return PlatformGraph(G.EdgeList.of(src, dst, amt, day, len(nodes)), nodes)


@dataclass
class DerivedGraphs:
    """What every score and finding derives from the whole platform: the related-party graph,
    the trade graph, and the cycles and fan patterns found in it, indexed by node."""

    related: Any
    groups: dict[str, set[str]]
    shared: dict[str, set[str]]
    pg: PlatformGraph
    cycles_by_node: dict[int, list[G.Cycle]]
    fans_by_node: dict[int, list[G.FanPattern]]
    in_group_share: dict[str, float | None] = field(default_factory=dict)

    def graph_inputs(self, org_id: str) -> F.GraphInputs:
        """The enterprise's graph features but shell indicators (which depend on the day).

        Dictionary lookups only: a score reads what the build computed for every node. The
        counts are those of `_graph_findings_for`: each cycle and fan pattern indexed under a
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


_STAMP_WINDOW = 256
_REANCHOR_AFTER = 512


@dataclass
class _Cached:
    settings: tuple[Any, ...]
    anchor: int  # the last audit id when the graphs were built or last re-anchored
    in_window: int  # audit entries with ids in (anchor - window, anchor] at that time
    derived: DerivedGraphs


_DERIVED: weakref.WeakKeyDictionary[Any, _Cached] = weakref.WeakKeyDictionary()


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
        s.cycle_max_hops,
        s.cycle_window_days,
        s.cycle_tolerance,
        s.cycle_hop_tolerance,
        s.fan_counterparties,
        s.fan_window_days,
    )


def _build_derived(uow: UnitOfWork, s: RiskSettings) -> DerivedGraphs:
    return _build_derived_from(parties.related_party_graph(uow), platform_trade_graph(uow), s)


def _build_derived_from(related: Any, pg: PlatformGraph, s: RiskSettings) -> DerivedGraphs:
    groups: dict[str, set[str]] = {}
    for g in related.groups():
        for member in g:
            groups.setdefault(member, g)
    shared: dict[str, set[str]] = defaultdict(set)
    for lk in related.links:
        if lk.reason.startswith("shared_"):
            reason = lk.reason.removeprefix("shared_").replace("_", " ")
            shared[lk.a].add(reason)
            shared[lk.b].add(reason)
    cycles_by_node: dict[int, list[G.Cycle]] = defaultdict(list)
    fans_by_node: dict[int, list[G.FanPattern]] = defaultdict(list)
    if len(pg.edges):
        for c in G.find_cycles(
            pg.edges,
            max_hops=s.cycle_max_hops,
            window_days=s.cycle_window_days,
            tolerance=s.cycle_tolerance,
            hop_tolerance=s.cycle_hop_tolerance,
        ):
            for n in dict.fromkeys(c.nodes):
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
        _in_group_shares(groups, pg),
    )


def _in_group_shares(groups: Mapping[str, set[str]], pg: PlatformGraph) -> dict[str, float | None]:
    """Each trading enterprise's share of its trade amount done with its own control group.

    One pass over the edges for all of them (`_in_group_share` does one enterprise): groups
    are connected components, so a counterparty is in an enterprise's group exactly when both
    carry the same group label. Sums stay integers, so the shares equal the one-at-a-time ones.
    """
    e, ids = pg.edges, pg.nodes.ids
    n = len(ids)
    label = np.arange(n, dtype=np.int64)  # outside any group: a group of its own
    first: dict[int, int] = {}
    for i, org_id in enumerate(ids):
        g = groups.get(org_id)
        if g is not None:
            label[i] = first.setdefault(id(g), i)
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


def _derived_from(
    uow: UnitOfWork, related: Any, pg: PlatformGraph | None, s: RiskSettings
) -> DerivedGraphs:
    """Derived graphs around graphs a caller passes in (simulator, evaluation), uncached."""
    base = derived_graphs(uow) if related is None or pg is None else None
    related = related if related is not None else base.related if base else None
    pg = pg if pg is not None else base.pg if base else None
    assert related is not None and pg is not None
    return _build_derived_from(related, pg, s)


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


def _exposed_institutions(uow: UnitOfWork, org_id: str) -> list[str]:
    call = getattr(_room_service("financing"), "exposed_institutions", None)
    return sorted(call(uow, org_id)) if call is not None else []


# ---------------------------------------------------------------- inputs and features


def _org_or_404(uow: UnitOfWork, org_id: str) -> Any:
    try:
        return parties.find_organization(uow, org_id)
    except NotFound:
        raise NotFound(f"enterprise {org_id} not found", code="enterprise_not_found") from None


def enterprise_inputs(
    uow: UnitOfWork, org_id: str, *, related: Any = None, pg: PlatformGraph | None = None
) -> F.EnterpriseInputs:
    """Gather everything the features need about one enterprise, from every room."""
    org = _org_or_404(uow, org_id)
    if related is None and pg is None:
        d = derived_graphs(uow)
    else:
        d = _derived_from(uow, related, pg, risk_settings())
    return _inputs_of(uow, org, d)


def _inputs_of(uow: UnitOfWork, org: Any, d: DerivedGraphs) -> F.EnterpriseInputs:
    org_id = org.id
    graph = d.graph_inputs(org_id)
    graph.shell_indicators = len(
        _shell_reasons(uow, org, d.shared.get(org_id, set()), graph.in_group_trade_share)
    )
    return F.EnterpriseInputs(
        org_id=org_id,
        as_of=uow.today(),
        founded_on=org.founded_on,
        registered_capital_minor=org.registered_capital.minor,
        size_class=org.size_class,
        is_core="core_enterprise" in org.roles,
        key_chain=bool(org.chain_tags),
        trade=trade_inputs_from_trade_room(uow, org_id),
        financing=financing_inputs_from_rooms(uow, org_id),
        graph=graph,
    )


def _in_group_share(org_id: str, group: set[str], pg: PlatformGraph) -> float | None:
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


# ---------------------------------------------------------------- models and scoring


@dataclass(frozen=True)
class ActiveModel:
    version: str
    card: CompiledScorecard


_CHAMPION_SQL = select(RiskModelRow.__table__.c.id).where(
    RiskModelRow.__table__.c.status == ModelStatus.CHAMPION.value,
    RiskModelRow.__table__.c.kind == "scorecard",
)
# Compiled scorecards by model version, per process. A version's artifact is written once,
# at registration, and never changed, and version ids are unique (`new_id`: time and 80
# random bits), so the id alone keys it.
_CARDS: dict[str, ActiveModel] = {}


def champion(uow: UnitOfWork) -> ActiveModel:
    """The champion scorecard, or the expert scorecard until a trained one is promoted."""
    version = uow.session.execute(_CHAMPION_SQL).scalar()  # flushes a pending promotion
    if version is None:
        return ActiveModel(F.EXPERT_VERSION, F.EXPERT_SCORECARD)
    hit = _CARDS.get(version)
    if hit is None:
        artifact = uow.session.execute(
            select(RiskModelRow.artifact).where(RiskModelRow.id == version)
        ).scalar_one()
        card = CompiledScorecard.from_json(json.loads(artifact))
        hit = _CARDS[version] = ActiveModel(version, card)
    return hit


def score_inputs(model: ActiveModel, inputs: F.EnterpriseInputs) -> ScoreResult:
    """Score one enterprise with a model: points, grade, PD and reason codes."""
    return _score_features(model, inputs.org_id, F.compute_features(inputs))


def _score_features(model: ActiveModel, org_id: str, feats: Mapping[str, Any]) -> ScoreResult:
    points, pd_, reasons = model.card.explain(feats)
    used = set(model.card.feature_names)
    return ScoreResult(
        org_id=org_id,
        score=round(points),
        grade=grade_for(pd_),
        pd=pd_,
        reasons=tuple(reasons),
        model_version=model.version,
        features={k: v for k, v in feats.items() if k in used},
    )


def score_batch(
    model: ActiveModel, records: Sequence[F.EnterpriseInputs]
) -> list[tuple[str, int, str, float]]:
    """Score many enterprises at once (vectorized): (org_id, score, grade, pd) each."""
    cols, n = F.feature_columns(records)
    points, pds = model.card.score_batch(F.as_arrays(cols), n)
    return [
        (r.org_id, round(float(p)), grade_for(float(q)), float(q))
        for r, p, q in zip(records, points, pds, strict=True)
    ]


_INSERT_SCORE = insert(RiskScoreRow).returning(RiskScoreRow.id)


def score_enterprise(uow: UnitOfWork, org_id: str, *, commit: bool = True) -> ScoreResult:
    """Score an enterprise with the champion model and record the score.

    An institution sees the score only under a live consent with scope "credit" (the read
    is logged); the regulator sees all; anyone else is told the enterprise does not exist.
    """
    org = _org_or_404(uow, org_id)
    parties.authorize_read(uow, org_id, CREDIT, f"risk/scores/{org_id}")
    feats = F.compute_features(_inputs_of(uow, org, derived_graphs(uow)))
    result = _score_features(champion(uow), org_id, feats)
    # A score is written once and never changed, so a plain insert does: no ORM object.
    score_id = (
        uow.session.connection()
        .execute(
            _INSERT_SCORE,
            {
                "org_id": org_id,
                "at": uow.now(),
                "score": result.score,
                "grade": result.grade,
                "pd": result.pd,
                "model_version": result.model_version,
                "reasons": [r.as_dict() for r in result.reasons],
                "features": _jsonable_features(feats),
            },
        )
        .scalar_one()
    )
    uow.audit("risk.scored", "risk_score", str(score_id), after=result.as_dict(), org_id=org_id)
    if commit:
        uow.commit()
    return result


def _jsonable_features(feats: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in feats.items():
        if isinstance(v, float):
            out[k] = None if v != v else round(v, 6)
        else:
            out[k] = v
    return out


def score_history(uow: UnitOfWork, org_id: str, limit: int = 20) -> list[RiskScoreRow]:
    _org_or_404(uow, org_id)
    parties.authorize_read(uow, org_id, CREDIT, f"risk/scores/{org_id}/history")
    stmt = (
        select(RiskScoreRow)
        .where(RiskScoreRow.org_id == org_id)
        .order_by(RiskScoreRow.at.desc(), RiskScoreRow.id.desc())
        .limit(limit)
    )
    return list(uow.session.scalars(stmt))


# ---------------------------------------------------------------- graph findings


def related_party_check(
    uow: UnitOfWork, applicant_org_id: str, debtor_org_id: str
) -> GraphFinding | None:
    """Find whether applicant and debtor are one control group (self-financing) or otherwise
    related; None when they are independent."""
    _org_or_404(uow, applicant_org_id)
    _org_or_404(uow, debtor_org_id)
    return _related_party_check(derived_graphs(uow).related, applicant_org_id, debtor_org_id)


def _related_party_check(related: Any, a: str, b: str) -> GraphFinding | None:
    levels = risk_settings().control_levels
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
    evidence = {
        "links": [{"a": lk.a, "b": lk.b, "reason": lk.reason, "via": lk.via} for lk in links],
        "control_levels_searched": levels,
    }
    if controllers:
        evidence["common_controllers"] = sorted(controllers)
        if len(path) == 1:
            path = [a, controllers[0], b]
        return GraphFinding(
            FindingKind.SELF_FINANCING,
            Severity.HIGH,
            (a, b),
            f"applicant {a} and debtor {b} are in one control group "
            f"(controlled by {', '.join(sorted(controllers))})",
            tuple(path),
            evidence,
        )
    if links:
        reasons = sorted({lk.reason for lk in links})
        return GraphFinding(
            FindingKind.RELATED_PARTY,
            Severity.MEDIUM,
            (a, b),
            f"applicant {a} and debtor {b} are related parties ({', '.join(reasons)})",
            tuple(path),
            evidence,
        )
    return None


def _shared_of(related: Any, org_id: str) -> set[str]:
    return {
        lk.reason.removeprefix("shared_").replace("_", " ")
        for lk in related.links
        if org_id in (lk.a, lk.b) and lk.reason.startswith("shared_")
    }


def _shell_reasons(
    uow: UnitOfWork, org: Any, shared_reasons: set[str], in_group_share: float | None
) -> list[str]:
    s = risk_settings()
    shared = sorted(shared_reasons)
    return G.shell_indicators(
        age_days=(uow.today() - org.founded_on).days,
        capital_minor=org.registered_capital.minor,
        shared_with=shared,
        in_group_share=in_group_share,
        t=G.ShellThresholds(
            new_days=s.shell_new_days,
            tiny_capital_minor=s.shell_tiny_capital_cny * 100,
            min_indicators=s.shell_min_indicators,
        ),
    )


def _graph_findings_for(
    uow: UnitOfWork,
    org_id: str,
    org: Any,
    d: DerivedGraphs,
    s: RiskSettings,
) -> list[GraphFinding]:
    out: list[GraphFinding] = []
    related, pg = d.related, d.pg
    ids = pg.nodes.ids
    me = pg.nodes.index.get(org_id)
    if me is not None and len(pg.edges):
        for c in d.cycles_by_node.get(me, ()):
            if me in c.nodes:
                info = G.summarize_cycle(c, ids)
                out.append(
                    GraphFinding(
                        FindingKind.CIRCULAR_TRADE,
                        Severity.HIGH,
                        tuple(ids[n] for n in c.nodes),
                        f"circular trade of {info['hops']} hops closing in {info['days']} days",
                        tuple(info["path"]),
                        {
                            "first_amount": Money(c.first_amount, "CNY").as_json(),
                            "returned_amount": Money(c.last_amount, "CNY").as_json(),
                            "from": date.fromordinal(c.first_day).isoformat(),
                            "to": date.fromordinal(c.last_day).isoformat(),
                        },
                    )
                )
        for p in d.fans_by_node.get(me, ()):
            involved = p.node == me or p.sink == me or me in p.counterparties
            if not involved:
                continue
            members = [ids[p.node], *(ids[c] for c in p.counterparties)]
            if p.sink is not None:
                members.append(ids[p.sink])
            out.append(
                GraphFinding(
                    FindingKind(p.kind),
                    Severity.MEDIUM,
                    tuple(members),
                    f"{p.kind.replace('_', '-')} around {ids[p.node]}: "
                    f"{len(p.counterparties)} counterparties within {s.fan_window_days} days",
                    (),
                    {
                        "window_start": date.fromordinal(p.window_start).isoformat(),
                        "sink": ids[p.sink] if p.sink is not None else None,
                    },
                )
            )
        # trade with its own control group: self-financing suspects among its counterparties
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
    in_group = d.in_group_share.get(org_id) if me is not None else None
    shell = _shell_reasons(uow, org, d.shared.get(org_id, set()), in_group)
    if len(shell) >= s.shell_min_indicators:
        out.append(
            GraphFinding(
                FindingKind.SHELL_COMPANY,
                Severity.HIGH if len(shell) >= 3 else Severity.MEDIUM,
                (org_id,),
                f"{len(shell)} shell-company indicators",
                (),
                {"indicators": shell},
            )
        )
    return out


def graph_findings(uow: UnitOfWork, org_id: str) -> list[GraphFinding]:
    """Cycles, fan patterns, self-financing trade and shell indicators involving the enterprise."""
    org = _org_or_404(uow, org_id)
    parties.authorize_read(uow, org_id, CREDIT, f"risk/findings/{org_id}")
    return _graph_findings_for(uow, org_id, org, derived_graphs(uow), risk_settings())


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
    _org_or_404(uow, core_org_id)
    parties.authorize_read(uow, core_org_id, CREDIT, f"risk/contagion/{core_org_id}")
    if claims is None:
        nodes = G.NodeIndex()
        claims = []
        for room, fn in (("certificates", "certificate_claims"), ("trade", "receivable_claims")):
            call = getattr(_room_service(room), fn, None)
            for creditor, debtor, money, kind in call(uow) if call is not None else []:
                claims.append(G.Claim(nodes(creditor), nodes(debtor), money.minor, kind))
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


# ---------------------------------------------------------------- limits


def _latest_score(uow: UnitOfWork, org_id: str) -> RiskScoreRow | None:
    return uow.session.scalar(
        select(RiskScoreRow)
        .where(RiskScoreRow.org_id == org_id)
        .order_by(RiskScoreRow.at.desc(), RiskScoreRow.id.desc())
        .limit(1)
    )


_CUT_PLACES = Decimal("0.0001")  # risk_limits.cut is NUMERIC(6, 4)
ALERT_CUT = {Severity.HIGH.value: Decimal("0.5"), Severity.MEDIUM.value: Decimal("0.25")}


def _alert_cut(uow: UnitOfWork, org_id: str) -> Decimal:
    rows = uow.session.scalars(
        select(RiskAlertRow).where(
            RiskAlertRow.org_id == org_id, RiskAlertRow.status == AlertStatus.OPEN.value
        )
    )
    cut = sum((ALERT_CUT.get(r.severity, Decimal(0)) for r in rows), Decimal(0))
    return min(cut, Decimal(1))


def limit_for(
    uow: UnitOfWork,
    org_id: str,
    *,
    commit: bool = True,
    inputs: F.EnterpriseInputs | None = None,
) -> Money | None:
    """Return the enterprise's headroom from its grade, capacity, exposure and live alerts.

    SMEs: trailing-year confirmed sales x the grade's advance rate; core enterprises:
    registered capital x the grade's certificate multiple; both less current exposure and cut
    by open early-warning alerts. None when the grade or the record supports no line.
    `inputs`: the enterprise's inputs when the caller has just gathered them in this unit of
    work (alerts and limits are no input, so they are what `enterprise_inputs` would give).
    """
    org = _org_or_404(uow, org_id)
    parties.authorize_read(uow, org_id, CREDIT, f"risk/limits/{org_id}")
    if inputs is None or inputs.org_id != org_id:
        inputs = enterprise_inputs(uow, org_id)
    result = score_inputs(champion(uow), inputs)
    core = inputs.is_core
    if core:
        capacity = org.registered_capital
    else:
        confirmed = inputs.trade.confirmed_sales_365d_minor if inputs.trade else 0
        capacity = Money(confirmed, "CNY")
    exposure = Money(inputs.financing.exposure_minor if inputs.financing else 0, capacity.currency)
    cut = _alert_cut(uow, org_id)
    limit = dynamic_limit(result.grade, capacity, exposure, core=core, cut=cut)
    row = uow.session.get(RiskLimitRow, org_id)
    before = row.snapshot() if row else None
    basis = {
        "model_version": result.model_version,
        "score": result.score,
        "capacity": capacity.as_json(),
        "capacity_basis": "registered capital" if core else "confirmed sales, trailing year",
    }
    if row is None:
        row = RiskLimitRow(org_id=org_id, currency=capacity.currency)
        uow.session.add(row)
    row.limit_minor = None if limit is None else limit.minor
    row.currency = capacity.currency
    row.exposure_minor = exposure.minor
    row.grade = result.grade
    row.cut = cut.quantize(_CUT_PLACES)  # as stored, so an unchanged limit compares equal
    row.basis = basis
    row.updated_at = uow.now()
    uow.flush()
    if before is None or before != row.snapshot():
        uow.audit(
            "risk.limit.updated",
            "risk_limit",
            org_id,
            before=before,
            after=row.snapshot(),
            org_id=org_id,
        )
    if commit:
        uow.commit()
    return limit


def stored_limit(uow: UnitOfWork, org_id: str) -> RiskLimitRow | None:
    _org_or_404(uow, org_id)
    parties.authorize_read(uow, org_id, CREDIT, f"risk/limits/{org_id}")
    return uow.session.get(RiskLimitRow, org_id)


# ---------------------------------------------------------------- early-warning signals


@dataclass(frozen=True)
class Signal:
    kind: str
    severity: Severity
    summary: str
    evidence: dict[str, Any]


def detect_signals(
    now: Mapping[str, Any],
    before: Mapping[str, Any] | None,
    inputs: F.EnterpriseInputs,
    s: RiskSettings,
) -> list[Signal]:
    """Compare an enterprise's record with its last scored snapshot and the thresholds."""
    out: list[Signal] = []
    t, fin = inputs.trade, inputs.financing
    if t is not None and t.sales_prev_90d_minor > 0:
        change = t.sales_90d_minor / t.sales_prev_90d_minor - 1
        if change <= -s.sales_drop:
            out.append(
                Signal(
                    "sales_drop",
                    Severity.HIGH if change <= -2 * s.sales_drop else Severity.MEDIUM,
                    f"sales of the last 90 days fell {-change:.0%} against the 90 before",
                    {
                        "sales_90d": Money(t.sales_90d_minor, "CNY").as_json(),
                        "sales_prev_90d": Money(t.sales_prev_90d_minor, "CNY").as_json(),
                        "threshold": s.sales_drop,
                    },
                )
            )
    if t is not None and t.top_debtor_share is not None:
        prev = t.top_debtor_share_prev
        if prev is None and before is not None:
            prev = before.get("top_debtor_share")
        if prev is not None and t.top_debtor_share - prev >= s.concentration_jump:
            out.append(
                Signal(
                    "concentration_jump",
                    Severity.MEDIUM,
                    f"largest debtor's share rose from {prev:.0%} to {t.top_debtor_share:.0%}",
                    {"before": prev, "now": t.top_debtor_share, "threshold": s.concentration_jump},
                )
            )
    if t is not None and (t.debtor_days_late_avg or 0) >= s.debtor_days_late:
        out.append(
            Signal(
                "debtor_paying_late",
                Severity.MEDIUM,
                f"its debtors pay {t.debtor_days_late_avg:.0f} days late on average",
                {"days_late": t.debtor_days_late_avg, "threshold": s.debtor_days_late},
            )
        )
    if t is not None and t.near_duplicate_invoices_90d >= s.near_duplicates:
        out.append(
            Signal(
                "near_duplicate_invoices",
                Severity.HIGH,
                f"{t.near_duplicate_invoices_90d} near-duplicate invoices in 90 days",
                {"count": t.near_duplicate_invoices_90d, "threshold": s.near_duplicates},
            )
        )
    if before is not None and before.get("related_parties") is not None:
        grown = now.get("related_parties", 0) - before["related_parties"]
        if grown >= s.new_related_parties:
            out.append(
                Signal(
                    "new_related_parties",
                    Severity.MEDIUM,
                    f"{int(grown)} new related parties since the last score",
                    {
                        "before": before["related_parties"],
                        "now": now.get("related_parties"),
                        "threshold": s.new_related_parties,
                    },
                )
            )
    if fin is not None and fin.overdue_elsewhere >= s.overdue_elsewhere:
        out.append(
            Signal(
                "overdue_elsewhere",
                Severity.HIGH,
                f"{fin.overdue_elsewhere} overdue financings at other institutions on the platform",
                {"count": fin.overdue_elsewhere, "threshold": s.overdue_elsewhere},
            )
        )
    if fin is not None and fin.certificates_received_90d_minor > 0:
        prev = fin.certificates_received_prev_90d_minor
        ratio = fin.certificates_received_90d_minor / max(prev, 1)
        if prev > 0 and ratio >= s.certificate_inflow:
            out.append(
                Signal(
                    "unusual_certificate_inflow",
                    Severity.MEDIUM,
                    f"certificates received in 90 days are {ratio:.1f}x the 90 days before",
                    {
                        "received_90d": Money(fin.certificates_received_90d_minor, "CNY").as_json(),
                        "received_prev_90d": Money(prev, "CNY").as_json(),
                        "threshold": s.certificate_inflow,
                    },
                )
            )
    return out


def evaluate_signals(uow: UnitOfWork, org_id: str) -> list[RiskAlertRow]:
    """Check the early-warning signals and raise an alert with evidence for each that fires.

    An alert already open for the same signal is not raised again. The limit is recomputed
    afterwards, so open alerts cut the headroom at once.
    """
    raised = refresh_enterprise(uow, org_id)
    uow.commit()
    return raised


def refresh_enterprise(uow: UnitOfWork, org_id: str) -> list[RiskAlertRow]:
    """`evaluate_signals` without the commit: the risk follower (`scf.risk.follower`) joins
    each enterprise it re-evaluates to the transaction that also moves its cursor."""
    _org_or_404(uow, org_id)
    parties.require_role(uow.actor, *PLATFORM_ROLES, *FUNDERS)
    parties.authorize_read(uow, org_id, CREDIT, f"risk/signals/{org_id}")
    inputs = enterprise_inputs(uow, org_id)
    feats = F.compute_features(inputs)
    last = _latest_score(uow, org_id)
    signals = detect_signals(feats, last.features if last else None, inputs, risk_settings())
    open_kinds = set(
        uow.session.scalars(
            select(RiskAlertRow.kind).where(
                RiskAlertRow.org_id == org_id, RiskAlertRow.status == AlertStatus.OPEN.value
            )
        )
    )
    audience = _exposed_institutions(uow, org_id)
    raised: list[RiskAlertRow] = []
    for sig in signals:
        if sig.kind in open_kinds:
            continue
        raised.append(_raise_alert(uow, org_id, sig, audience))
    uow.flush()
    limit_for(uow, org_id, commit=False, inputs=inputs)
    return raised


def _raise_alert(
    uow: UnitOfWork, org_id: str | None, sig: Signal, audience: Sequence[str]
) -> RiskAlertRow:
    row = RiskAlertRow(
        id=new_id("ral"),
        org_id=org_id,
        kind=sig.kind,
        severity=sig.severity.value,
        status=AlertStatus.OPEN.value,
        summary=sig.summary[:500],
        evidence=json.loads(json.dumps(sig.evidence, default=str)),
        audience=list(audience),
        raised_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("risk.alert.raised", "risk_alert", row.id, after=row.snapshot(), org_id=org_id)
    return row


def list_alerts(
    uow: UnitOfWork,
    *,
    org_id: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[RiskAlertRow], int]:
    """Alerts for the regulator (all) and for the institutions they were raised to."""
    actor = uow.actor
    stmt = select(RiskAlertRow)
    if org_id:
        stmt = stmt.where(RiskAlertRow.org_id == org_id)
    if status:
        try:
            stmt = stmt.where(RiskAlertRow.status == AlertStatus(status).value)
        except ValueError:
            allowed = ", ".join(s.value for s in AlertStatus)
            raise InvalidInput(
                f"unknown status {status!r}; use {allowed}", field="status"
            ) from None
    if kind:
        stmt = stmt.where(RiskAlertRow.kind == kind)
    rows = list(uow.session.scalars(stmt.order_by(RiskAlertRow.raised_at.desc(), RiskAlertRow.id)))
    if not (actor.is_system or actor.is_regulator or actor.is_operator):
        rows = [r for r in rows if actor.org_id is not None and actor.org_id in r.audience]
    return rows[offset : offset + limit], len(rows)


def resolve_alert(uow: UnitOfWork, alert_id: str, resolution: str) -> RiskAlertRow:
    """Close an alert with the reason (regulator or an institution it was raised to)."""
    row = uow.session.get(RiskAlertRow, alert_id)
    actor = uow.actor
    visible = row is not None and (
        actor.is_system or actor.is_regulator or (actor.org_id in row.audience)
    )
    if row is None or not visible:
        raise NotFound(f"alert {alert_id} not found")
    if row.status == AlertStatus.RESOLVED.value:
        raise RuleViolation("the alert is already resolved", code="already_resolved")
    if not resolution.strip():
        raise InvalidInput("say how the alert was resolved", field="resolution")
    before = row.snapshot()
    row.status = AlertStatus.RESOLVED.value
    row.resolved_at = uow.now()
    row.resolution = resolution.strip()[:500]
    uow.flush()
    uow.audit(
        "risk.alert.resolved",
        "risk_alert",
        row.id,
        before=before,
        after=row.snapshot(),
        org_id=row.org_id,
    )
    uow.commit()
    return row


# ---------------------------------------------------------------- governance


def register_models(uow: UnitOfWork, report: Any, name: str) -> list[RiskModelRow]:
    """Store a training run as two candidate versions: the scorecard and its challenger."""
    parties.require_role(uow.actor, "operator")
    if not name.strip():
        raise InvalidInput("a model needs a name", field="name")
    summary = report.summary()
    rows = []
    for kind, artifact, metrics in (
        (
            "scorecard",
            report.scorecard.card.as_json(),
            {"cv": summary["cv"]["scorecard"], "oot": summary["out_of_time"]["scorecard"]},
        ),
        (
            "lightgbm",
            report.challenger.as_json(),
            {"cv": summary["cv"]["challenger"], "oot": summary["out_of_time"]["challenger"]},
        ),
    ):
        row = RiskModelRow(
            id=new_id("rmd"),
            name=name.strip(),
            kind=kind,
            status=ModelStatus.CANDIDATE.value,
            data_hash=report.dataset.data_hash,
            features=summary["scorecard_features"] if kind == "scorecard" else summary["features"],
            metrics=metrics,
            model_card=report.model_card(f"{name.strip()} ({kind})"),
            reference=report.reference,
            artifact=json.dumps(artifact),
            created_at=uow.now(),
        )
        uow.session.add(row)
        uow.flush()
        uow.audit("risk.model.registered", "risk_model", row.id, after=row.snapshot())
        rows.append(row)
    uow.commit()
    return rows


def list_models(uow: UnitOfWork) -> list[RiskModelRow]:
    return list(uow.session.scalars(select(RiskModelRow).order_by(RiskModelRow.created_at.desc())))


def promote_model(uow: UnitOfWork, model_id: str, status: str) -> RiskModelRow:
    """Make a version champion or challenger; the champion before it retires.

    A champion scores platform enterprises, so every feature it uses must be a registered
    platform feature: a model trained on another table cannot become champion.
    """
    parties.require_role(uow.actor, "operator")
    row = uow.session.get(RiskModelRow, model_id)
    if row is None:
        raise NotFound(f"model {model_id} not found")
    try:
        target = ModelStatus(status)
    except ValueError:
        raise InvalidInput(
            f"unknown status {status!r}; use champion, challenger or retired", field="status"
        ) from None
    if target is ModelStatus.CANDIDATE:
        raise InvalidInput("a model cannot go back to candidate", field="status")
    if target is ModelStatus.CHAMPION:
        if row.kind != "scorecard":
            raise RuleViolation(
                "only an explainable scorecard may be champion; LightGBM stays challenger",
                code="not_explainable",
            )
        unknown = sorted(set(row.features) - set(F.FEATURES_BY_NAME))
        if unknown:
            raise RuleViolation(
                f"features {unknown} are not platform features; this model cannot score "
                "enterprises here",
                code="unknown_features",
            )
    now = uow.now()
    if target in (ModelStatus.CHAMPION, ModelStatus.CHALLENGER):
        for old in uow.session.scalars(
            select(RiskModelRow).where(
                RiskModelRow.status == target.value,
                RiskModelRow.kind == row.kind,
                RiskModelRow.id != row.id,
            )
        ):
            before = old.snapshot()
            old.status = ModelStatus.RETIRED.value
            uow.flush()
            uow.audit(
                "risk.model.retired", "risk_model", old.id, before=before, after=old.snapshot()
            )
    before = row.snapshot()
    row.status = target.value
    row.promoted_at = now
    uow.flush()
    uow.audit(
        f"risk.model.{target.value}", "risk_model", row.id, before=before, after=row.snapshot()
    )
    uow.commit()
    return row


def stability_report(
    uow: UnitOfWork, model_id: str, current: Mapping[str, Sequence[Any]], scores: Sequence[float]
) -> dict[str, Any]:
    """PSI of each feature and of the score against the training population; alert above the
    threshold (0.25 by default) for the regulator and the operator."""
    parties.require_role(uow.actor, *PLATFORM_ROLES)
    row = uow.session.get(RiskModelRow, model_id)
    if row is None:
        raise NotFound(f"model {model_id} not found")
    threshold = risk_settings().psi_alert
    ref = row.reference
    result: dict[str, float] = {}
    for name, spec in ref.get("features", {}).items():
        if name not in current:
            continue
        values = current[name]
        if spec["kind"] == "numeric":
            arr = np.asarray([np.nan if v is None else v for v in values], dtype=float)
            result[name] = psi(spec["shares"], distribution(arr, spec["edges"]))
        else:
            cats = list(spec["shares"])
            keys = ["__missing__" if v is None else str(v) for v in values]
            n = max(len(keys), 1)
            actual = [sum(k == c for k in keys) / n for c in cats]
            actual.append(sum(k not in spec["shares"] for k in keys) / n)
            result[name] = psi([*spec["shares"].values(), 0.0], actual)
    score_spec = ref.get("score")
    if score_spec:
        arr = np.asarray(scores, dtype=float)
        result["__score__"] = psi(score_spec["shares"], distribution(arr, score_spec["edges"]))
    now = uow.now()
    drifted = []
    for name, value in result.items():
        alert = value > threshold
        uow.session.add(
            RiskStabilityRow(
                model_id=model_id,
                at=now,
                feature=name,
                psi=Decimal(f"{value:.6f}"),
                alert=alert,
            )
        )
        if alert:
            drifted.append(name)
    uow.flush()
    if drifted:
        _raise_alert(
            uow,
            None,
            Signal(
                "model_drift",
                Severity.HIGH if "__score__" in drifted else Severity.MEDIUM,
                f"model {model_id}: population shifted (PSI above {threshold}) in "
                + ", ".join(drifted),
                {"model_id": model_id, "psi": {k: round(result[k], 4) for k in drifted}},
            ),
            [],
        )
    uow.commit()
    return {
        "model_id": model_id,
        "psi": {k: round(v, 4) for k, v in result.items()},
        "threshold": threshold,
        "alerts": drifted,
    }


def supply_chain_uplift(table: Any, target: str) -> dict[str, Any]:
    """AUC of supply-chain and graph features against static firm data alone (labelled table)."""
    from scf.risk.training import compare_feature_sets

    static = [c for c in F.names("static") if c in table.columns]
    supply = [c for c in (*F.names("supply_chain"), *F.names("graph")) if c in table.columns]
    return compare_feature_sets(table, target, static, supply)


def counts(uow: UnitOfWork) -> dict[str, int]:
    s = uow.session
    return {
        "scores": s.scalar(select(func.count()).select_from(RiskScoreRow)) or 0,
        "alerts": s.scalar(select(func.count()).select_from(RiskAlertRow)) or 0,
        "models": s.scalar(select(func.count()).select_from(RiskModelRow)) or 0,
    }


def shell_reasons(
    uow: UnitOfWork, org_id: str, *, related: Any = None, pg: PlatformGraph | None = None
) -> list[str]:
    """The shell-company indicators an enterprise shows (pass the graphs when doing many)."""
    org = _org_or_404(uow, org_id)
    if related is None and pg is None:
        d = derived_graphs(uow)
        related, pg, group = d.related, d.pg, d.groups.get(org_id, {org_id})
    else:
        related = related if related is not None else derived_graphs(uow).related
        pg = pg if pg is not None else derived_graphs(uow).pg
        group = related.group_of(org_id)
    share = None
    if org_id in pg.nodes.index and len(pg.edges):
        share = _in_group_share(org_id, group, pg)
    return _shell_reasons(uow, org, _shared_of(related, org_id), share)


def current_settings() -> RiskSettings:
    """The risk room's thresholds (cycle window, shell indicators ...) for other rooms' reports."""
    return risk_settings()
