"""The simulated year: its first day, its months, the season of orders and the holiday."""

from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta

import numpy as np

from scf.sim.model import Size

START = date(2025, 1, 1)
CNY_HOLIDAY = (date(2025, 1, 28), date(2025, 2, 4))
# Orders by calendar month: stocking up before Chinese New Year (29 January 2025), the
# holiday trough in February, and the year-end peak.
SEASON = np.array([1.25, 0.55, 0.95, 1.0, 1.0, 0.95, 0.95, 1.0, 1.05, 1.0, 1.1, 1.2])


def month_of(d: date) -> int:
    """Return the index of the simulated month that `d` falls in (0 is the first)."""
    return (d.year - START.year) * 12 + d.month - START.month


def month_start(i: int) -> date:
    return date(START.year + (START.month - 1 + i) // 12, (START.month - 1 + i) % 12 + 1, 1)


def month_end(i: int) -> date:
    """Return the last day of simulated month `i`."""
    return month_start(i + 1) - timedelta(days=1)


def end_of(size: Size) -> date:
    """The last simulated day (the platform's 'today' after loading)."""
    return month_end(size.months - 1)


def date_in(rng: np.random.Generator, m: int) -> date:
    """Draw a day of month `m`, most of the holiday's days moved to just after it."""
    first = month_start(m)
    days = _cal.monthrange(first.year, first.month)[1]
    d = first + timedelta(days=int(rng.integers(days)))
    if CNY_HOLIDAY[0] <= d <= CNY_HOLIDAY[1] and rng.random() < 0.85:
        d = CNY_HOLIDAY[1] + timedelta(days=int(rng.integers(1, 10)))
    return d
