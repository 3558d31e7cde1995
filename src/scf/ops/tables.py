"""Database mapping of the scheduler's jobs: when each last ran, and which scheduler ran it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, JSONType, UTCDateTime


class SchedulerJobRow(Base):
    """One scheduled job: its last run, by whom, with what result, and how many runs so far."""

    __tablename__ = "ops_scheduler_jobs"
    __classification__ = classes(
        "run each scheduled job once, by one leader",
        internal="name last_run_at last_holder last_result runs",
    )

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_holder: Mapped[str] = mapped_column(String(120))
    last_result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    runs: Mapped[int] = mapped_column(BigInteger)
