"""Scores: the champion scorecard, scoring one enterprise or many, and the stored scores."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, insert, select

from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.risk import features as F
from scf.risk.derived import derived_graphs
from scf.risk.inputs import inputs_of
from scf.risk.model import CompiledScorecard, ModelStatus, ScoreResult, grade_for
from scf.risk.rooms import CREDIT, org_or_404
from scf.risk.tables import RiskModelRow, RiskScoreRow


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
    org = org_or_404(uow, org_id)
    parties.authorize_read(uow, org_id, CREDIT, f"risk/scores/{org_id}")
    feats = F.compute_features(inputs_of(uow, org, derived_graphs(uow)))
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
    """The enterprise's stored scores, newest first."""
    org_or_404(uow, org_id)
    parties.authorize_read(uow, org_id, CREDIT, f"risk/scores/{org_id}/history")
    return list(uow.session.scalars(_latest_scores(org_id).limit(limit)))


def latest_score(uow: UnitOfWork, org_id: str) -> RiskScoreRow | None:
    """The enterprise's last stored score, without access checks (the room's own rules)."""
    return uow.session.scalar(_latest_scores(org_id).limit(1))


def _latest_scores(org_id: str) -> Select[RiskScoreRow]:
    return (
        select(RiskScoreRow)
        .where(RiskScoreRow.org_id == org_id)
        .order_by(RiskScoreRow.at.desc(), RiskScoreRow.id.desc())
    )
