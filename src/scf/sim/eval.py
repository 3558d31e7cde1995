"""Run the platform's own checks over a loaded set and score them against the labels.

Each fraud type is scored with the check the platform would use for it:
duplicate financing - the financing room's automatic checks on the factoring application
  (invoice fingerprint, registry conflict, nothing left unfinanced), observed at load time;
fictitious invoices - `trade.assess_authenticity` reasons NO_DELIVERY / NO_ORDER;
near-duplicates - `trade.assess_authenticity` reason NEAR_DUPLICATE_INVOICE;
circular trade - `risk.graph.find_cycles` over `risk.platform_trade_graph` (enterprises on a
  cycle); self-financing - `risk.related_party_check` on every factoring (applicant, debtor);
empty or over-pledged receipts - the financing room's warehouse-pledge checks (the
  registry's pledge capacity, registry conflicts), observed at load time;
shell companies - `risk.shell_reasons` (at least `shell_min_indicators` indicators).
Authenticity is assessed for every labelled receivable and a seeded sample of the others; the
false positives of the sample are scaled up to the whole population and the report says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from scf.core.actor import Actor
from scf.platform import Platform
from scf.sim.generator import SimData
from scf.sim.loader import LoadReport
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
    platform: Platform, data: SimData, report: LoadReport, *, sample: int = 600
) -> dict[str, Any]:
    """Score every fraud type and the default-prediction uplift; return a JSON-able report."""
    from scf.registry.service import FilingInput  # noqa: F401  (the registry room is loaded)
    from scf.risk import graph as G
    from scf.risk import service as risk
    from scf.trade import service as trade

    labels: dict[str, set[str]] = defaultdict(set)
    for lb in data.of(Label):
        labels[lb.kind].add(lb.subject)
    ids = report.org_ids
    orgs: dict[str, Org] = {o.key: o for o in data.of(Org)}
    by_id = {v: k for k, v in ids.items()}
    scores: dict[str, Score] = {}
    regulator = Actor(None, None, frozenset({"regulator"}), "sim:eval")

    # Observed at the moment of financing or pledging.
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

    # Authenticity of receivables: every labelled one, plus a seeded sample of the rest.
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
    with platform.uow(regulator) as uow:
        for key in sorted(positives) + picked:
            a = trade.assess_authenticity(uow, report.receivable_ids[key])
            codes[key] = {r.code for r in a.reasons}
    note = (
        f"false positives scaled from a sample of {len(picked)} of {len(negatives)} "
        "clean receivables"
        if scale > 1
        else ""
    )
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

    cfg = risk.current_settings()
    with platform.uow(regulator) as uow:
        pg = risk.platform_trade_graph(uow)
        related = __import__("scf.parties.service", fromlist=["x"]).related_party_graph(uow)
        cycles = G.find_cycles(
            pg.edges,
            max_hops=cfg.cycle_max_hops,
            window_days=cfg.cycle_window_days,
            tolerance=cfg.cycle_tolerance,
        )
        on_cycle = {by_id.get(pg.nodes.ids[n], "") for c in cycles for n in c.nodes}
        enterprises = {
            k
            for k, o in orgs.items()
            if k in ids and set(o.roles) & {"supplier", "distributor", "core_enterprise"}
        }
        scores[CIRCULAR_TRADE] = _score(
            CIRCULAR_TRADE,
            "risk.graph.find_cycles over risk.platform_trade_graph (enterprises)",
            labels[CIRCULAR_TRADE],
            on_cycle,
            enterprises,
        )
        shells = set()
        for k in sorted(enterprises):
            if (
                len(risk.shell_reasons(uow, ids[k], related=related, pg=pg))
                >= cfg.shell_min_indicators
            ):
                shells.add(k)
        scores[SHELL_COMPANY] = _score(
            SHELL_COMPANY,
            "risk.shell_reasons >= shell_min_indicators",
            labels[SHELL_COMPANY],
            shells,
            enterprises,
        )
        fins = [f for f in data.of(InvoiceFinance) if f.trade in report.receivable_ids]
        selfish = set()
        for f in fins:
            t = data_trade(data, f.trade)
            finding = risk.related_party_check(uow, ids[t.seller], ids[t.buyer])
            if finding is not None and finding.kind.value == "self_financing":
                selfish.add(f.key)
        scores[SELF_FINANCING] = _score(
            SELF_FINANCING,
            "risk.related_party_check on each factoring (applicant, debtor)",
            labels[SELF_FINANCING],
            selfish,
            {f.key for f in fins},
        )
    out = {
        "size": data.size.name,
        "seed": data.seed,
        "fraud": {k: scores[k].as_dict() for k in FRAUD_TYPES if k in scores},
        "targets": {
            CIRCULAR_TRADE: "recall >= 0.9 at precision >= 0.8",
            SELF_FINANCING: "recall >= 0.9 at precision >= 0.8",
        },
        "default_uplift": default_uplift(data),
    }
    return out


_TRADES: dict[int, dict[str, Trade]] = {}


def data_trade(data: SimData, key: str) -> Trade:
    cache = _TRADES.get(id(data))
    if cache is None:
        cache = _TRADES[id(data)] = {t.key: t for t in data.of(Trade)}
    return cache[key]


def default_uplift(data: SimData) -> dict[str, Any]:
    """AUC of predicting the injected defaults from supply-chain features vs static data alone.

    The supply-chain record of each SME (sales, trend, regularity, concentration, tenure,
    confirmation and delivery shares, how late its debtors pay) is computed from the generated
    trades, filling the same `EnterpriseInputs` the platform scores with.
    """
    import pandas as pd

    from scf.risk import features as F
    from scf.risk import service as risk

    st = data.generator.stats
    defaults = {d.org for d in data.of(Default)}
    recs = []
    target = []
    end = data.end
    for o in data.of(Org):
        if o.roles[0] not in ("supplier", "distributor") or o.key not in st.sales_by_month:
            continue
        sales = st.sales_by_month[o.key]
        debtors = st.debtors[o.key]
        n = max(st.invoices[o.key], 1)
        late = st.late_days[o.key]
        first_core = st.first_core_trade.get(o.key)
        months = np.flatnonzero(sales)
        gaps = np.diff(months) if len(months) > 2 else None
        tr = F.TradeInputs(
            sales_90d_minor=int(sales[-3:].sum()),
            sales_prev_90d_minor=int(sales[-6:-3].sum()),
            sales_365d_minor=int(sales.sum()),
            confirmed_sales_365d_minor=int(sales.sum()),
            invoices_365d=st.invoices[o.key],
            invoice_interval_cv=(
                float(np.std(gaps) / np.mean(gaps)) if gaps is not None and np.mean(gaps) else None
            ),
            top_debtor_share=max(debtors.values()) / sum(debtors.values()) if debtors else None,
            debtor_count=len(debtors),
            core_tenure_days=(end - first_core).days if first_core else None,
            confirmed_share=st.confirmed[o.key] / n,
            delivered_share=st.delivered[o.key] / n,
            debtor_days_late_avg=late[0] / late[1] if late[1] else None,
        )
        recs.append(
            F.EnterpriseInputs(
                org_id=o.key,
                as_of=end,
                founded_on=o.founded_on,
                registered_capital_minor=o.capital_minor,
                size_class=o.size_class,
                key_chain=bool(o.chains),
                trade=tr,
            )
        )
        target.append(int(o.key in defaults))
    if sum(target) < 5 or sum(target) > len(target) - 5:
        return {"error": f"too few defaults to measure ({sum(target)} of {len(target)})"}
    cols, _ = F.feature_columns(recs)
    df = pd.DataFrame(cols)
    df = df[[c for c in df.columns if df[c].notna().any() and df[c].nunique(dropna=True) > 1]]
    df["default"] = target
    try:
        res = risk.supply_chain_uplift(df, "default")
    except Exception as exc:  # a degenerate table is reported, not fatal
        return {"error": f"{type(exc).__name__}: {exc}"}
    res["enterprises"] = len(target)
    res["defaults"] = int(sum(target))
    return res
