"""Day-count conventions used to price discounts and interest."""

from __future__ import annotations

import calendar as _cal
from datetime import date
from decimal import Decimal
from enum import StrEnum

from scf.core.errors import InvalidInput


class DayCount(StrEnum):
    ACT_360 = "ACT/360"
    ACT_365F = "ACT/365F"
    THIRTY_360 = "30/360"
    ACT_ACT_ISDA = "ACT/ACT-ISDA"


def days_between(start: date, end: date, convention: DayCount = DayCount.ACT_360) -> int:
    """Count the days of an accrual period the way the convention counts them."""
    if end < start:
        raise InvalidInput(f"end {end} is before start {start}", field="end")
    if convention is DayCount.THIRTY_360:
        d1 = min(start.day, 30)
        d2 = end.day
        if d2 == 31 and d1 == 30:
            d2 = 30
        return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)
    return (end - start).days


def year_fraction(start: date, end: date, convention: DayCount) -> Decimal:
    """Return the accrual fraction of a year between two dates."""
    if convention is DayCount.ACT_360:
        return Decimal(days_between(start, end, convention)) / Decimal(360)
    if convention is DayCount.ACT_365F:
        return Decimal(days_between(start, end, convention)) / Decimal(365)
    if convention is DayCount.THIRTY_360:
        return Decimal(days_between(start, end, convention)) / Decimal(360)
    if end < start:
        raise InvalidInput(f"end {end} is before start {start}", field="end")
    if start.year == end.year:
        return Decimal((end - start).days) / Decimal(366 if _cal.isleap(start.year) else 365)
    first = date(start.year + 1, 1, 1)
    last = date(end.year, 1, 1)
    frac = Decimal((first - start).days) / Decimal(366 if _cal.isleap(start.year) else 365)
    frac += Decimal(end.year - start.year - 1)
    frac += Decimal((end - last).days) / Decimal(366 if _cal.isleap(end.year) else 365)
    return frac


def basis_days(convention: DayCount) -> int:
    """Return the denominator of a simple-interest convention."""
    if convention is DayCount.ACT_365F:
        return 365
    if convention in (DayCount.ACT_360, DayCount.THIRTY_360):
        return 360
    raise InvalidInput(f"{convention} has no fixed basis", field="day_count")
