"""Run the platform's own checks over a loaded set and score them against the labels.

Each fraud type is scored with the check the platform would use for it:
duplicate financing - the financing room's automatic checks on the factoring application
  (invoice fingerprint, registry conflict, nothing left unfinanced), observed at load time;
fictitious invoices - `trade.assess_authenticity` reasons NO_DELIVERY / NO_ORDER;
near-duplicates - `trade.assess_authenticity` reason NEAR_DUPLICATE_INVOICE;
circular trade - `risk.roundtrips` over `risk.platform_trade_graph` (enterprises on a
  cycle); self-financing - `risk.related_party_check` on every factoring (applicant, debtor);
empty or over-pledged receipts - the financing room's warehouse-pledge checks (the
  registry's pledge capacity, registry conflicts), observed at load time;
shell companies - `risk.shell_reasons` (indicators weighing `shell_min_score` or more).
Authenticity is assessed for every labelled receivable and a seeded sample of the others; the
false positives of the sample are scaled up to the whole population and the report says so.

The default study (`default_uplift`) asks what the platform's records add to a lender's view
of an SME: the risk room's own features, gathered by `risk.enterprise_inputs` while the set
loads and the clock stands at the observation day, predict the defaults of the rest of the
year; cross-validated AUC of static firm data alone against static plus supply chain.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from scf.core.actor import Actor
from scf.platform import Platform
from scf.sim.generator import SimData
from scf.sim.load_payouts import PAYOUT_FINANCED_TWICE
from scf.sim.loader import LoadReport, MonthHook
from scf.sim.model import (
    CIRCULAR_TRADE,
    DUPLICATE_FINANCING,
    EMPTY_RECEIPT,
    FICTITIOUS_INVOICE,
    FRAUD_TYPES,
    NEAR_DUPLICATE,
    SELF_FINANCING,
    SHELL_COMPANY,
    Default,
    InvoiceFinance,
    Label,
    Org,
    Trade,
)


@dataclass
class Score:
    kind: str
    check: str
    labelled: int
    tp: int
    fp: float
    fn: int
    population: int
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        flagged = self.tp + self.fp
        precision = self.tp / flagged if flagged else None
        recall = self.tp / self.labelled if self.labelled else None
        return {
            "check": self.check,
            "labelled": self.labelled,
            "caught": self.tp,
            "false_positives": round(self.fp, 1),
            "missed": self.fn,
            "population": self.population,
            "precision": round(precision, 3) if precision is not None else None,
            "recall": round(recall, 3) if recall is not None else None,
            "note": self.note,
        }


def _score(kind: str, check: str, truth: set[str], flagged: set[str], universe: set[str]) -> Score:
    truth = truth & universe if universe else truth
    tp = len(truth & flagged)
    return Score(
        kind, check, len(truth), tp, len(flagged - truth), len(truth - flagged), len(universe)
    )


def evaluate(
    platform: Platform,
    data: SimData,
    report: LoadReport,
    *,
    sample: int = 600,
    snapshot: FeatureSnapshot | None = None,
) -> dict[str, Any]:
    """Score every fraud type and the default-prediction uplift; return a JSON-able report.

    The uplift needs the point-in-time `snapshot` that `feature_snapshot`'s hook takes while
    the set loads; without one it is reported as missing."""
    from scf.registry.service import FilingInput  # noqa: F401  (the registry room is loaded)

    labels: dict[str, set[str]] = defaultdict(set)
    for lb in data.of(Label):
        labels[lb.kind].add(lb.subject)
    scores: dict[str, Score] = {}
    scores.update(_observed_scores(report, labels))
    scores.update(_authenticity_scores(platform, data, report, labels, sample))
    scores.update(_graph_scores(platform, data, report, labels))
    scores.update(_payout_scores(report))
    return {
        "size": data.size.name,
        "seed": data.seed,
        "fraud": {
            k: scores[k].as_dict() for k in (*FRAUD_TYPES, PAYOUT_FINANCED_TWICE) if k in scores
        },
        "targets": {
            CIRCULAR_TRADE: "recall >= 0.9 at precision >= 0.8",
            SELF_FINANCING: "recall >= 0.9 at precision >= 0.8",
        },
        "default_uplift": default_uplift(data, snapshot),
    }


def _regulator() -> Actor:
    return Actor(None, None, frozenset({"regulator"}), "sim:eval")


def _observed_scores(report: LoadReport, labels: dict[str, set[str]]) -> dict[str, Score]:
    """The checks observed at the moment of financing or pledging."""
    scores: dict[str, Score] = {}
    for kind, check in (
        (
            DUPLICATE_FINANCING,
            "financing.submit_application (duplicate_invoice / already_pledged / not_confirmed)",
        ),
        (
            EMPTY_RECEIPT,
            "financing.submit_application warehouse_pledge (empty / over_pledged, conflicts)",
        ),
    ):
        obs = [o for o in report.observations if o.kind == kind]
        scores[kind] = _score(
            kind,
            check,
            labels[kind],
            {o.subject for o in obs if o.flagged},
            {o.subject for o in obs},
        )
        missing = labels[kind] - {o.subject for o in obs}
        if missing:
            scores[kind].fn += len(missing)
            scores[kind].labelled += len(missing)
            scores[kind].note = f"{len(missing)} labelled events never reached the check"
    return scores


def _payout_scores(report: LoadReport) -> dict[str, Score]:
    """A payout presented again at a second institution (`twice:`) must be refused; a first
    financing of a confirmed payout (`once:`) must not be."""
    obs = [o for o in report.observations if o.kind == PAYOUT_FINANCED_TWICE]
    if not obs:
        return {}
    return {
        PAYOUT_FINANCED_TWICE: _score(
            PAYOUT_FINANCED_TWICE,
            "financing.submit_application cross_border_payout (payout_financed / already_pledged)",
            {o.subject for o in obs if o.subject.startswith("twice:")},
            {o.subject for o in obs if o.flagged},
            {o.subject for o in obs},
        )
    }


def _authenticity_scores(
    platform: Platform,
    data: SimData,
    report: LoadReport,
    labels: dict[str, set[str]],
    sample: int,
) -> dict[str, Score]:
    """Authenticity of receivables: every labelled one, plus a seeded sample of the rest."""
    from scf.trade import service as trade

    trades = {t.key: t for t in data.of(Trade) if t.key in report.receivable_ids}
    positives = (labels[FICTITIOUS_INVOICE] | labels[NEAR_DUPLICATE]) & set(trades)
    negatives = sorted(set(trades) - positives)
    rng = np.random.default_rng([data.seed, 99])
    picked = (
        negatives
        if len(negatives) <= sample
        else [negatives[int(i)] for i in rng.choice(len(negatives), sample, replace=False)]
    )
    scale = len(negatives) / len(picked) if picked else 1.0
    codes: dict[str, set[str]] = {}
    with platform.uow(_regulator()) as uow:
        for key in sorted(positives) + picked:
            a = trade.assess_authenticity(uow, report.receivable_ids[key])
            codes[key] = {r.code for r in a.reasons}
    note = (
        f"false positives scaled from a sample of {len(picked)} of {len(negatives)} "
        "clean receivables"
        if scale > 1
        else ""
    )
    scores: dict[str, Score] = {}
    for kind, wanted, check in (
        (
            FICTITIOUS_INVOICE,
            {"NO_DELIVERY", "NO_ORDER"},
            "trade.assess_authenticity NO_DELIVERY/NO_ORDER",
        ),
        (
            NEAR_DUPLICATE,
            {"NEAR_DUPLICATE_INVOICE"},
            "trade.assess_authenticity NEAR_DUPLICATE_INVOICE",
        ),
    ):
        truth = labels[kind] & set(trades)
        flagged = {k for k, c in codes.items() if c & wanted}
        tp = len(truth & flagged)
        fp_pos = len((flagged & positives) - truth)  # other fraud types flagged: real alarms
        fp_neg = len(flagged - positives) * scale
        scores[kind] = Score(
            kind, check, len(truth), tp, fp_pos + fp_neg, len(truth - flagged), len(trades), note
        )
    return scores


def _graph_scores(
    platform: Platform, data: SimData, report: LoadReport, labels: dict[str, set[str]]
) -> dict[str, Score]:
    """Circular trade, shells and self-financing, from the risk room's graphs."""
    from scf.parties import service as parties
    from scf.risk import service as risk

    ids = report.org_ids
    by_id = {v: k for k, v in ids.items()}
    orgs: dict[str, Org] = {o.key: o for o in data.of(Org)}
    cfg = risk.current_settings()
    enterprises = {
        k
        for k, o in orgs.items()
        if k in ids and set(o.roles) & {"supplier", "distributor", "core_enterprise"}
    }
    scores: dict[str, Score] = {}
    with platform.uow(_regulator()) as uow:
        pg = risk.platform_trade_graph(uow)
        related = parties.related_party_graph(uow)
        groups: dict[str, set[str]] = {}
        for g in related.groups():
            for member in g:
                groups.setdefault(member, g)
        trips = risk.round_trips(pg, groups, cfg)
        on_cycle = {by_id.get(pg.nodes.ids[n], "") for c in trips for n in c.firms}
        scores[CIRCULAR_TRADE] = _score(
            CIRCULAR_TRADE,
            "risk.roundtrips over risk.platform_trade_graph (enterprises)",
            labels[CIRCULAR_TRADE],
            on_cycle,
            enterprises,
        )
        shells = {
            k
            for k in sorted(enterprises)
            if risk.shell_score(risk.shell_reasons(uow, ids[k], related=related, pg=pg))
            >= cfg.shell_min_score
        }
        scores[SHELL_COMPANY] = _score(
            SHELL_COMPANY,
            "risk.shell_score(risk.shell_reasons) >= shell_min_score",
            labels[SHELL_COMPANY],
            shells,
            enterprises,
        )
        scores[SELF_FINANCING] = _self_financing_score(uow, data, report, labels)
    return scores


