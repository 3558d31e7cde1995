"""Features per enterprise, each defined once and used for training and scoring alike.

A feature is a function of an `EnterpriseInputs` record. The service fills that record from
the parties room now, and from the trade, certificates and financing rooms through the
adapters in `scf.risk.service`; a simulator or a CSV fills the same record, so the features a
model trains on are, by construction, the features it scores with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from scf.risk.model import BinnedFeature, CompiledScorecard


@dataclass
class TradeInputs:
    """What the trade room knows about an enterprise over the trailing year (minor units CNY)."""

    sales_90d_minor: int = 0
    sales_prev_90d_minor: int = 0
    sales_365d_minor: int = 0
    confirmed_sales_365d_minor: int = 0
    invoices_365d: int = 0
    invoice_interval_cv: float | None = None  # coefficient of variation of days between invoices
    top_debtor_share: float | None = None
    top_debtor_share_prev: float | None = None
    debtor_count: int = 0
    core_tenure_days: int | None = None  # longest relationship with a core enterprise
    confirmed_share: float | None = None  # receivables confirmed by the debtor
    delivered_share: float | None = None  # invoices backed by a confirmed delivery
    dispute_rate: float | None = None
    debtor_days_late_avg: float | None = None
    near_duplicate_invoices_90d: int = 0
    authenticity: float | None = None  # mean authenticity score of its receivables, 0..1


@dataclass
class FinancingInputs:
    """Its record as a borrower and certificate holder (financing and certificates rooms)."""

    repaid_on_time_share: float | None = None
    overdue_count: int = 0
    overdue_elsewhere: int = 0  # overdue financings at other institutions on the platform
    utilization: float | None = None
    exposure_minor: int = 0
    certificates_received_90d_minor: int = 0
    certificates_received_prev_90d_minor: int = 0


@dataclass
class GraphInputs:
    related_parties: int = 0
    control_group_size: int = 1
    cycles: int = 0
    fan_patterns: int = 0
    shell_indicators: int = 0
    in_group_trade_share: float | None = None


@dataclass
class EnterpriseInputs:
    org_id: str
    as_of: date
    founded_on: date | None = None
    registered_capital_minor: int | None = None
    size_class: str | None = None
    is_core: bool = False
    key_chain: bool = False
    trade: TradeInputs | None = None
    financing: FinancingInputs | None = None
    graph: GraphInputs = field(default_factory=GraphInputs)


Value = float | str | None


@dataclass(frozen=True)
class FeatureDef:
    name: str
    group: str  # static | supply_chain | graph
    kind: str  # numeric | categorical
    description: str
    compute: Callable[[EnterpriseInputs], Value]


def _ratio(a: float, b: float) -> float | None:
    return None if b == 0 else a / b


def _trade(f: Callable[[TradeInputs], Value]) -> Callable[[EnterpriseInputs], Value]:
    return lambda e: None if e.trade is None else f(e.trade)


def _fin(f: Callable[[FinancingInputs], Value]) -> Callable[[EnterpriseInputs], Value]:
    return lambda e: None if e.financing is None else f(e.financing)


def _age_years(e: EnterpriseInputs) -> Value:
    return None if e.founded_on is None else (e.as_of - e.founded_on).days / 365.25


def _capital(e: EnterpriseInputs) -> Value:
    return None if e.registered_capital_minor is None else e.registered_capital_minor / 100


def _sales_trend(t: TradeInputs) -> Value:
    r = _ratio(t.sales_90d_minor, t.sales_prev_90d_minor)
    return None if r is None else r - 1


def _cert_inflow(f: FinancingInputs) -> Value:
    return _ratio(f.certificates_received_90d_minor, max(f.certificates_received_prev_90d_minor, 1))


FEATURES: tuple[FeatureDef, ...] = (
    FeatureDef("age_years", "static", "numeric", "years since founding", _age_years),
    FeatureDef("registered_capital", "static", "numeric", "registered capital (CNY)", _capital),
    FeatureDef("size_class", "static", "categorical", "size class", lambda e: e.size_class),
    FeatureDef(
        "key_chain", "static", "numeric", "in a key industry chain", lambda e: float(e.key_chain)
    ),
    FeatureDef(
        "sales_365d",
        "supply_chain",
        "numeric",
        "trade volume over the last year (CNY)",
        _trade(lambda t: t.sales_365d_minor / 100),
    ),
    FeatureDef(
        "sales_trend",
        "supply_chain",
        "numeric",
        "sales of the last 90 days against the 90 before (change)",
        _trade(_sales_trend),
    ),
    FeatureDef(
        "core_tenure_years",
        "supply_chain",
        "numeric",
        "years of trade with a core enterprise",
        _trade(lambda t: None if t.core_tenure_days is None else t.core_tenure_days / 365.25),
    ),
    FeatureDef(
        "top_debtor_share",
        "supply_chain",
        "numeric",
        "share of sales to the largest debtor (concentration)",
        _trade(lambda t: t.top_debtor_share),
    ),
    FeatureDef(
        "invoice_regularity",
        "supply_chain",
        "numeric",
        "irregularity of invoicing (CV of days between invoices)",
        _trade(lambda t: t.invoice_interval_cv),
    ),
    FeatureDef(
        "confirmed_share",
        "supply_chain",
        "numeric",
        "share of receivables confirmed by the debtor",
        _trade(lambda t: t.confirmed_share),
    ),
    FeatureDef(
        "delivered_share",
        "supply_chain",
        "numeric",
        "share of invoices backed by a confirmed delivery",
        _trade(lambda t: t.delivered_share),
    ),
    FeatureDef(
        "dispute_rate",
        "supply_chain",
        "numeric",
        "share of receivables disputed",
        _trade(lambda t: t.dispute_rate),
    ),
    FeatureDef(
        "debtor_days_late",
        "supply_chain",
        "numeric",
        "average days its debtors pay late",
        _trade(lambda t: t.debtor_days_late_avg),
    ),
    FeatureDef(
        "authenticity",
        "supply_chain",
        "numeric",
        "authenticity of its receivables (0 to 1)",
        _trade(lambda t: t.authenticity),
    ),
    FeatureDef(
        "near_duplicate_invoices",
        "supply_chain",
        "numeric",
        "near-duplicate invoices in the last 90 days",
        _trade(lambda t: float(t.near_duplicate_invoices_90d)),
    ),
    FeatureDef(
        "repaid_on_time",
        "supply_chain",
        "numeric",
        "share of its own repayments made on time",
        _fin(lambda f: f.repaid_on_time_share),
    ),
    FeatureDef(
        "overdue_count",
        "supply_chain",
        "numeric",
        "overdue financings on the platform",
        _fin(lambda f: float(f.overdue_count + f.overdue_elsewhere)),
    ),
    FeatureDef(
        "utilization",
        "supply_chain",
        "numeric",
        "utilization of its financing limits",
        _fin(lambda f: f.utilization),
    ),
    FeatureDef(
        "certificate_inflow",
        "supply_chain",
        "numeric",
        "certificates received in 90 days against the 90 before",
        _fin(_cert_inflow),
    ),
    FeatureDef(
        "related_parties",
        "graph",
        "numeric",
        "related parties on the platform",
        lambda e: float(e.graph.related_parties),
    ),
    FeatureDef(
        "cycles",
        "graph",
        "numeric",
        "circular-trade loops through it",
        lambda e: float(e.graph.cycles),
    ),
    FeatureDef(
        "fan_patterns",
        "graph",
        "numeric",
        "fan-in, fan-out and scatter-gather patterns",
        lambda e: float(e.graph.fan_patterns),
    ),
    FeatureDef(
        "shell_indicators",
        "graph",
        "numeric",
        "shell-company indicators",
        lambda e: float(e.graph.shell_indicators),
    ),
    FeatureDef(
        "in_group_trade_share",
        "graph",
        "numeric",
        "share of its trade inside its own control group",
        lambda e: e.graph.in_group_trade_share,
    ),
)
FEATURES_BY_NAME: Mapping[str, FeatureDef] = {f.name: f for f in FEATURES}


def names(group: str | None = None) -> list[str]:
    return [f.name for f in FEATURES if group is None or f.group == group]


def compute_features(inputs: EnterpriseInputs) -> dict[str, Value]:
    """Compute every registered feature for one enterprise."""
    return {f.name: f.compute(inputs) for f in FEATURES}


def feature_columns(records: Iterable[EnterpriseInputs]) -> tuple[dict[str, list[Value]], int]:
    """Compute the feature table as columns (for batch scoring and training)."""
    cols: dict[str, list[Value]] = {f.name: [] for f in FEATURES}
    n = 0
    for rec in records:
        n += 1
        for f in FEATURES:
            cols[f.name].append(f.compute(rec))
    return cols, n


def as_arrays(cols: Mapping[str, list[Value]]) -> dict[str, Any]:
    """Turn numeric columns into float arrays (None -> NaN) for the vectorized scorecard."""
    out: dict[str, Any] = {}
    for name, values in cols.items():
        fdef = FEATURES_BY_NAME.get(name)
        if fdef is not None and fdef.kind == "numeric":
            out[name] = np.asarray([np.nan if v is None else v for v in values], dtype=float)
        else:
            out[name] = values
    return out


def _num(
    name: str, splits: tuple[float, ...], logits: tuple[float, ...], missing: float
) -> BinnedFeature:
    return BinnedFeature(
        name=name,
        kind="numeric",
        splits=splits,
        logits=logits,
        missing_logit=missing,
        description=FEATURES_BY_NAME[name].description,
    )


# The expert scorecard scores until a model trained on the platform's own defaults is
# promoted to champion: a judgemental card, as banks use for low-default portfolios. Each bin
# adds to the log-odds of default; the intercept is the log-odds of a 2% portfolio PD.
# Missing trade data costs a little, never nothing: an SME without a record is not unknown
# good, it is unproven.
EXPERT_VERSION = "expert-1"
EXPERT_SCORECARD = CompiledScorecard(
    intercept=-3.9,
    features=(
        _num("age_years", (1.0, 3.0, 8.0), (1.1, 0.5, 0.0, -0.3), 0.6),
        _num("registered_capital", (500_000.0, 5_000_000.0), (0.5, 0.1, -0.2), 0.3),
        _num("sales_trend", (-0.5, -0.2, 0.3), (1.0, 0.4, 0.0, 0.1), 0.2),
        _num("core_tenure_years", (0.5, 2.0), (0.5, 0.1, -0.4), 0.3),
        _num("top_debtor_share", (0.5, 0.8), (0.0, 0.2, 0.5), 0.1),
        _num("confirmed_share", (0.5, 0.9), (0.7, 0.2, -0.3), 0.3),
        _num("dispute_rate", (0.02, 0.1), (0.0, 0.4, 1.0), 0.1),
        _num("debtor_days_late", (5.0, 30.0), (0.0, 0.3, 0.9), 0.1),
        _num("authenticity", (0.5, 0.8), (1.2, 0.4, 0.0), 0.2),
        _num("near_duplicate_invoices", (1.0, 3.0), (0.0, 0.6, 1.4), 0.0),
        _num("repaid_on_time", (0.9, 0.99), (1.0, 0.3, -0.3), 0.2),
        _num("overdue_count", (1.0, 2.0), (0.0, 1.2, 2.0), 0.0),
        _num("utilization", (0.5, 0.9), (0.0, 0.2, 0.6), 0.0),
        _num("cycles", (1.0,), (0.0, 1.5), 0.0),
        _num("fan_patterns", (1.0,), (0.0, 0.5), 0.0),
        _num("shell_indicators", (1.0, 2.0), (0.0, 0.4, 1.3), 0.0),
        _num("in_group_trade_share", (0.5, 0.9), (0.0, 0.4, 1.0), 0.0),
    ),
)
