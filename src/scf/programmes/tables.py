"""Database mappings of the programmes room: parks, their members and scenarios; incentive
programmes, their versioned rules, and applications with their awards and payments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, JSONType, UTCDateTime
from scf.core.money import Money


class ParkRow(Base):
    """A characteristic supply chain finance park of a district, run by an operator."""

    __tablename__ = "prg_parks"
    __classification__ = classes(
        "publish a district's supply chain finance parks",
        public="name district chains established_on",
        internal="id operator_org_id created_at version",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    district: Mapped[str] = mapped_column(String(20), index=True)
    operator_org_id: Mapped[str] = mapped_column(String(40), index=True)
    chains: Mapped[list[str]] = mapped_column(JSONType)
    established_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "district": self.district,
            "operator_org_id": self.operator_org_id,
            "chains": list(self.chains),
            "established_on": self.established_on.isoformat(),
        }


class ParkMemberRow(Base):
    """An enterprise's or institution's membership of a park, from joining to leaving."""

    __tablename__ = "prg_park_members"
    __classification__ = classes(
        "know a park's member enterprises and institutions and when they joined",
        internal="id park_id org_id kind joined_on left_on created_at version",
    )
    __table_args__ = (Index("ix_prg_park_members_pair", "park_id", "org_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("prg_parks.id"), index=True)
    org_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "park_id": self.park_id,
            "org_id": self.org_id,
            "kind": self.kind,
            "joined_on": self.joined_on.isoformat(),
            "left_on": self.left_on.isoformat() if self.left_on else None,
        }


class ParkScenarioRow(Base):
    """A financing scenario a park enabled on a day (the work objectives count them by year)."""

    __tablename__ = "prg_park_scenarios"
    __classification__ = classes(
        "know which scenarios a park has enabled",
        public="scenario enabled_on",
        internal="id park_id created_at",
    )
    __table_args__ = (UniqueConstraint("park_id", "scenario"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("prg_parks.id"), index=True)
    scenario: Mapped[str] = mapped_column(String(40))
    enabled_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "park_id": self.park_id,
            "scenario": self.scenario,
            "enabled_on": self.enabled_on.isoformat(),
        }


class ProgrammeRow(Base):
    """An incentive programme: its kind, budget and period, and the version of its rules in
    force (each edit of the rules is a new `ProgrammeRulesRow`)."""

    __tablename__ = "prg_programmes"
    __classification__ = classes(
        "run an incentive programme within its budget",
        public="name kind district starts_on ends_on",
        internal="id rules_version created_at version",
        confidential="budget_minor currency committed_minor paid_minor",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    district: Mapped[str | None] = mapped_column(String(20))  # None: the city's
    budget_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    rules_version: Mapped[int] = mapped_column(Integer)
    # Awards approved (paid or not) and payments made: kept on the row so that two reviewers
    # approving at once collide on its version instead of overrunning the budget together.
    committed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def budget(self) -> Money:
        return Money(self.budget_minor, self.currency)

    @property
    def committed(self) -> Money:
        return Money(self.committed_minor, self.currency)

    @property
    def paid(self) -> Money:
        return Money(self.paid_minor, self.currency)

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "district": self.district,
            "budget": self.budget.as_json(),
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "rules_version": self.rules_version,
            "committed": self.committed.as_json(),
            "paid": self.paid.as_json(),
        }


class ProgrammeRulesRow(Base):
    """One version of a programme's rules: eligibility and amount in the expression language."""

    __tablename__ = "prg_programme_rules"
    __classification__ = classes(
        "apply an incentive programme's published rules",
        public="eligibility amount indicators",
        internal="id programme_id number created_by created_at",
    )
    __table_args__ = (UniqueConstraint("programme_id", "number"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("prg_programmes.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    eligibility: Mapped[str] = mapped_column(String(1000))
    amount: Mapped[str] = mapped_column(String(1000))
    indicators: Mapped[list[str]] = mapped_column(JSONType)
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "programme_id": self.programme_id,
            "number": self.number,
            "eligibility": self.eligibility,
            "amount": self.amount,
            "indicators": list(self.indicators),
        }


class AwardApplicationRow(Base):
    """An application to a programme: the evidence the platform assembled, the amount its rules
    computed, the reviewer's decision and the payment against the budget."""

    __tablename__ = "prg_applications"
    __classification__ = classes(
        "review and pay award applications against the budget",
        internal=(
            "id programme_id rules_number applicant_org_id status reviewer_user_id decided_at "
            "created_at version"
        ),
        confidential=(
            "evidence eligible computed_minor awarded_minor paid_minor currency note "
            "payment_reference paid_at"
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("prg_programmes.id"), index=True)
    rules_number: Mapped[int] = mapped_column(Integer)
    applicant_org_id: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType)
    eligible: Mapped[bool] = mapped_column(Boolean)
    computed_minor: Mapped[int] = mapped_column(BigInteger)
    awarded_minor: Mapped[int | None] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str] = mapped_column(String(1000), default="")
    reviewer_user_id: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_reference: Mapped[str | None] = mapped_column(String(60))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        def money(minor: int | None) -> dict[str, str] | None:
            return Money(minor, self.currency).as_json() if minor is not None else None

        return {
            "id": self.id,
            "programme_id": self.programme_id,
            "rules_number": self.rules_number,
            "applicant_org_id": self.applicant_org_id,
            "status": self.status,
            "eligible": self.eligible,
            "computed": money(self.computed_minor),
            "awarded": money(self.awarded_minor),
            "paid": money(self.paid_minor),
            "note": self.note,
            "payment_reference": self.payment_reference,
        }