def _self_financing_score(
    uow: Any, data: SimData, report: LoadReport, labels: dict[str, set[str]]
) -> Score:
    """`risk.related_party_check` on every factoring's applicant and debtor."""
    from scf.risk import service as risk

    ids = report.org_ids
    fins = [f for f in data.of(InvoiceFinance) if f.trade in report.receivable_ids]
    selfish = set()
    for f in fins:
        t = data_trade(data, f.trade)
        finding = risk.related_party_check(uow, ids[t.seller], ids[t.buyer])
        if finding is not None and finding.kind.value == "self_financing":
            selfish.add(f.key)
    return _score(
        SELF_FINANCING,
        "risk.related_party_check on each factoring (applicant, debtor)",
        labels[SELF_FINANCING],
        selfish,
        {f.key for f in fins},
    )


def evaluate_adversarial(platform: Platform, world: Any, loaded: Any) -> dict[str, Any]:
    """Score the platform's detectors on a loaded adversarial world (`scf.sim.adversarial`):
    precision and recall per family and per parameter band, false positives on look-alikes."""
    from scf.risk import service as risk
    from scf.sim.adversarial.score import read_verdicts, score

    cfg = risk.current_settings()
    return {
        "adversarial": True,
        "size": world.size.name,
        "seed": world.seed,
        "cases": len(world.cases),
        "families": score(read_verdicts(platform, world, loaded)),
        "settings": {
            "cycle_max_hops": cfg.cycle_max_hops,
            "cycle_window_days": cfg.cycle_window_days,
            "cycle_hop_floor": cfg.cycle_hop_floor,
            "cycle_hop_ceiling": cfg.cycle_hop_ceiling,
            "cycle_pair_ceiling": cfg.cycle_pair_ceiling,
            "control_levels": cfg.control_levels,
            "fan_counterparties": cfg.fan_counterparties,
            "shell_min_score": cfg.shell_min_score,
        },
        "targets": "recall >= 0.9 at precision >= 0.9, under 5% of look-alikes flagged",
    }


