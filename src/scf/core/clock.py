"""An injectable clock that only ever gives timezone-aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock for tests and simulations that moves only when told."""

    def __init__(self, at: datetime) -> None:
        self._at = ensure_utc(at)

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return self._at.date()

    def set(self, at: datetime) -> None:
        self._at = ensure_utc(at)

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta


def ensure_utc(dt: datetime) -> datetime:
    """Refuse naive datetimes; convert aware ones to UTC."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: the platform stores timezone-aware UTC only")
    return dt.astimezone(UTC)
