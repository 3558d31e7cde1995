"""The mainland China working-day calendar: public holidays and weekend working days.

The State Council publishes each year's schedule in November or December of the year before,
and a certificate or a receivable may fall due years ahead. So the calendar never refuses a
date: a year has the official schedule shipped with the package (2004 to the last year
published when it was built), or one the operator loaded (`scf calendar load FILE`), or else
a provisional one from the statutory rules (scf.core.calendar_rules). Every rolled date says
whether a provisional year decided it, so that callers can store the mark and roll again when
the official schedule arrives (docs/calendar.md).
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

from scf.core.calendar_rules import HOLIDAY_NAMES, provisional_schedule
from scf.core.calendar_schedule import (
    Source,
    YearSchedule,
    parse_schedule,
    shipped_schedule,
    shipped_years,
)
from scf.core.errors import InvalidInput

__all__ = [
    "HOLIDAY_NAMES",
    "ChinaCalendar",
    "LoadResult",
    "Reroll",
    "Roll",
    "Rolled",
    "Source",
    "YearSchedule",
    "china_calendar",
    "install_schedule_file",
    "reset_calendar",
    "year_bounds",
]


class Roll(StrEnum):
    FOLLOWING = "following"
    MODIFIED_FOLLOWING = "modified_following"
    PRECEDING = "preceding"


@dataclass(frozen=True)
class Rolled:
    """A date moved onto a working day, and whether a provisional year decided it.

    Store `requested`, `roll` (or the working days added) and `provisional` beside `date`:
    when the official schedule of a provisional year is loaded, roll `requested` again.
    """

    date: _dt.date
    requested: _dt.date
    provisional: bool
    provisional_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class LoadResult:
    """An official schedule taken in, and what it replaced."""

    schedule: YearSchedule
    replaced: Source
    changed_days: tuple[date, ...] = field(default=())

    @property
    def replaced_provisional(self) -> bool:
        return self.replaced is Source.PROVISIONAL


@dataclass(frozen=True)
class Reroll:
    """A stored date rolled again on a new schedule: moved, or kept where the terms forbid it.

    `reason` says why a date that would have changed was kept (None when it moved).
    """

    room: str
    record: str
    record_id: str
    field: str
    requested: date
    before: date
    after: date
    provisional: bool
    org_id: str | None = None
    reason: str | None = None

    @property
    def applied(self) -> bool:
        return self.reason is None

    def as_json(self) -> dict[str, object]:
        return {
            "room": self.room,
            "record": self.record,
            "record_id": self.record_id,
            "field": self.field,
            "requested": self.requested.isoformat(),
            "before": self.before.isoformat(),
            "after": self.after.isoformat(),
            "provisional": self.provisional,
            "org_id": self.org_id,
            "applied": self.applied,
            "reason": self.reason,
        }


def year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of `year`, for selecting stored dates a schedule may move."""
    return date(year, 1, 1), date(year, 12, 31)


