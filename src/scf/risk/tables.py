"""Database mapping of model versions, scores, limits, alerts and stability reports."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, BigIntPK, JSONType, UTCDateTime
from scf.core.money import Money


class RiskModelRow(Base):
    """A model version: what it learned from (data hash), how it did, and who may use it."""

    __tablename__ = "risk_models"
    __classification__ = classes(
        "score credit with a governed, reviewed model",
        internal=(
            "id name kind status data_hash features metrics model_card reference artifact "
            "created_at promoted_at version"
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # scorecard | lightgbm
    status: Mapped[str] = mapped_column(String(20), index=True)
    data_hash: Mapped[str] = mapped_column(String(64))
    features: Mapped[list[str]] = mapped_column(JSONType)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType)
    model_card: Mapped[dict[str, Any]] = mapped_column(JSONType)
    reference: Mapped[dict[str, Any]] = mapped_column(JSONType)
    artifact: Mapped[str] = mapped_column(Text)  # JSON: compiled scorecard or LightGBM model text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "data_hash": self.data_hash,
            "features": list(self.features),
            "metrics": self.metrics,
            "model_card": self.model_card,
            "created_at": self.created_at.isoformat(),
            "promoted_at": self.promoted_at.isoformat() if self.promoted_at else None,
        }


class RiskScoreRow(Base):
    __tablename__ = "risk_scores"
    __classification__ = classes(
        "explain credit decisions and monitor enterprises",
        internal="id org_id",
        confidential="at score grade pd model_version reasons features",
    )
    __table_args__ = (Index("ix_risk_scores_org_at", "org_id", "at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(4))
    pd: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(60))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    features: Mapped[dict[str, Any]] = mapped_column(JSONType)


class RiskLimitRow(Base):
    __tablename__ = "risk_limits"
    __classification__ = classes(
        "limit the platform's exposure to each enterprise",
        internal="org_id updated_at version",
        confidential="limit_minor currency exposure_minor grade cut basis",
    )

    org_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    limit_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    exposure_minor: Mapped[int] = mapped_column(BigInteger)
    grade: Mapped[str] = mapped_column(String(4))
    cut: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    basis: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def limit(self) -> Money | None:
        return None if self.limit_minor is None else Money(self.limit_minor, self.currency)

    def snapshot(self) -> dict[str, Any]:
        return {
            "org_id": self.org_id,
            "limit": self.limit.as_json() if self.limit else None,
            "exposure": Money(self.exposure_minor, self.currency).as_json(),
            "grade": self.grade,
            "cut": str(self.cut),
            "basis": self.basis,
        }


class RiskAlertRow(Base):
    __tablename__ = "risk_alerts"
    __classification__ = classes(
        "tell the regulator and institutions about risk signals",
        internal="id org_id version",
        confidential=(
            "kind severity status summary evidence audience raised_at resolved_at resolution"
        ),
    )
    __table_args__ = (
        Index("ix_risk_alerts_org_status", "org_id", "status"),
        # One open alert per enterprise and signal, even when the follower and an evaluate
        # call race: the loser's transaction fails and changes nothing.
        Index(
            "uq_risk_alerts_open_signal",
            "org_id",
            "kind",
            unique=True,
            sqlite_where=text("status = 'open' AND org_id IS NOT NULL"),
            postgresql_where=text("status = 'open' AND org_id IS NOT NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(500))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType)
    audience: Mapped[list[str]] = mapped_column(JSONType)  # institutions told besides the regulator
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org_id": self.org_id,
            "kind": self.kind,
            "severity": self.severity,
            "status": self.status,
            "summary": self.summary,
            "evidence": self.evidence,
            "audience": list(self.audience),
            "raised_at": self.raised_at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "resolution": self.resolution,
        }


class RiskStabilityRow(Base):
    """One PSI figure of a model: per feature, and for the score (feature '__score__')."""

    __tablename__ = "risk_stability"
    __classification__ = classes(
        "watch the model's features drift (PSI)",
        internal="id model_id at feature psi alert",
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    model_id: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    feature: Mapped[str] = mapped_column(String(120))
    psi: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    alert: Mapped[bool] = mapped_column(Boolean)


class RiskFollowerRow(Base):
    """Where the risk follower stands in the audit log: the last entry it handled, and the
    ids below that it has not seen yet (a transaction that drew a lower id may still commit),
    each with the time it was first missed."""

    __tablename__ = "risk_follower"
    __classification__ = classes(
        "follow the audit log from where it stopped",
        internal="name last_id gaps entries updated_at version",
    )

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    gaps: Mapped[dict[str, str]] = mapped_column(JSONType)
    entries: Mapped[int] = mapped_column(BigInteger)  # audit entries handled so far
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