_TRADES: dict[int, dict[str, Trade]] = {}


def data_trade(data: SimData, key: str) -> Trade:
    cache = _TRADES.get(id(data))
    if cache is None:
        cache = _TRADES[id(data)] = {t.key: t for t in data.of(Trade)}
    return cache[key]


# The default study: the platform's records are read as they stood at the end of this share
# of the simulated year; the defaults of the rest of the year are the outcome.
OBSERVE_AT = 2 / 3
CV_REPEATS = 3  # 5-fold cross-validation, repeated over shuffles of the table


@dataclass
class FeatureSnapshot:
    """Each SME's `EnterpriseInputs` as the risk room gathered them on `as_of`."""

    month: int
    as_of: date | None = None
    inputs: dict[str, Any] = field(default_factory=dict)  # org key -> EnterpriseInputs
    seconds: float = 0.0


def observation_month(data: SimData) -> int:
    return max(int(data.size.months * OBSERVE_AT) - 1, 0)


def feature_snapshot(data: SimData) -> tuple[FeatureSnapshot, MonthHook]:
    """A snapshot to fill and the loader hook that fills it at the observation month's end.

    The hook asks the risk room for each SME's inputs (`risk.enterprise_inputs`, the record
    its scores are computed from) while the loader's clock stands at that day, so nothing
    that happens later (the defaults, the late payments around them) reaches the features.
    """
    from scf.risk import service as risk

    snap = FeatureSnapshot(observation_month(data))
    smes = [o.key for o in data.of(Org) if o.roles[0] in ("supplier", "distributor")]

    def hook(platform: Platform, month: int, report: LoadReport) -> None:
        if month != snap.month:
            return
        started = time.perf_counter()
        with platform.uow(Actor(None, None, frozenset({"regulator"}), "sim:eval")) as uow:
            snap.as_of = uow.today()
            for key in smes:
                org_id = report.org_ids.get(key)
                if org_id is not None:
                    snap.inputs[key] = risk.enterprise_inputs(uow, org_id)
        snap.seconds = time.perf_counter() - started

    return snap, hook