class ChinaCalendar:
    """Working days of mainland China, year by year; never refuses a date."""

    def __init__(self, schedules: Iterable[YearSchedule] = (), *, shipped: bool = True) -> None:
        self._shipped = shipped
        self._loaded: dict[int, YearSchedule] = {}
        self._years: dict[int, YearSchedule] = {}  # the schedule deciding each year seen
        for s in schedules:
            self.add_year(s)

    @classmethod
    def default(cls, extra_dir: Path | None = None) -> ChinaCalendar:
        """Build from the shipped schedules, then the operator's files in `extra_dir`."""
        cal = cls()
        if extra_dir is not None and extra_dir.is_dir():
            for path in sorted(extra_dir.glob("*.json")):
                cal.load_file(path)
        return cal

    # ------------------------------------------------------------ years and their sources

    @property
    def official_years(self) -> list[int]:
        """The years with an official schedule, shipped or loaded."""
        shipped = shipped_years() if self._shipped else ()
        return sorted({*shipped, *self._loaded})

    def schedule(self, year: int) -> YearSchedule:
        """The schedule that decides `year`: loaded, else shipped, else provisional."""
        got = self._years.get(year)
        if got is None:
            got = self._loaded.get(year)
            if got is None and self._shipped:
                got = shipped_schedule(year)
            if got is None:
                got = provisional_schedule(year)
            self._years[year] = got
        return got

    def source(self, year: int) -> Source:
        return self.schedule(year).source

    def is_provisional(self, year: int) -> bool:
        return not self.source(year).official

    def provisional_years_between(self, start: date, end: date) -> tuple[int, ...]:
        """The provisional years among those from `start` to `end` (either order)."""
        lo, hi = sorted((start.year, end.year))
        return tuple(y for y in range(lo, hi + 1) if self.is_provisional(y))

    # ------------------------------------------------------------ loading official schedules

    def add_year(self, schedule: YearSchedule) -> LoadResult:
        """Take an official schedule in; it replaces whatever decided that year before."""
        before = self.schedule(schedule.year)
        self._loaded[schedule.year] = self._years[schedule.year] = schedule
        return LoadResult(schedule, before.source, tuple(before.days_that_differ(schedule)))

    def load_file(self, path: Path) -> LoadResult:
        """Check an official schedule file whole and take it in (docs/calendar.md)."""
        return self.add_year(read_schedule_file(path))

    def with_year(self, schedule: YearSchedule) -> ChinaCalendar:
        """A copy of this calendar with `schedule` loaded; this one is left as it was."""
        copy = ChinaCalendar(self._loaded.values(), shipped=self._shipped)
        copy.add_year(schedule)
        return copy

    # ------------------------------------------------------------ working days

    def is_working_day(self, d: date) -> bool:
        return self.schedule(d.year).is_working_day(d)

    def holiday_name(self, d: date) -> str | None:
        return self.schedule(d.year).holidays.get(d)

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

    def roll(self, d: date, roll: Roll = Roll.FOLLOWING) -> Rolled:
        """`adjust`, with the provisional mark callers store beside the date."""
        return self._rolled(d, self.adjust(d, roll))

    def add_working_days(self, d: date, n: int) -> date:
        """Return the date `n` working days after `d` (before it when `n` is negative)."""
        step = 1 if n >= 0 else -1
        cur = d
        for _ in range(abs(n)):
            cur = self._step(cur, step)
        return cur

    def shift(self, d: date, n: int) -> Rolled:
        """`add_working_days`, with the provisional mark callers store beside the date."""
        return self._rolled(d, self.add_working_days(d, n))

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days in (start, end]."""
        count = 0
        cur = start
        while cur < end:
            cur = cur + timedelta(days=1)
            if self.is_working_day(cur):
                count += 1
        return count

    def _rolled(self, requested: date, result: date) -> Rolled:
        years = self.provisional_years_between(requested, result)
        return Rolled(result, requested, bool(years), years)

    def _step(self, d: date, step: int) -> date:
        cur = d
        try:
            while True:
                cur = cur + timedelta(days=step)
                if self.is_working_day(cur):
                    return cur
        except OverflowError:
            side = "after" if step > 0 else "before"
            raise InvalidInput(
                f"no working day {side} {d} within the years 1 to 9999",
                field="date",
                code="date_out_of_range",
            ) from None


def read_schedule_file(path: Path) -> YearSchedule:
    """Read and check an official schedule file; refuse it whole, naming its lines."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{path.name}: not UTF-8 text; a calendar file is JSON", field="calendar_file"
        ) from None
    except OSError as exc:
        raise InvalidInput(
            f"{path}: cannot be read ({exc.strerror or exc})", field="calendar_file"
        ) from None
    return parse_schedule(text, Source.OFFICIAL_LOADED)


def install_schedule_file(folder: Path, schedule: YearSchedule, text: str) -> Path:
    """Write a year's file into the operator's folder whole or not at all.

    A crash leaves the previous file of that year in place, never half of the new one.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{schedule.year}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


_default: ChinaCalendar | None = None


def china_calendar() -> ChinaCalendar:
    """Return the process-wide calendar (shipped years plus the operator's files)."""
    global _default
    if _default is None:
        from scf.config import get_settings

        _default = ChinaCalendar.default(get_settings().calendar_dir)
    return _default


def reset_calendar() -> None:
    global _default
    _default = None
