"""The simulated year: its months on the calendar, the season of orders and the holiday.

A `Timeline` maps the simulator's month indexes (0 is the first) onto calendar months. The
default one is the calendar year 2025, which the evaluation and the benchmarks use so that a
seed always gives the same set; `Timeline.ending(as_of)` puts the months on the twelve
calendar months that end on `as_of` (the last one cut at that day), which the demo uses so
that its data is as of the day it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import numpy as np

from scf.core.calendar_rules import lunar_date

DEFAULT_START = date(2025, 1, 1)
# Orders by calendar month: stocking up before Chinese New Year (late January or February),
# the holiday trough in February, and the year-end peak.
SEASON = np.array([1.25, 0.55, 0.95, 1.0, 1.0, 0.95, 0.95, 1.0, 1.05, 1.0, 1.1, 1.2])
# Most of the Spring Festival's days move to just after it: from its eve to the sixth day.
HOLIDAY_BEFORE, HOLIDAY_AFTER = 1, 6


def _add_months(d: date, n: int) -> date:
    """The first day of the month `n` months after the month of `d`."""
    k = d.year * 12 + d.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


@dataclass(frozen=True)
class Timeline:
    """The simulated months on the calendar: `months` months from `start`, ending at `end`."""

    start: date  # the first day of the first month
    months: int
    end: date  # the last simulated day (the platform's "today" after loading)

    def __post_init__(self) -> None:
        if self.start.day != 1 or self.months < 1:
            raise ValueError("a timeline starts on a month's first day and has a month or more")
        last = _add_months(self.start, self.months - 1)
        if not last <= self.end < _add_months(self.start, self.months):
            raise ValueError(f"the last simulated day {self.end} is not in the last month")

    @classmethod
    def calendar_year(cls, months: int = 12, start: date = DEFAULT_START) -> Timeline:
        """Whole calendar months from `start` (the default: the year 2025)."""
        return cls(start, months, _add_months(start, months) - timedelta(days=1))

    @classmethod
    def ending(cls, as_of: date, months: int = 12) -> Timeline:
        """The `months` calendar months whose last one ends (cut short) on `as_of`."""
        return cls(_add_months(as_of, -(months - 1)), months, as_of)

    def month_of(self, d: date) -> int:
        """Return the index of the simulated month that `d` falls in (0 is the first)."""
        return (d.year - self.start.year) * 12 + d.month - self.start.month

    def month_start(self, i: int) -> date:
        return _add_months(self.start, i)

    def month_end(self, i: int) -> date:
        """Return the last simulated day of month `i` (the last month ends at `end`)."""
        if i == self.months - 1:
            return self.end
        return _add_months(self.start, i + 1) - timedelta(days=1)

    def season(self, m: int) -> float:
        """How busy month `m` is against an average month, by its calendar month; a last
        month cut short gets the share of its days."""
        first = self.month_start(m)
        busy = float(SEASON[first.month - 1])
        if m == self.months - 1:
            days = (self.end - first).days + 1
            whole = (_add_months(first, 1) - first).days
            if days < whole:
                busy = busy * days / whole
        return busy

    def season_total(self) -> float:
        return sum(self.season(m) for m in range(self.months))

    @cached_property
    def _holidays(self) -> tuple[tuple[date, date], ...]:
        years = range(self.start.year, self.end.year + 1)
        return tuple(
            (
                lunar_date(y, 1, 1) - timedelta(days=HOLIDAY_BEFORE),
                lunar_date(y, 1, 1) + timedelta(days=HOLIDAY_AFTER),
            )
            for y in years
        )

    def date_in(self, rng: np.random.Generator, m: int) -> date:
        """Draw a day of month `m`, most of the holiday's days moved to just after it."""
        d = self.day_in(rng, m)
        for lo, hi in self._holidays:
            if lo <= d <= hi and rng.random() < 0.85:
                d = hi + timedelta(days=int(rng.integers(1, 10)))
        return min(d, self.end)

    def day_in(self, rng: np.random.Generator, m: int) -> date:
        """Draw any simulated day of month `m` (holidays included)."""
        first = self.month_start(m)
        days = (self.month_end(m) - first).days + 1
        return first + timedelta(days=int(rng.integers(days)))
