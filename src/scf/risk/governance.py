"""Model governance: versions, champion and challenger, population stability, the thresholds.

Training itself (pandas, optbinning, scikit-learn, LightGBM) lives in `scf.risk.training`,
which this module imports only where a report is compared, so that the room loads without it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import func, select

from scf.core.errors import InvalidInput, NotFound, RuleViolation
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.risk import features as F
from scf.risk.config import RiskSettings, risk_settings
from scf.risk.model import ModelStatus, Severity, distribution, psi
from scf.risk.rooms import PLATFORM_ROLES
from scf.risk.signals import Signal, raise_alert
from scf.risk.tables import RiskAlertRow, RiskModelRow, RiskScoreRow, RiskStabilityRow


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
    """Every model version, newest first."""
    return list(uow.session.scalars(select(RiskModelRow).order_by(RiskModelRow.created_at.desc())))


def promote_model(uow: UnitOfWork, model_id: str, status: str) -> RiskModelRow:
    """Make a version champion or challenger; the champion before it retires.

    A champion scores platform enterprises, so every feature it uses must be a registered
    platform feature: a model trained on another table cannot become champion.
    """
    parties.require_role(uow.actor, "operator")
    row = _model(uow, model_id)
    try:
        target = ModelStatus(status)
    except ValueError:
        raise InvalidInput(
            f"unknown status {status!r}; use champion, challenger or retired", field="status"
        ) from None
    if target is ModelStatus.CANDIDATE:
        raise InvalidInput("a model cannot go back to candidate", field="status")
    if target is ModelStatus.CHAMPION:
        _check_champion(row)
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


def _check_champion(row: RiskModelRow) -> None:
    """Refuse a champion that is no explainable scorecard or uses no platform features."""
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


def _model(uow: UnitOfWork, model_id: str) -> RiskModelRow:
    row = uow.session.get(RiskModelRow, model_id)
    if row is None:
        raise NotFound(f"model {model_id} not found")
    return row


def stability_report(
    uow: UnitOfWork, model_id: str, current: Mapping[str, Sequence[Any]], scores: Sequence[float]
) -> dict[str, Any]:
    """PSI of each feature and of the score against the training population; alert above the
    threshold (0.25 by default) for the regulator and the operator."""
    parties.require_role(uow.actor, *PLATFORM_ROLES)
    row = _model(uow, model_id)
    threshold = risk_settings().psi_alert
    result = _population_shift(row.reference, current, scores)
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
        raise_alert(
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


def _population_shift(
    ref: Mapping[str, Any], current: Mapping[str, Sequence[Any]], scores: Sequence[float]
) -> dict[str, float]:
    """PSI of each feature in the training reference, and of the score (`__score__`)."""
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
    return result


def supply_chain_uplift(table: Any, target: str) -> dict[str, Any]:
    """AUC of supply-chain and graph features against static firm data alone (labelled table)."""
    from scf.risk.training import compare_feature_sets

    static = [c for c in F.names("static") if c in table.columns]
    supply = [c for c in (*F.names("supply_chain"), *F.names("graph")) if c in table.columns]
    return compare_feature_sets(table, target, static, supply)


def current_settings() -> RiskSettings:
    """The risk room's thresholds (cycle window, shell indicators ...) for other rooms' reports."""
    return risk_settings()


def counts(uow: UnitOfWork) -> dict[str, int]:
    """How many scores, alerts and model versions the room holds."""
    s = uow.session
    return {
        "scores": s.scalar(select(func.count()).select_from(RiskScoreRow)) or 0,
        "alerts": s.scalar(select(func.count()).select_from(RiskAlertRow)) or 0,
        "models": s.scalar(select(func.count()).select_from(RiskModelRow)) or 0,
    }
