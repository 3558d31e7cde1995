"""Database mapping of data governance: retention periods set by the operator, legal holds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, JSONType, UTCDateTime


class RetentionPeriodRow(Base):
    """The operator's retention period of one kind of record (the rule's default otherwise)."""

    __tablename__ = "gov_retention_periods"
    __classification__ = classes(
        "keep each kind of record as long as the operator set, never below the law's minimum",
        internal="kind version set_by",
        confidential="days set_at",
    )

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(40))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        return {"kind": self.kind, "days": self.days}


class LegalHoldRow(Base):
    """A hold on an organization's records: nothing of it is purged while the hold stands."""

    __tablename__ = "gov_legal_holds"
    __classification__ = classes(
        "keep records a court, the regulator or an investigation needs past their retention",
        internal="id org_id version placed_by",
        confidential="reason authority placed_at lifted_at lifted_reason",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    authority: Mapped[str] = mapped_column(String(120))
    placed_by: Mapped[str] = mapped_column(String(40))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org_id": self.org_id,
            "reason": self.reason,
            "authority": self.authority,
            "lifted_at": self.lifted_at.isoformat() if self.lifted_at else None,
            "lifted_reason": self.lifted_reason,
        }


class CorrectionRequestRow(Base):
    """An organization's request that the operator correct a field of its record (PIPL art. 46)."""

    __tablename__ = "gov_correction_requests"
    __classification__ = classes(
        "correct what the platform holds on an organization when it asks (PIPL art. 46)",
        internal="id org_id requested_by decided_by version",
        confidential="field status reason requested_at decided_at decision_note",
        personal={
            "current_value": "the value as held when the correction was asked (may be a phone)",
            "requested_value": "the value asked for (may be a phone or an address)",
        },
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(40), index=True)
    field: Mapped[str] = mapped_column(String(40))
    current_value: Mapped[str] = mapped_column(String(300))
    requested_value: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), index=True)
    requested_by: Mapped[str] = mapped_column(String(40))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org_id": self.org_id,
            "field": self.field,
            "current_value": self.current_value,
            "requested_value": self.requested_value,
            "reason": self.reason,
            "status": self.status,
            "requested_at": self.requested_at.isoformat(),
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decision_note": self.decision_note,
        }


class QualityResultRow(Base):
    """One data-quality check's result in one run: records looked at, failing, examples."""

    __tablename__ = "gov_quality_results"
    __classification__ = classes(
        "show the operator and the regulator how complete, valid, consistent and timely the "
        "platform's records are, and alert when a check falls below its threshold",
        internal="id run_id run_no check source dimension version",
        confidential="total failing score threshold alert examples run_at",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(40))
    run_no: Mapped[int] = mapped_column(Integer, index=True)
    check: Mapped[str] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(30))
    dimension: Mapped[str] = mapped_column(String(20))
    total: Mapped[int] = mapped_column(Integer)
    failing: Mapped[int] = mapped_column(Integer)
    score: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    threshold: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    alert: Mapped[bool] = mapped_column(Boolean)
    examples: Mapped[list[dict[str, str]]] = mapped_column(JSONType)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "source": self.source,
            "dimension": self.dimension,
            "total": self.total,
            "failing": self.failing,
            "score": str(self.score),
            "threshold": str(self.threshold),
            "alert": self.alert,
            "examples": self.examples,
            "run_at": self.run_at.isoformat(),
        }
