"""Training and validation: WoE scorecard (optbinning + logistic regression), LightGBM challenger.

Refuses training data that cannot make an honest model (missing labels, one class, a column
derived from the label), reports cross-validated and out-of-time AUC, KS, Gini and
calibration, and compiles the scorecard into `CompiledScorecard` so that what is validated is
exactly what scores.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from scf.core.errors import InvalidInput
from scf.risk.model import BinnedFeature, CompiledScorecard, distribution, psi_bins

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Labels read as "bad" (the event a credit model predicts), case-insensitive.
BAD_LABELS = frozenset({"bad", "default", "defaulted", "1", "true", "yes", "y"})
# A single column that ranks the classes this well on its own is the label in disguise.
LEAKAGE_AUC = 0.98
MIN_ROWS = 50
MIN_CLASS = 10


@dataclass
class Dataset:
    X: pd.DataFrame
    y: IntArray
    target: str
    bad_label: str
    data_hash: str
    order: IntArray | None = None  # time order for out-of-time validation


def data_hash(df: pd.DataFrame) -> str:
    """Return the SHA-256 of the table in a canonical CSV form (columns sorted)."""
    canon = df.reindex(sorted(df.columns), axis=1).to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InvalidInput(f"no such file {path}", field="data")
    try:
        return pd.read_csv(path)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InvalidInput(f"{path} is not a readable CSV table: {exc}", field="data") from None


def _categorical(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def prepare(
    df: pd.DataFrame,
    target: str,
    *,
    bad_label: str | None = None,
    time_column: str | None = None,
    drop: Sequence[str] = (),
) -> Dataset:
    """Split the table into features and a 0/1 label (1 = bad), refusing unusable data."""
    if target not in df.columns:
        raise InvalidInput(
            f"the table has no column {target!r}; columns are {', '.join(map(str, df.columns))}",
            field="target",
        )
    labels = df[target]
    missing = labels.isna() | (labels.astype(str).str.strip() == "")
    if missing.any():
        rows = [int(i) + 2 for i in np.flatnonzero(missing.to_numpy())[:5]]
        raise InvalidInput(
            f"{int(missing.sum())} rows have no label in {target!r} (CSV lines {rows}...); "
            "label every row or drop the unlabelled ones",
            field=target,
            code="missing_labels",
        )
    values = labels.astype(str).str.strip()
    classes = sorted(values.unique())
    if len(classes) < 2:
        raise InvalidInput(
            f"the label {target!r} has only one class ({classes[0]!r}); a model needs both "
            "good and bad examples",
            field=target,
            code="one_class",
        )
    if len(classes) > 2:
        raise InvalidInput(
            f"the label {target!r} has {len(classes)} classes; give a binary good/bad label",
            field=target,
            code="not_binary",
        )
    if bad_label is None:
        marked = [c for c in classes if c.lower() in BAD_LABELS]
        bad_label = marked[0] if len(marked) == 1 else str(values.value_counts().idxmin())
    elif bad_label not in classes:
        raise InvalidInput(f"{bad_label!r} is not a value of {target!r}", field="bad_label")
    y = (values == bad_label).to_numpy().astype(np.int64)
    if min(int(y.sum()), int(len(y) - y.sum())) < MIN_CLASS or len(y) < MIN_ROWS:
        raise InvalidInput(
            f"too few rows to validate a model: {len(y)} rows, {int(y.sum())} bad; "
            f"need at least {MIN_ROWS} rows and {MIN_CLASS} of each class",
            field=target,
            code="too_few_rows",
        )
    order = None
    dropped = [target, *drop]
    if time_column is not None:
        if time_column not in df.columns:
            raise InvalidInput(f"the table has no column {time_column!r}", field="time_column")
        when = pd.to_datetime(df[time_column], errors="coerce", utc=True)
        if when.isna().any():
            raise InvalidInput(
                f"{int(when.isna().sum())} rows have no readable date in {time_column!r}",
                field="time_column",
            )
        order = np.argsort(when.to_numpy(), kind="stable").astype(np.int64)
        dropped.append(time_column)
    X = df.drop(columns=dropped)
    if X.shape[1] == 0:
        raise InvalidInput("the table has no feature columns besides the label", field="data")
    X = X.copy()
    for col in X.columns:
        if _categorical(X[col]):
            X[col] = X[col].astype(object).where(X[col].notna(), None)
            X[col] = X[col].map(lambda v: None if v is None else str(v))
    check_leakage(X, y, target)
    return Dataset(X, y, target, bad_label, data_hash(df), order)


def _auc(y: IntArray, score: FloatArray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def univariate_auc(x: pd.Series, y: IntArray) -> float:
    """How well one column alone ranks the classes (0.5 = not at all, 1 = perfectly).

    Categorical columns are target-encoded out of fold, so that an identifier with one value
    per row scores 0.5 rather than a spurious 1.
    """
    from sklearn.model_selection import StratifiedKFold

    if _categorical(x):
        keys = x.fillna("__missing__").astype(str).to_numpy()
        enc = np.full(len(y), float(y.mean()))
        folds = StratifiedKFold(5, shuffle=True, random_state=7).split(keys, y)
        for tr, te in folds:
            rates = pd.Series(y[tr]).groupby(keys[tr]).mean()
            enc[te] = pd.Series(keys[te]).map(rates).fillna(float(y[tr].mean())).to_numpy()
        score = enc
    else:
        v = pd.to_numeric(x, errors="coerce").to_numpy(dtype=float)
        score = np.where(np.isnan(v), np.nanmedian(v) if np.isfinite(v).any() else 0.0, v)
    if np.all(score == score[0]):
        return 0.5
    auc = _auc(y, score)
    return max(auc, 1.0 - auc)


def check_leakage(X: pd.DataFrame, y: IntArray, target: str) -> None:
    """Refuse a column that equals the label or separates the classes almost perfectly."""
    bad = []
    for col in X.columns:
        auc = univariate_auc(X[col], y)
        if auc >= LEAKAGE_AUC:
            bad.append((col, auc))
    if bad:
        col, auc = bad[0]
        raise InvalidInput(
            f"column {col!r} separates the classes of {target!r} almost perfectly on its own "
            f"(AUC {auc:.3f}); it is derived from the label or recorded after the outcome. "
            "Drop it and train again",
            field=str(col),
            code="label_leakage",
            details={"columns": {str(c): round(a, 4) for c, a in bad}},
        )


# ---------------------------------------------------------------- metrics


def ks(y: IntArray, p: FloatArray) -> float:
    """Kolmogorov-Smirnov: the largest gap between the score distributions of bad and good."""
    from scipy.stats import ks_2samp

    return float(ks_2samp(p[y == 1], p[y == 0]).statistic)


def calibration(y: IntArray, p: FloatArray, bins: int = 10) -> dict[str, Any]:
    """Brier score, Hosmer-Lemeshow test and predicted against observed default rate per decile."""
    from scipy.stats import chi2

    order = np.argsort(p, kind="stable")
    groups = np.array_split(order, min(bins, len(p)))
    table = []
    hl = 0.0
    for g in groups:
        exp_rate = float(p[g].mean())
        obs_rate = float(y[g].mean())
        n = len(g)
        table.append({"n": n, "predicted": round(exp_rate, 4), "observed": round(obs_rate, 4)})
        denom = n * exp_rate * (1 - exp_rate)
        if denom > 0:
            hl += (obs_rate * n - exp_rate * n) ** 2 / denom
    dof = max(len(groups) - 2, 1)
    return {
        "brier": round(float(np.mean((p - y) ** 2)), 5),
        "hosmer_lemeshow": round(hl, 3),
        "hosmer_lemeshow_p": round(float(chi2.sf(hl, dof)), 4),
        "mean_predicted": round(float(p.mean()), 4),
        "observed_rate": round(float(y.mean()), 4),
        "deciles": table,
    }


def metrics(y: IntArray, p: FloatArray, *, with_calibration: bool = False) -> dict[str, Any]:
    auc = _auc(y, p)
    out: dict[str, Any] = {
        "auc": round(auc, 4),
        "gini": round(2 * auc - 1, 4),
        "ks": round(ks(y, p), 4),
    }
    if with_calibration:
        out["calibration"] = calibration(y, p)
    return out


# ---------------------------------------------------------------- the scorecard


@dataclass
class FittedScorecard:
    card: CompiledScorecard
    selected: list[str]
    iv: dict[str, float] = field(default_factory=dict)

    def predict(self, X: pd.DataFrame) -> FloatArray:
        cols = {c: _column(X[c]) for c in self.card.feature_names if c in X.columns}
        _, pd_ = self.card.score_batch(cols, len(X))
        return pd_


def _column(s: pd.Series) -> Any:
    if _categorical(s):
        return [
            None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in s
        ]
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)


def fit_scorecard(X: pd.DataFrame, y: IntArray, *, min_iv: float = 0.02) -> FittedScorecard:
    """Bin each column by optimal WoE binning, keep informative ones, fit a logistic regression."""
    from optbinning import BinningProcess
    from sklearn.linear_model import LogisticRegression

    cats = [c for c in X.columns if _categorical(X[c])]
    bp = BinningProcess(
        list(X.columns),
        categorical_variables=cats,
        selection_criteria={"iv": {"min": min_iv}},
        min_prebin_size=0.05,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bp.fit(X, y)
        selected = [str(s) for s in bp.get_support(names=True)]
        if not selected:
            raise InvalidInput(
                "no column carries information about the label (all IV below "
                f"{min_iv}); the table cannot make a scorecard",
                field="data",
                code="no_signal",
            )
        woe = bp.transform(X[selected], metric="woe")
    lr = LogisticRegression(max_iter=2000, C=1.0)
    lr.fit(woe.to_numpy(dtype=float), y)
    features = []
    iv = {}
    for j, name in enumerate(selected):
        optb = bp.get_binned_variable(name)
        coef = float(lr.coef_[0][j])
        iv[name] = round(float(optb.binning_table.iv), 4)
        features.append(_compile_variable(str(name), optb, coef, X[name]))
    card = CompiledScorecard(intercept=float(lr.intercept_[0]), features=tuple(features))
    return FittedScorecard(card, selected, iv)


def _compile_variable(name: str, optb: Any, coef: float, column: pd.Series) -> BinnedFeature:
    """Read each bin's WoE back through optbinning's own transform, times the coefficient.

    One probe value per bin, then one for a missing value.
    """
    bins: dict[str, Any]
    if optb.dtype == "categorical":
        groups = [tuple(str(c) for c in g) for g in optb.splits]
        seen = {c for g in groups for c in g}
        others = sorted({str(v) for v in column.dropna().unique()} - seen)
        if others:
            groups.append(tuple(others))
        cat_probes: list[str | None] = [g[0] for g in groups]
        probes = np.asarray([*cat_probes, None], dtype=object)
        bins = {"kind": "categorical", "categories": tuple(groups)}
    else:
        splits = [float(s) for s in optb.splits]
        points: list[float]
        if splits:
            points = [splits[0] - 1.0]
            points += [(a + b) / 2 for a, b in itertools.pairwise(splits)]
            points += [splits[-1] + 1.0]
        else:
            points = [0.0]
        probes = np.asarray([*points, np.nan], dtype=float)
        bins = {"kind": "numeric", "splits": tuple(splits)}
    woe = optb.transform(probes, metric="woe")
    return BinnedFeature(
        name=name,
        **bins,
        logits=tuple(float(coef * w) for w in woe[:-1]),
        missing_logit=float(coef * woe[-1]),
    )


# ---------------------------------------------------------------- the LightGBM challenger


@dataclass
class FittedChallenger:
    booster: Any
    features: list[str]
    categories: dict[str, list[str]]

    def frame(self, X: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=X.index)
        for c in self.features:
            if c in self.categories:
                out[c] = pd.Categorical(X[c].astype(object), categories=self.categories[c])
            else:
                out[c] = pd.to_numeric(X[c], errors="coerce").astype(float)
        return out

    def predict(self, X: pd.DataFrame) -> FloatArray:
        return np.asarray(self.booster.predict(self.frame(X)), dtype=float)

    def contributions(self, X: pd.DataFrame) -> FloatArray:
        """Per-decision contributions to the log-odds (SHAP values), last column the bias."""
        return np.asarray(self.booster.predict(self.frame(X), pred_contrib=True), dtype=float)

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.booster.model_to_string(),
            "features": self.features,
            "categories": self.categories,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> FittedChallenger:
        import lightgbm as lgb

        return cls(lgb.Booster(model_str=d["model"]), d["features"], d["categories"])


def fit_challenger(X: pd.DataFrame, y: IntArray, *, seed: int = 0) -> FittedChallenger:
    import lightgbm as lgb

    cats = {
        c: sorted({str(v) for v in X[c].dropna().unique()}) for c in X.columns if _categorical(X[c])
    }
    ch = FittedChallenger(None, list(X.columns), cats)
    params = {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 8,
        "min_data_in_leaf": 20,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "seed": seed,
        "verbose": -1,
        # One thread: on credit tables of thousands of rows, threads cost more in start-up and
        # waiting than they save (5 to 8 times slower on a busy 2-core machine), and a single
        # thread gives the same trees on any machine.
        "num_threads": 1,
    }
    data = lgb.Dataset(ch.frame(X), label=y, free_raw_data=False)
    ch.booster = lgb.train(params, data, num_boost_round=200)
    return ch


# ---------------------------------------------------------------- validation


def cross_validate(ds: Dataset, folds: int = 5, seed: int = 0) -> dict[str, Any]:
    """Stratified k-fold test metrics of the scorecard and the challenger."""
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(folds, shuffle=True, random_state=seed)
    per: dict[str, list[dict[str, Any]]] = {"scorecard": [], "challenger": []}
    for tr, te in skf.split(ds.X, ds.y):
        Xtr, Xte, ytr, yte = ds.X.iloc[tr], ds.X.iloc[te], ds.y[tr], ds.y[te]
        per["scorecard"].append(metrics(yte, fit_scorecard(Xtr, ytr).predict(Xte)))
        per["challenger"].append(metrics(yte, fit_challenger(Xtr, ytr, seed=seed).predict(Xte)))
    out: dict[str, Any] = {"folds": folds}
    for name, rows in per.items():
        out[name] = {
            f"{m}_mean": round(float(np.mean([r[m] for r in rows])), 4)
            for m in ("auc", "gini", "ks")
        }
        out[name]["auc_std"] = round(float(np.std([r["auc"] for r in rows])), 4)
        out[name]["auc_folds"] = [r["auc"] for r in rows]
    return out


def out_of_time(ds: Dataset, holdout: float = 0.3) -> dict[str, Any]:
    """Train on the earliest rows, validate on the latest (row order if no time column)."""
    order = ds.order if ds.order is not None else np.arange(len(ds.y))
    cut = int(len(order) * (1 - holdout))
    tr, te = order[:cut], order[cut:]
    if len(set(ds.y[te].tolist())) < 2 or len(set(ds.y[tr].tolist())) < 2:
        raise InvalidInput(
            "the out-of-time slice holds one class only; give more data or a time column",
            field="time_column",
        )
    Xtr, Xte = ds.X.iloc[tr], ds.X.iloc[te]
    sc = fit_scorecard(Xtr, ds.y[tr])
    ch = fit_challenger(Xtr, ds.y[tr])
    return {
        "split": "time column" if ds.order is not None else "row order (no time column given)",
        "train_rows": len(tr),
        "test_rows": len(te),
        "scorecard": metrics(ds.y[te], sc.predict(Xte), with_calibration=True),
        "challenger": metrics(ds.y[te], ch.predict(Xte), with_calibration=True),
    }


def reference_distributions(X: pd.DataFrame, scores: FloatArray) -> dict[str, Any]:
    """Bins and shares of every feature and of the score, kept with the model for PSI."""
    out: dict[str, Any] = {"features": {}, "score": {}}
    for c in X.columns:
        if _categorical(X[c]):
            shares = X[c].fillna("__missing__").astype(str).value_counts(normalize=True)
            out["features"][c] = {"kind": "categorical", "shares": shares.round(6).to_dict()}
        else:
            v = pd.to_numeric(X[c], errors="coerce").to_numpy(dtype=float)
            edges = psi_bins(v)
            out["features"][c] = {
                "kind": "numeric",
                "edges": edges,
                "shares": distribution(v, edges),
            }
    edges = psi_bins(scores)
    out["score"] = {"kind": "numeric", "edges": edges, "shares": distribution(scores, edges)}
    return out


@dataclass
class TrainingReport:
    dataset: Dataset
    scorecard: FittedScorecard
    challenger: FittedChallenger
    cv: dict[str, Any]
    oot: dict[str, Any]
    reference: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        ds = self.dataset
        return {
            "target": ds.target,
            "bad_label": ds.bad_label,
            "rows": len(ds.y),
            "bad_rate": round(float(ds.y.mean()), 4),
            "data_hash": ds.data_hash,
            "features": list(ds.X.columns),
            "scorecard_features": self.scorecard.selected,
            "information_value": self.scorecard.iv,
            "cv": self.cv,
            "out_of_time": self.oot,
        }

    def model_card(self, name: str) -> dict[str, Any]:
        s = self.summary()
        return {
            "name": name,
            "intended_use": "probability of default of SMEs for supply chain finance decisions; "
            "reason codes for adverse-action notices",
            "training_data": {
                k: s[k] for k in ("rows", "bad_rate", "data_hash", "target", "bad_label")
            },
            "method": "optimal WoE binning (optbinning) + logistic regression, compiled to points "
            "(600 at 50:1, 20 points to double the odds); challenger LightGBM with SHAP "
            "contributions",
            "validation": {"cross_validated": s["cv"], "out_of_time": s["out_of_time"]},
            "limitations": "validated on the data named by its hash only; monitor PSI per feature "
            "and of the score (alert above 0.25) and re-validate on drift",
        }


def train(
    df: pd.DataFrame,
    target: str,
    *,
    bad_label: str | None = None,
    time_column: str | None = None,
    folds: int = 5,
) -> TrainingReport:
    """Validate, cross-validate, out-of-time validate and fit the final models on all rows."""
    ds = prepare(df, target, bad_label=bad_label, time_column=time_column)
    cv = cross_validate(ds, folds)
    oot = out_of_time(ds)
    sc = fit_scorecard(ds.X, ds.y)
    ch = fit_challenger(ds.X, ds.y)
    cols = {c: _column(ds.X[c]) for c in sc.card.feature_names}
    points, _ = sc.card.score_batch(cols, len(ds.y))
    return TrainingReport(ds, sc, ch, cv, oot, reference_distributions(ds.X, points))


def compare_feature_sets(
    df: pd.DataFrame,
    target: str,
    static: Sequence[str],
    supply_chain: Sequence[str],
    *,
    folds: int = 5,
    seed: int = 0,
) -> dict[str, Any]:
    """Cross-validated AUC of static firm data alone, supply-chain data alone, and both.

    The difference is what the platform's own records add to a bank's view of an SME.
    """
    for col in (*static, *supply_chain):
        if col not in df.columns:
            raise InvalidInput(f"the table has no column {col!r}", field="features")
    if not static or not supply_chain:
        raise InvalidInput("name static and supply-chain feature columns", field="features")
    out: dict[str, Any] = {}
    for name, cols in (
        ("static", list(static)),
        ("supply_chain", list(supply_chain)),
        ("combined", [*static, *supply_chain]),
    ):
        ds = prepare(df[[*cols, target]], target)
        from sklearn.model_selection import StratifiedKFold

        aucs = []
        for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(ds.X, ds.y):
            model = fit_scorecard(ds.X.iloc[tr], ds.y[tr], min_iv=0.0)
            aucs.append(_auc(ds.y[te], model.predict(ds.X.iloc[te])))
        out[name] = {"auc_mean": round(float(np.mean(aucs)), 4), "features": cols}
    out["lift_combined_over_static"] = round(
        out["combined"]["auc_mean"] - out["static"]["auc_mean"], 4
    )
    return out