def _invoices(inputs: Any) -> int:
    return 0 if inputs.trade is None else int(inputs.trade.invoices_365d)


def default_uplift(data: SimData, snapshot: FeatureSnapshot | None) -> dict[str, Any]:
    """AUC of predicting defaults from supply-chain features vs static firm data alone.

    Features are the risk room's own (`scf.risk.features`, filled by
    `risk.enterprise_inputs` from the platform's records as they stood on the observation
    day); the target is a default in the rest of the year (firms that defaulted before the
    observation day are left out). AUCs are means of 5-fold cross-validation of the risk
    room's scorecard (`risk.supply_chain_uplift`), repeated over `CV_REPEATS` shuffles.
    """
    import pandas as pd

    from scf.risk import features as F
    from scf.risk import service as risk

    if snapshot is None or snapshot.as_of is None:
        return {"error": "no point-in-time snapshot: load with the study's month-end hook"}
    as_of = snapshot.as_of
    defaults: dict[str, date] = {}
    for d in data.of(Default):
        defaults[d.org] = min(d.on, defaults.get(d.org, d.on))
    alive = [k for k in sorted(snapshot.inputs) if not (k in defaults and defaults[k] <= as_of)]
    # The study covers the SMEs the platform knows as sellers: with no invoice in the year
    # before, a firm has no supply-chain record and is judged on static data alone.
    keys = [k for k in alive if _invoices(snapshot.inputs[k]) > 0]
    target = [int(k in defaults) for k in keys]
    base: dict[str, Any] = {
        "observed_on": as_of.isoformat(),
        "outcome_window": f"{(as_of + timedelta(days=1)).isoformat()}..{data.end.isoformat()}",
        "enterprises": len(keys),
        "left_out_without_invoices": len(alive) - len(keys),
        "defaults": int(sum(target)),
        "features_from": "risk.enterprise_inputs on the platform's records (point in time)",
        "snapshot_s": round(snapshot.seconds, 1),
    }
    if sum(target) < 5 or sum(target) > len(target) - 5:
        return {**base, "error": f"too few defaults to measure ({sum(target)} of {len(target)})"}
    cols, _ = F.feature_columns(snapshot.inputs[k] for k in keys)
    df = pd.DataFrame(cols)
    df = df[[c for c in df.columns if df[c].notna().any() and df[c].nunique(dropna=True) > 1]]
    df["default"] = target
    runs = []
    try:
        for r in range(CV_REPEATS):
            order = np.random.default_rng([data.seed, 7, r]).permutation(len(df))
            runs.append(risk.supply_chain_uplift(df.iloc[order].reset_index(drop=True), "default"))
    except Exception as exc:  # a degenerate table is reported, not fatal
        return {**base, "error": f"{type(exc).__name__}: {exc}"}
    out: dict[str, Any] = dict(base)
    for name in ("static", "supply_chain", "combined"):
        aucs = [run[name]["auc_mean"] for run in runs]
        out[name] = {
            "auc_mean": round(float(np.mean(aucs)), 4),
            "auc_runs": aucs,
            "features": runs[0][name]["features"],
        }
    lifts = [run["lift_combined_over_static"] for run in runs]
    out["lift_combined_over_static"] = round(float(np.mean(lifts)), 4)
    out["lift_runs"] = lifts
    out["cv"] = f"5-fold, {CV_REPEATS} shuffles"
    return out
