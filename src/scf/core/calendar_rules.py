"""The statutory holidays of mainland China, for years the State Council has not scheduled.

The Measures on National Holidays and Commemoration Days (全国年节及纪念日放假办法), as the
State Council amended them in November 2024 with effect from 1 January 2025, give every
citizen 13 days: New Year's Day 1, the Spring Festival 4 (New Year's Eve to the third day of
the first lunar month), Qingming 1, Labour Day 2 (1-2 May), the Dragon Boat Festival 1, the
Mid-Autumn Festival 1 and National Day 3 (1-3 October). A holiday that falls on a Saturday or
Sunday is made up on a working day (Article 6); so is a holiday that falls on another one.
Each year's notice then swaps weekend days for weekdays to join holidays into long breaks:
no rule tells those swaps in advance, so a provisional year has weekends as rest days and no
weekend working day. Earlier versions of the Measures are kept so that the rules can be
checked against every official schedule since 2004.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from scf.core.calendar_schedule import Source, YearSchedule

# Chinese and English names of the holidays, as the notices name them.
HOLIDAY_NAMES: dict[str, str] = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明节": "Qingming Festival",
    "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "中秋节": "Mid-Autumn Festival",
    "国庆节": "National Day",
    "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日": (
        "70th anniversary of the victory of the War of Resistance against Japanese Aggression"
    ),
}

LUNAR_LIBRARY = "tyme4py"


def _julian_to_date(julian_day: float) -> date:
    """A Julian day number as a proleptic Gregorian date (Python's, in every century)."""
    return date.fromordinal(int(julian_day + 0.5) - 1721425)


def lunar_date(year: int, month: int, day: int) -> date:
    """The Gregorian date of a day of the first twelve lunar months of lunar year `year`."""
    from tyme4py.lunar import LunarDay

    return _julian_to_date(
        LunarDay.from_ymd(year, month, day).get_solar_day().get_julian_day().get_day()
    )


def qingming(year: int) -> date:
    """The day of the Qingming solar term (the sun at 15 degrees), Beijing time."""
    from tyme4py.solar import SolarTerm

    term = SolarTerm.from_name(year, "清明").get_julian_day().get_solar_day()
    return _julian_to_date(term.get_julian_day().get_day())


@dataclass(frozen=True)
class Holiday:
    """One statutory holiday: its name and the days it gives in a year."""

    name: str
    days: Callable[[int], list[date]]

    @property
    def name_en(self) -> str:
        return HOLIDAY_NAMES[self.name]


def _fixed(month: int, *days: int) -> Callable[[int], list[date]]:
    return lambda y: [date(y, month, d) for d in days]


def _lunar(month: int, day: int, first: int = 0, count: int = 1) -> Callable[[int], list[date]]:
    def days(y: int) -> list[date]:
        start = lunar_date(y, month, day) + timedelta(days=first)
        return [start + timedelta(days=i) for i in range(count)]

    return days


def _qingming(y: int) -> list[date]:
    return [qingming(y)]


@dataclass(frozen=True)
class Measures:
    """One version of the Measures: the year it first applies to and its holidays."""

    since: int
    title: str
    holidays: tuple[Holiday, ...]


_NEW_YEAR = Holiday("元旦", _fixed(1, 1))
_NATIONAL_DAY = Holiday("国庆节", _fixed(10, 1, 2, 3))


def _since_2008(spring_festival: Holiday, labour_day: Holiday) -> tuple[Holiday, ...]:
    """The seven holidays of the Measures since their 2007 revision added the lunar three."""
    return (
        _NEW_YEAR,
        spring_festival,
        Holiday("清明节", _qingming),
        labour_day,
        Holiday("端午节", _lunar(5, 5)),
        Holiday("中秋节", _lunar(8, 15)),
        _NATIONAL_DAY,
    )


# Newest first; the oldest also stands for every year before it.
MEASURES: tuple[Measures, ...] = (
    Measures(
        2025,
        "全国年节及纪念日放假办法（2024年11月修订）",
        _since_2008(
            Holiday("春节", _lunar(1, 1, first=-1, count=4)), Holiday("劳动节", _fixed(5, 1, 2))
        ),
    ),
    Measures(
        2014,
        "全国年节及纪念日放假办法（2013年12月修订）",
        _since_2008(Holiday("春节", _lunar(1, 1, count=3)), Holiday("劳动节", _fixed(5, 1))),
    ),
    Measures(
        2008,
        "全国年节及纪念日放假办法（2007年12月修订）",
        _since_2008(
            Holiday("春节", _lunar(1, 1, first=-1, count=3)), Holiday("劳动节", _fixed(5, 1))
        ),
    ),
    Measures(
        2000,
        "全国年节及纪念日放假办法（1999年9月修订）",
        (
            _NEW_YEAR,
            Holiday("春节", _lunar(1, 1, count=3)),
            Holiday("劳动节", _fixed(5, 1, 2, 3)),
            _NATIONAL_DAY,
        ),
    ),
)


def measures_for(year: int) -> Measures:
    """The version of the Measures that governs `year` (the oldest kept for earlier years)."""
    for m in MEASURES:
        if year >= m.since:
            return m
    return MEASURES[-1]


def statutory_days(year: int) -> dict[date, str]:
    """The statutory holiday days of `year`, before any is made up or swapped."""
    out: dict[date, str] = {}
    for holiday in measures_for(year).holidays:
        for d in holiday.days(year):
            out.setdefault(d, holiday.name)
    return out


@cache
def provisional_schedule(year: int) -> YearSchedule:
    """The schedule the statutory rules give a year before its notice is published.

    Every statutory day that falls on a weekend, or on another holiday's day, is made up on
    the next weekday that is not a holiday yet, in date order; weekend days stay rest days.
    """
    off: dict[date, str] = {}
    owed: list[tuple[date, str]] = []
    for holiday in measures_for(year).holidays:
        for d in holiday.days(year):
            if d.weekday() >= 5 or d in off:
                owed.append((d, holiday.name))
            off.setdefault(d, holiday.name)
    for d, name in sorted(owed):
        lieu = d
        while lieu.weekday() >= 5 or lieu in off:
            lieu += timedelta(days=1)
        off[lieu] = name
    holidays = {d: n for d, n in sorted(off.items()) if d.year == year}
    return YearSchedule(
        year,
        holidays,
        {},
        Source.PROVISIONAL,
        f"{measures_for(year).title}; lunar dates and solar terms by {LUNAR_LIBRARY}",
    )


def describe(schedule: YearSchedule) -> dict[str, Any]:
    """A year's schedule as JSON-ready data, names in Chinese and English."""

    def days(items: dict[date, str] | Any) -> list[dict[str, str]]:
        return [
            {"date": d.isoformat(), "name": n, "name_en": HOLIDAY_NAMES.get(n, n)}
            for d, n in sorted(items.items())
        ]

    return {
        "year": schedule.year,
        "source": schedule.source.value,
        "reference": schedule.reference,
        "holidays": days(schedule.holidays),
        "workdays": days(schedule.workdays),
    }
