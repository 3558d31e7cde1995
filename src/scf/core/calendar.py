"""The mainland China working-day calendar: public holidays and adjusted weekend working days.

The State Council publishes each year's schedule late in the year before, and libraries lag
behind it. The calendar therefore knows which years it covers, takes a new year's official
schedule from a data file, and refuses to guess about any other year.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

from scf.core.errors import DomainError, InvalidInput


class CalendarYearUnknown(DomainError):
    """The official schedule of this year is not loaded, so working days cannot be told."""

    code = "calendar_year_unknown"


class Roll(StrEnum):
    FOLLOWING = "following"
    MODIFIED_FOLLOWING = "modified_following"
    PRECEDING = "preceding"


@dataclass
class YearSchedule:
    """One year's official schedule: holidays and the weekend days worked in exchange."""

    year: int
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)
    source: str = ""


class ChinaCalendar:
    """Working days of mainland China, year by year from official schedules."""

    def __init__(self, schedules: Iterable[YearSchedule] = ()) -> None:
        self._years: dict[int, YearSchedule] = {}
        for s in schedules:
            self.add_year(s)

    @classmethod
    def default(cls, extra_dir: Path | None = None) -> ChinaCalendar:
        """Build from the chinesecalendar package, then any operator files in `extra_dir`."""
        cal = cls(_library_schedules())
        if extra_dir is not None and extra_dir.is_dir():
            for path in sorted(extra_dir.glob("*.json")):
                cal.load_file(path)
        return cal

    @property
    def known_years(self) -> list[int]:
        return sorted(self._years)

    def add_year(self, schedule: YearSchedule) -> None:
        both = set(schedule.holidays) & set(schedule.workdays)
        if both:
            raise InvalidInput(
                f"{min(both)} is listed both as a holiday and as a working day", field="schedule"
            )
        for d in [*schedule.holidays, *schedule.workdays]:
            if d.year != schedule.year:
                raise InvalidInput(f"{d} is not in year {schedule.year}", field="schedule")
        for d in schedule.workdays:
            if d.weekday() < 5:
                raise InvalidInput(
                    f"{d} is a weekday; adjusted working days fall on weekends", field="workdays"
                )
        self._years[schedule.year] = schedule

    def load_file(self, path: Path) -> YearSchedule:
        """Load one year's official schedule from JSON.

        Format: {"year": 2027, "source": "...", "holidays": {"2027-01-01": "New Year's Day"},
        "workdays": {"2027-02-07": "Spring Festival"}}.
        """
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            schedule = YearSchedule(
                year=int(raw["year"]),
                holidays={date.fromisoformat(k): str(v) for k, v in raw["holidays"].items()},
                workdays={
                    date.fromisoformat(k): str(v) for k, v in raw.get("workdays", {}).items()
                },
                source=str(raw.get("source", path.name)),
            )
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise InvalidInput(
                f"{path.name}: not a year schedule ({exc})", field="calendar_file"
            ) from None
        self.add_year(schedule)
        return schedule

    def _year(self, d: date) -> YearSchedule:
        try:
            return self._years[d.year]
        except KeyError:
            known = self.known_years
            span = f"{known[0]}-{known[-1]}" if known else "none"
            raise CalendarYearUnknown(
                f"the working-day schedule of {d.year} is not loaded (known years: {span}); "
                f"load the State Council's schedule with `scf calendar load FILE`",
                details={"date": d.isoformat(), "known_years": known},
            ) from None

    def is_known(self, d: date) -> bool:
        return d.year in self._years

    def is_working_day(self, d: date) -> bool:
        y = self._year(d)
        if d in y.workdays:
            return True
        if d in y.holidays:
            return False
        return d.weekday() < 5

    def holiday_name(self, d: date) -> str | None:
        return self._year(d).holidays.get(d)

    def adjust(self, d: date, roll: Roll = Roll.FOLLOWING) -> date:
        """Roll a date that is not a working day to one that is."""
        if self.is_working_day(d):
            return d
        if roll is Roll.PRECEDING:
            return self._step(d, -1)
        nxt = self._step(d, 1)
        if roll is Roll.MODIFIED_FOLLOWING and nxt.month != d.month:
            return self._step(d, -1)
        return nxt

    def _step(self, d: date, step: int) -> date:
        cur = d
        while True:
            cur = cur + timedelta(days=step)
            if self.is_working_day(cur):
                return cur

    def add_working_days(self, d: date, n: int) -> date:
        """Return the date `n` working days after `d` (before it when `n` is negative)."""
        step = 1 if n >= 0 else -1
        cur = d
        for _ in range(abs(n)):
            cur = self._step(cur, step)
        return cur

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days in (start, end]."""
        count = 0
        cur = start
        while cur < end:
            cur = cur + timedelta(days=1)
            if self.is_working_day(cur):
                count += 1
        return count


def _library_schedules() -> list[YearSchedule]:
    from chinese_calendar import constants

    years: dict[int, YearSchedule] = {}

    def year(y: int) -> YearSchedule:
        return years.setdefault(y, YearSchedule(y, source="chinesecalendar"))

    for d, name in constants.holidays.items():
        year(d.year).holidays[d] = str(name)
    for d, name in constants.workdays.items():
        year(d.year).workdays[d] = str(name)
    return list(years.values())


_default: ChinaCalendar | None = None


def china_calendar() -> ChinaCalendar:
    """Return the process-wide calendar (library years plus the operator's files)."""
    global _default
    if _default is None:
        from scf.config import get_settings

        _default = ChinaCalendar.default(get_settings().calendar_dir)
    return _default


def reset_calendar() -> None:
    global _default
    _default = None
