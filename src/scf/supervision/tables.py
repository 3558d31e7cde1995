"""Database mapping of the regulator's alert cases, the official calendars loaded and the
event counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, JSONType, UTCDateTime


class AlertCaseRow(Base):
    """The regulator's handling of one alert raised by a room: keyed by source and alert id."""

    __tablename__ = "sup_alert_cases"
    __classification__ = classes(
        "handle alerts in the regulator's workflow",
        internal="id alert_id version",
        confidential="source status opened_at assigned_at resolved_at resolution",
        personal="assignee notes",
    )
    __table_args__ = (UniqueConstraint("source", "alert_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    alert_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), index=True)
    assignee: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(1000))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "alert_id": self.alert_id,
            "status": self.status,
            "assignee": self.assignee,
            "notes": list(self.notes),
            "resolution": self.resolution,
        }


class CalendarLoadRow(Base):
    """One official holiday schedule loaded, and every stored date it moved or would have.

    Each load raises one alert in the regulator's inbox (source `calendar`).
    """

    __tablename__ = "sup_calendar_loads"
    __classification__ = classes(
        "show which official calendar moved which stored dates",
        internal="id year reference file_name replaced changed_days dates loaded_at",
        personal="loaded_by",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    reference: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(255))
    replaced: Mapped[str] = mapped_column(String(20))  # the source that decided the year
    changed_days: Mapped[list[str]] = mapped_column(JSONType)
    dates: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    loaded_by: Mapped[str] = mapped_column(String(120))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class EventCountRow(Base):
    """How many audit entries of one action the platform recorded on one day (Beijing time),
    counted by the `counters` consumer of the event stream (scf.supervision.counters)."""

    __tablename__ = "sup_event_counts"
    __classification__ = classes(
        "count the platform's activity per day for supervision",
        internal="day action count",
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    action: Mapped[str] = mapped_column(String(80), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


class ExchangeBatchRow(Base):
    """One file exchanged with another department (imported or exported), with its digest."""

    __tablename__ = "sup_exchange_batches"
    __classification__ = classes(
        "trace every file exchanged with other departments by its digest",
        internal="id source direction file_name sha256 records by_user at",
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), index=True)  # market, lists
    direction: Mapped[str] = mapped_column(String(6))  # in, out
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    records: Mapped[int] = mapped_column(Integer)
    by_user: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "direction": self.direction,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "records": self.records,
        }


class ExchangeAlertRow(Base):
    """An alert a department's change raised: a related-party group changed, an enterprise
    deregistered or put on the abnormal operation list (source `sharing` in the inbox)."""

    __tablename__ = "sup_exchange_alerts"
    __classification__ = classes(
        "alert on changes other departments sent",
        internal="id batch_id org_id kind severity raised_at",
        confidential="summary evidence",
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(40), index=True)
    org_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(String(500))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
