"""Database mapping of the regulator's alert cases (the workflow over every room's alerts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.db import Base, JSONType, UTCDateTime


class AlertCaseRow(Base):
    """The regulator's handling of one alert raised by a room: keyed by source and alert id."""

    __tablename__ = "sup_alert_cases"
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
