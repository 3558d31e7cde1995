"""Database mappings of the institutions room: units, officers, authority, decisions,
tolerances and their alerts, exemptions, the regulator's indicator sets and assessments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, JSONType, UTCDateTime

RATIO = Numeric(12, 8)


class UnitRow(Base):
    """An institution's supply chain finance unit: a department, a branch or a subsidiary."""

    __tablename__ = "inst_units"
    __classification__ = classes(
        "publish an institution's supply chain finance units and whom they serve",
        public="name kind districts chains nationwide",
        internal="id org_id created_at version",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    districts: Mapped[list[str]] = mapped_column(JSONType)
    chains: Mapped[list[str]] = mapped_column(JSONType)
    nationwide: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class OfficerRow(Base):
    """A user of the institution named to a unit as an officer (with a grade) or reviewer."""

    __tablename__ = "inst_officers"
    __classification__ = classes(
        "know a unit's officers, their grades and reviewers",
        internal="id unit_id user_id role grade added_at",
        personal="username",
    )
    __table_args__ = (UniqueConstraint("unit_id", "user_id", "role"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[str] = mapped_column(String(40), index=True)
    username: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    grade: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UnitProductRow(Base):
    """A financing product of the institution and the unit it belongs to."""

    __tablename__ = "inst_unit_products"
    __classification__ = classes(
        "know which unit of an institution a product belongs to",
        internal="product_id unit_id org_id assigned_at",
    )

    product_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(40), index=True)
    org_id: Mapped[str] = mapped_column(String(40), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuthorityRow(Base):
    """One version of a unit's decision authority over a product: amount bands (tenor, grade,
    exceptions) and the amount above which a second officer approves."""

    __tablename__ = "inst_authorities"
    __classification__ = classes(
        "enforce who in a unit may approve what",
        internal="id unit_id product_id revision set_by set_at",
        confidential="currency bands second_above_minor",
    )
    __table_args__ = (UniqueConstraint("unit_id", "product_id", "revision"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(40), index=True)
    product_id: Mapped[str] = mapped_column(String(40), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    bands: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    second_above_minor: Mapped[int] = mapped_column(BigInteger)
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DecisionRow(Base):
    """An institution's decision on an application: who approved it under which authority."""

    __tablename__ = "inst_decisions"
    __classification__ = classes(
        "record who decided a financing under which authority",
        internal=(
            "id application_id org_id unit_id product_id authority_id status flagged offer_id "
            "created_at decided_at version"
        ),
        confidential="currency amount_minor tenor_days approvals",
    )
    __table_args__ = (UniqueConstraint("application_id", "org_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(40), index=True)
    org_id: Mapped[str] = mapped_column(String(40), index=True)
    unit_id: Mapped[str] = mapped_column(String(40), index=True)
    product_id: Mapped[str] = mapped_column(String(40))
    authority_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    tenor_days: Mapped[int] = mapped_column(Integer)
    flagged: Mapped[list[str]] = mapped_column(JSONType)
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    offer_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ToleranceRow(Base):
    """The NPL ratio a unit tolerates, on one product or (product '') on the whole unit."""

    __tablename__ = "inst_tolerances"
    __classification__ = classes(
        "track a unit's tolerated non-performing-loan ratio",
        internal="id unit_id product_key set_by set_at version",
        confidential="ratio",
    )
    __table_args__ = (UniqueConstraint("unit_id", "product_key"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(40), index=True)
    product_key: Mapped[str] = mapped_column(String(40))
    ratio: Mapped[Decimal] = mapped_column(RATIO)
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class NplAlertRow(Base):
    """A unit (or one of its products) near or past its tolerated NPL ratio; resolved when it
    is back within."""

    __tablename__ = "inst_npl_alerts"
    __classification__ = classes(
        "alert a unit nearing or past its NPL tolerance",
        internal="id org_id unit_id product_key state raised_at resolved_at",
        confidential="evidence",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(40), index=True)
    unit_id: Mapped[str] = mapped_column(String(40), index=True)
    product_key: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExemptionRow(Base):
    """An officer's filing for due-diligence exemption (尽职免责) on a defaulted financing, the
    record assembled at filing, and the unit reviewer's decision with its reasons."""

    __tablename__ = "inst_exemptions"
    __classification__ = classes(
        "decide due-diligence exemptions on defaulted financings",
        internal=(
            "id application_id org_id unit_id decision_id officer_user_id status filed_at "
            "decided_at version"
        ),
        personal="officer_username reviewer_username",
        confidential="reasons record review_reasons",
    )
    __table_args__ = (UniqueConstraint("application_id", "officer_user_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(40), index=True)
    org_id: Mapped[str] = mapped_column(String(40), index=True)
    unit_id: Mapped[str] = mapped_column(String(40), index=True)
    decision_id: Mapped[str] = mapped_column(String(40))
    officer_user_id: Mapped[str] = mapped_column(String(40))
    officer_username: Mapped[str] = mapped_column(String(80))
    reasons: Mapped[str] = mapped_column(Text)
    record: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), index=True)
    reviewer_username: Mapped[str | None] = mapped_column(String(80))
    review_reasons: Mapped[str | None] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class IndicatorSetRow(Base):
    """One version of the regulator's indicators and weights (they add up to 1)."""

    __tablename__ = "inst_indicator_sets"
    __classification__ = classes(
        "measure institutions by the regulator's indicators and weights",
        internal="id revision indicators note created_by created_at",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, unique=True)
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    note: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AssessmentRow(Base):
    """The regulator's assessment of every institution in one quarter under one indicator set."""

    __tablename__ = "inst_assessments"
    __classification__ = classes(
        "run the regulator's quarterly assessment of institutions",
        internal="id quarter indicator_set_id revision computed_by computed_at",
    )
    __table_args__ = (UniqueConstraint("quarter", "indicator_set_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    indicator_set_id: Mapped[str] = mapped_column(String(40))
    revision: Mapped[int] = mapped_column(Integer)
    computed_by: Mapped[str] = mapped_column(String(80))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ScoreRow(Base):
    """One institution's score, rank and breakdown in an assessment."""

    __tablename__ = "inst_scores"
    __classification__ = classes(
        "score and rank institutions in the regulator's assessment",
        internal="id assessment_id org_id",
        confidential="score rank breakdown",
    )
    __table_args__ = (UniqueConstraint("assessment_id", "org_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    assessment_id: Mapped[str] = mapped_column(String(40), index=True)
    org_id: Mapped[str] = mapped_column(String(40), index=True)
    score: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    rank: Mapped[int] = mapped_column(Integer)
    breakdown: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)


class TargetRow(Base):
    """An institution's target for one of its units on one indicator, per month or quarter."""

    __tablename__ = "inst_targets"
    __classification__ = classes(
        "assess a unit against its institution's targets",
        internal="id unit_id period_kind indicator set_at version",
        confidential="target",
    )
    __table_args__ = (UniqueConstraint("unit_id", "period_kind", "indicator"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(40), index=True)
    period_kind: Mapped[str] = mapped_column(String(10))
    indicator: Mapped[str] = mapped_column(String(40))
    target: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
