"""Rules of the risk room: the compiled scorecard, rating grades, PSI, limits and findings.

Pure functions and value objects: nothing here touches the database or a model library, so
scoring is the same arithmetic in training, in batch and for one enterprise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from scf.core.errors import InvalidInput
from scf.core.money import Money

FloatArray = npt.NDArray[np.float64]


class FindingKind(StrEnum):
    CIRCULAR_TRADE = "circular_trade"
    SELF_FINANCING = "self_financing"
    RELATED_PARTY = "related_party"
    RETURNING_FUNDS = "returning_funds"
    FAN_IN = "fan_in"
    FAN_OUT = "fan_out"
    SCATTER_GATHER = "scatter_gather"
    SHELL_COMPANY = "shell_company"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ModelStatus(StrEnum):
    CANDIDATE = "candidate"
    CHALLENGER = "challenger"
    CHAMPION = "champion"
    RETIRED = "retired"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class ReasonCode:
    """A factor that lowered the score: the points it cost against its best value."""

    feature: str
    description: str
    value: Any
    points_lost: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "description": self.description,
            "value": self.value,
            "points_lost": round(self.points_lost, 2),
        }


@dataclass(frozen=True)
class ScoreResult:
    org_id: str
    score: int
    grade: str
    pd: float
    reasons: tuple[ReasonCode, ...]
    model_version: str
    features: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "org_id": self.org_id,
            "score": self.score,
            "grade": self.grade,
            "pd": round(self.pd, 6),
            "reasons": [r.as_dict() for r in self.reasons],
            "model_version": self.model_version,
            "features": dict(self.features),
        }


@dataclass(frozen=True)
class GraphFinding:
    """A pattern found in the trade, payment, certificate and ownership graph, with evidence."""

    kind: FindingKind
    severity: Severity
    org_ids: tuple[str, ...]
    summary: str
    path: tuple[str, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=dict)
    score: float | None = None  # 0..1, how sure the detector is, where it scores

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "score": self.score,
            "org_ids": list(self.org_ids),
            "summary": self.summary,
            "path": list(self.path),
            "evidence": dict(self.evidence),
        }


# ---------------------------------------------------------------- rating master scale

# PD upper bounds per grade (a master scale in the style of the big rating agencies' default
# studies); a bank maps its own internal grades onto it.
MASTER_SCALE: tuple[tuple[str, float], ...] = (
    ("AAA", 0.0005),
    ("AA", 0.001),
    ("A", 0.003),
    ("BBB", 0.01),
    ("BB", 0.03),
    ("B", 0.08),
    ("CCC", 0.20),
    ("C", 1.0),
)
GRADES = tuple(g for g, _ in MASTER_SCALE)


def grade_for(pd: float) -> str:
    """Map a probability of default to a rating grade on the master scale."""
    for grade, upper in MASTER_SCALE:
        if pd < upper:
            return grade
    return MASTER_SCALE[-1][0]


# ---------------------------------------------------------------- the compiled scorecard


@dataclass(frozen=True)
class ScorecardScaling:
    """Points: `base_points` at odds `base_odds` (good:bad), `pdo` points to double the odds."""

    base_points: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_points - self.factor * math.log(self.base_odds)


@dataclass(frozen=True)
class BinnedFeature:
    """One scorecard characteristic: its bins and each bin's contribution to log-odds of bad.

    Numeric bins are (-inf, s0), [s0, s1), ..., [s_last, inf); a categorical bin is a set of
    categories. Missing values (and unseen categories) get `missing_logit`.
    """

    name: str
    kind: str  # numeric | categorical
    logits: tuple[float, ...]
    missing_logit: float
    splits: tuple[float, ...] = ()
    categories: tuple[tuple[str, ...], ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        n_bins = len(self.splits) + 1 if self.kind == "numeric" else len(self.categories)
        if self.kind not in ("numeric", "categorical") or n_bins != len(self.logits):
            raise InvalidInput(
                f"feature {self.name}: {len(self.logits)} bin values for {n_bins} bins",
                field="scorecard",
            )

    @property
    def best_logit(self) -> float:
        return min((*self.logits, self.missing_logit))

    def bin_label(self, value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "missing"
        if self.kind == "categorical":
            return str(value)
        i = int(np.searchsorted(np.asarray(self.splits, dtype=float), float(value), "right"))
        lo = "-inf" if i == 0 else f"{self.splits[i - 1]:g}"
        hi = "inf" if i == len(self.splits) else f"{self.splits[i]:g}"
        return f"[{lo}, {hi})"

    def contributions(self, values: Sequence[Any] | npt.NDArray[Any]) -> FloatArray:
        """Return the log-odds contribution for each value (vectorized)."""
        if self.kind == "numeric":
            x = np.asarray(
                [np.nan if v is None else v for v in values]
                if isinstance(values, list)
                else values,
                dtype=float,
            )
            idx = np.searchsorted(np.asarray(self.splits, dtype=float), x, side="right")
            out = np.asarray(self.logits, dtype=float)[np.minimum(idx, len(self.logits) - 1)]
            out[np.isnan(x)] = self.missing_logit
            return out
        lookup = {c: self.logits[i] for i, group in enumerate(self.categories) for c in group}
        return np.asarray(
            [
                lookup.get(str(v), self.missing_logit) if v is not None else self.missing_logit
                for v in values
            ],
            dtype=float,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "logits": list(self.logits),
            "missing_logit": self.missing_logit,
            "splits": list(self.splits),
            "categories": [list(c) for c in self.categories],
            "description": self.description,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> BinnedFeature:
        return cls(
            name=d["name"],
            kind=d["kind"],
            logits=tuple(float(v) for v in d["logits"]),
            missing_logit=float(d["missing_logit"]),
            splits=tuple(float(v) for v in d.get("splits", ())),
            categories=tuple(tuple(str(c) for c in g) for g in d.get("categories", ())),
            description=d.get("description", ""),
        )


@dataclass(frozen=True)
class CompiledScorecard:
    """A scorecard as data: intercept plus one binned characteristic per feature.

    Trained scorecards (WoE x logistic coefficient per bin) and expert scorecards compile to
    this one form, stored as JSON with the model version, so what a credit officer reads in
    the model card is exactly what scores.
    """

    intercept: float
    features: tuple[BinnedFeature, ...]
    scaling: ScorecardScaling = ScorecardScaling()

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    def logit_batch(self, columns: Mapping[str, Any], n: int) -> tuple[FloatArray, FloatArray]:
        """Return log-odds of bad per row and the per-feature contribution matrix."""
        contrib = np.zeros((n, len(self.features)), dtype=float)
        for j, feat in enumerate(self.features):
            col = columns.get(feat.name)
            if col is None:
                contrib[:, j] = feat.missing_logit
            else:
                contrib[:, j] = feat.contributions(col)
        return self.intercept + contrib.sum(axis=1), contrib

    def points(self, logit: FloatArray) -> FloatArray:
        return self.scaling.offset - self.scaling.factor * logit

    def score_batch(self, columns: Mapping[str, Any], n: int) -> tuple[FloatArray, FloatArray]:
        """Return (score points, PD) for n rows given as columns."""
        logit, _ = self.logit_batch(columns, n)
        return self.points(logit), 1.0 / (1.0 + np.exp(-logit))

    def explain(
        self, row: Mapping[str, Any], top: int = 4
    ) -> tuple[float, float, list[ReasonCode]]:
        """Score one row: points, PD, and the factors that cost the most points."""
        cols = {f.name: [row.get(f.name)] for f in self.features}
        logit, contrib = self.logit_batch(cols, 1)
        factor = self.scaling.factor
        reasons = []
        for j, feat in enumerate(self.features):
            lost = factor * (contrib[0, j] - feat.best_logit)
            if lost > 1e-9:
                value = row.get(feat.name)
                reasons.append(
                    ReasonCode(
                        feat.name,
                        feat.description or feat.name,
                        _plain(value),
                        float(lost),
                    )
                )
        reasons.sort(key=lambda r: -r.points_lost)
        pd = float(1.0 / (1.0 + math.exp(-float(logit[0]))))
        return float(self.points(logit)[0]), pd, reasons[:top]

    def as_json(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept,
            "features": [f.as_json() for f in self.features],
            "scaling": {
                "base_points": self.scaling.base_points,
                "base_odds": self.scaling.base_odds,
                "pdo": self.scaling.pdo,
            },
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> CompiledScorecard:
        s = d.get("scaling", {})
        return cls(
            intercept=float(d["intercept"]),
            features=tuple(BinnedFeature.from_json(f) for f in d["features"]),
            scaling=ScorecardScaling(
                float(s.get("base_points", 600)),
                float(s.get("base_odds", 50)),
                float(s.get("pdo", 20)),
            ),
        )


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, np.generic):
        return value.item()
    return value


# ---------------------------------------------------------------- population stability

PSI_ALERT = 0.25


def psi_bins(expected: Sequence[float] | FloatArray, n_bins: int = 10) -> list[float]:
    """Return interior bin edges at the expected population's quantiles (ties merged)."""
    x = np.asarray(expected, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return []
    qs = np.quantile(x, np.linspace(0, 1, n_bins + 1)[1:-1])
    return sorted({float(q) for q in qs})


def distribution(values: Sequence[float] | FloatArray, edges: Sequence[float]) -> list[float]:
    """Share of values per bin, with a last bucket for missing values."""
    x = np.asarray(values, dtype=float)
    missing = np.isnan(x)
    idx = np.searchsorted(np.asarray(edges, dtype=float), x[~missing], side="right")
    counts = np.bincount(idx, minlength=len(edges) + 1).astype(float)
    counts = np.append(counts, float(missing.sum()))
    total = counts.sum()
    return list(counts / total) if total else list(counts)


def psi(expected_shares: Sequence[float], actual_shares: Sequence[float]) -> float:
    """Population stability index: sum (a - e) ln(a / e), empty bins floored at 0.0001."""
    if len(expected_shares) != len(actual_shares):
        raise InvalidInput("the two distributions have different bins", field="bins")
    e = np.maximum(np.asarray(expected_shares, dtype=float), 1e-4)
    a = np.maximum(np.asarray(actual_shares, dtype=float), 1e-4)
    return float(np.sum((a - e) * np.log(a / e)))


# ---------------------------------------------------------------- limits

# Share of an SME's trailing-year confirmed sales that may be lent against, per grade: the
# usual receivables-finance rule of thumb (advance rates fall with the grade); C gets none.
ADVANCE_BY_GRADE: Mapping[str, Decimal] = {
    "AAA": Decimal("0.40"),
    "AA": Decimal("0.35"),
    "A": Decimal("0.30"),
    "BBB": Decimal("0.25"),
    "BB": Decimal("0.18"),
    "B": Decimal("0.10"),
    "CCC": Decimal("0.03"),
    "C": Decimal("0"),
}
# A core enterprise's certificate line as a share of registered capital, per grade.
CORE_LINE_BY_GRADE: Mapping[str, Decimal] = {
    "AAA": Decimal("3"),
    "AA": Decimal("2.5"),
    "A": Decimal("2"),
    "BBB": Decimal("1.5"),
    "BB": Decimal("1"),
    "B": Decimal("0.5"),
    "CCC": Decimal("0.1"),
    "C": Decimal("0"),
}


def dynamic_limit(
    grade: str,
    capacity: Money,
    exposure: Money,
    *,
    core: bool = False,
    cut: Decimal = Decimal(0),
) -> Money | None:
    """Return the headroom: capacity x grade factor x (1 - cut) - exposure; None if no line.

    `capacity` is trailing-year confirmed sales for an SME and registered capital for a core
    enterprise; `cut` is the reduction that live early-warning alerts impose (0 to 1).
    """
    table = CORE_LINE_BY_GRADE if core else ADVANCE_BY_GRADE
    if grade not in table:
        raise InvalidInput(f"unknown grade {grade!r}", field="grade")
    if not Decimal(0) <= cut <= Decimal(1):
        raise InvalidInput("a cut is between 0 and 1", field="cut")
    factor = table[grade] * (Decimal(1) - cut)
    if factor == 0 or not capacity.is_positive():
        return None
    line = capacity.scale(factor)
    headroom = line - exposure
    return headroom if headroom.is_positive() else Money.zero(capacity.currency)
