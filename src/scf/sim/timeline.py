"""The simulated year: its months on the calendar, the season of orders and the holiday.

A `Timeline` maps the simulator's month indexes (0 is the first) onto the twelve months (or
however many) that end on its last day: month `i` ends on the same day of the month as the
last day, `months - 1 - i` months before it (the 31st falls back to a shorter month's last
day), and starts the day after the month before it ends. Ending on 31 December 2025, the
default, the months are the calendar months of 2025, which the evaluation and the
benchmarks use so that a seed always gives the same set; `Timeline.ending(as_of)` is what the
demo uses, so that its data is as of the day it runs.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import numpy as np

from scf.core.calendar_rules import lunar_date

DEFAULT_END = date(2025, 12, 31)
# Orders by calendar month: stocking up before Chinese New Year (late January or February),
# the holiday trough in February, and the year-end peak.
SEASON = np.array([1.25, 0.55, 0.95, 1.0, 1.0, 0.95, 0.95, 1.0, 1.05, 1.0, 1.1, 1.2])
# Most of the Spring Festival's days move to just after it: from its eve to the sixth day.
HOLIDAY_BEFORE, HOLIDAY_AFTER = 1, 6


def _months_from(d: date, n: int) -> date:
    """The day `n` months from `d` (its day of the month, or the shorter month's last)."""
    k = d.year * 12 + d.month - 1 + n
    y, m = k // 12, k % 12 + 1
    return date(y, m, min(d.day, _cal.monthrange(y, m)[1]))


@dataclass(frozen=True)
class Timeline:
    """The simulated months on the calendar: `months` months ending on `end`."""

    end: date  # the last simulated day (the platform's "today" after loading)
    months: int = 12

    def __post_init__(self) -> None:
        if self.months < 1:
            raise ValueError("a timeline has a month or more")

    @classmethod
    def default(cls, months: int = 12) -> Timeline:
        """The calendar months of 2025 (the first `months` of them)."""
        return cls(DEFAULT_END, 12).cut(months)

    @classmethod
    def ending(cls, as_of: date, months: int = 12) -> Timeline:
        """The `months` months that end on `as_of`."""
        return cls(as_of, months)

    def cut(self, months: int) -> Timeline:
        """The first `months` months of this timeline."""
        return Timeline(self.month_end(months - 1), months)

    @property
    def start(self) -> date:
        """The first simulated day."""
        return self.month_start(0)

    def month_end(self, i: int) -> date:
        """Return the last day of simulated month `i` (any `i`, before or after the year)."""
        return _months_from(self.end, i - (self.months - 1))

    def month_start(self, i: int) -> date:
        return self.month_end(i - 1) + timedelta(days=1)

    def month_of(self, d: date) -> int:
        """Return the index of the simulated month that `d` falls in (0 is the first)."""
        i = (d.year - self.end.year) * 12 + d.month - self.end.month + self.months - 1
        return i + 1 if d > self.month_end(i) else i

    def season(self, m: int) -> float:
        """How busy month `m` is against an average month, by the calendar month most of its
        days fall in."""
        return float(SEASON[(self.month_start(m) + timedelta(days=15)).month - 1])

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
                after = hi + timedelta(days=int(rng.integers(1, 10)))
                d = after if after <= self.end else d  # the year ends in the holiday
        return d

    def day_in(self, rng: np.random.Generator, m: int) -> date:
        """Draw any simulated day of month `m` (holidays included)."""
        first = self.month_start(m)
        days = (self.month_end(m) - first).days + 1
        return first + timedelta(days=int(rng.integers(days)))
