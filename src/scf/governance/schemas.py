"""Answer models of data governance's newer operations (data quality)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from scf.core.schema import Answer


class QualityExampleOut(Answer):
    id: str = Field(description="the failing record (or enterprise) id")
    why: str


class QualityResultOut(Answer):
    check: str
    source: str = Field(description="the room whose records the check reads")
    dimension: str = Field(description="completeness, validity, consistency or timeliness")
    description: str
    total: int = Field(description="records looked at")
    failing: int
    score: str = Field(description="the share of records that pass, 0 to 1")
    threshold: str = Field(description="the least share that must pass")
    alert: bool = Field(description="the score is below the threshold")
    examples: list[QualityExampleOut]
    run_at: datetime


class QualityRunOut(Answer):
    results: list[QualityResultOut]
    alerts: int
