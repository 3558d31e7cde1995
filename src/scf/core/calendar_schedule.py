"""One year's working-day schedule, and the JSON file that carries an official one.

A file holds one year, as the State Council's notice gives it:

    {
      "year": 2027,
      "source": "国务院办公厅关于2027年部分节假日安排的通知",
      "holidays": {"2027-01-01": "元旦", ...},
      "workdays": {"2027-02-07": "春节", ...}
    }

`holidays` are the days off (weekend days inside a holiday block included), `workdays` the
weekend days worked in exchange. A file is checked whole before anything is loaded, and every
refusal names its line (docs/calendar.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from scf.core.errors import ErrorCollector, FieldError, InvalidInput

KEYS = ("year", "source", "holidays", "workdays")


class Source(StrEnum):
    """Where a year's schedule comes from."""

    OFFICIAL_SHIPPED = "official-shipped"
    OFFICIAL_LOADED = "official-loaded"
    PROVISIONAL = "provisional"

    @property
    def official(self) -> bool:
        return self is not Source.PROVISIONAL


@dataclass(frozen=True)
class YearSchedule:
    """One year's days off and the weekend days worked in exchange."""

    year: int
    holidays: Mapping[date, str] = field(default_factory=dict)
    workdays: Mapping[date, str] = field(default_factory=dict)
    source: Source = Source.OFFICIAL_LOADED
    reference: str = ""

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d not in self.holidays and d.weekday() < 5

    def days_that_differ(self, other: YearSchedule) -> list[date]:
        """The days whose working-day status differs between two schedules of one year."""
        days = {*self.holidays, *self.workdays, *other.holidays, *other.workdays}
        return sorted(d for d in days if self.is_working_day(d) != other.is_working_day(d))

    def as_json(self) -> str:
        """The file form, one date a line, so that errors and diffs point at a line."""

        def block(days: Mapping[date, str]) -> str:
            rows = [
                f"    {json.dumps(d.isoformat())}: {json.dumps(n, ensure_ascii=False)}"
                for d, n in sorted(days.items())
            ]
            return "{\n" + ",\n".join(rows) + "\n  }" if rows else "{}"

        return (
            "{\n"
            f'  "year": {self.year},\n'
            f'  "source": {json.dumps(self.reference, ensure_ascii=False)},\n'
            f'  "holidays": {block(self.holidays)},\n'
            f'  "workdays": {block(self.workdays)}\n'
            "}\n"
        )


# ---------------------------------------------------------------- reading a file

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]]')
_COLON = re.compile(r"\s*:")


def _key_lines(text: str) -> dict[tuple[str, ...], list[int]]:
    """Map each object key's path (("holidays", "2027-01-01")) to the lines it stands on."""
    lines: dict[tuple[str, ...], list[int]] = {}
    path: list[str] = []
    last_key = ""
    line, pos = 1, 0
    for m in _TOKEN.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        tok = m.group()
        if tok in "{[":
            path.append(last_key)
        elif tok in "}]":
            if path:
                path.pop()
        elif _COLON.match(text, m.end()):
            try:
                last_key = str(json.loads(tok))
            except ValueError:
                last_key = tok
            lines.setdefault((*path[1:], last_key), []).append(line)
    return lines


class _Lines:
    """The line of the n-th occurrence of a key, for error messages."""

    def __init__(self, text: str) -> None:
        self._lines = _key_lines(text)
        self._seen: dict[tuple[str, ...], int] = {}

    def next(self, *path: str) -> int | None:
        got = self._lines.get(path, [])
        i = self._seen.get(path, 0)
        self._seen[path] = i + 1
        return got[min(i, len(got) - 1)] if got else None

    def first(self, *path: str) -> int | None:
        got = self._lines.get(path, [])
        return got[0] if got else None


class _Object(list[tuple[str, Any]]):
    """A JSON object as its pairs in order, duplicates kept, so that the checks can name them."""


REFUSED = "the calendar file was refused"


def parse_schedule(text: str, source: Source = Source.OFFICIAL_LOADED) -> YearSchedule:
    """Read one year's schedule from the text of a file; refuse it whole, line by line."""
    try:
        raw = json.loads(text, object_pairs_hook=_Object)
    except json.JSONDecodeError as exc:
        reason = f"not JSON: {exc.msg} (column {exc.colno})"
        raise InvalidInput(
            f"{REFUSED}: file (line {exc.lineno}): {reason}",
            errors=[FieldError("file", reason, exc.lineno)],
        ) from None
    if not isinstance(raw, _Object):
        reason = "a calendar file is one JSON object"
        raise InvalidInput(f"{REFUSED}: {reason}", errors=[FieldError("file", reason, 1)])
    errors = ErrorCollector()
    lines = _Lines(text)
    top: dict[str, Any] = {}
    for key, value in raw:
        line = lines.next(key)
        if key not in KEYS:
            errors.add(key, f"unknown key; a calendar file has {', '.join(KEYS)}", line)
        elif key in top:
            errors.add(key, "given twice", line)
        else:
            top[key] = value
    year = _year(top, lines, errors)
    reference = top.get("source", "")
    if not isinstance(reference, str):
        errors.add(
            "source", "must be text (the notice the schedule comes from)", lines.first("source")
        )
        reference = ""
    holidays = _days(top, "holidays", year, lines, errors, required=True)
    workdays = _days(top, "workdays", year, lines, errors, required=False)
    for d in sorted(set(holidays) & set(workdays)):
        errors.add(
            "workdays",
            f"{d} is listed both as a holiday (line {lines.first('holidays', d.isoformat())}) "
            "and as a working day",
            lines.first("workdays", d.isoformat()),
        )
    for d in sorted(workdays):
        if d.weekday() < 5:
            errors.add(
                "workdays",
                f"{d} is a weekday; the days worked in exchange fall on weekends",
                lines.first("workdays", d.isoformat()),
            )
    errors.errors.sort(key=lambda e: e.line or 0)
    errors.raise_if_any(REFUSED)
    assert year is not None
    return YearSchedule(year, holidays, workdays, source, reference)


def _year(top: dict[str, Any], lines: _Lines, errors: ErrorCollector) -> int | None:
    value = top.get("year")
    line = lines.first("year")
    if value is None:
        errors.add("year", "missing: the year the schedule is for", line)
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 9999:
        errors.add("year", f"{value!r} is not a year", line)
        return None
    return value


def _days(
    top: dict[str, Any],
    key: str,
    year: int | None,
    lines: _Lines,
    errors: ErrorCollector,
    *,
    required: bool,
) -> dict[date, str]:
    value = top.get(key)
    if value is None:
        if required:
            errors.add(key, "missing: the days off, as date: name", None)
        return {}
    if not isinstance(value, _Object):
        errors.add(key, "must be an object of date: name", lines.first(key))
        return {}
    out: dict[date, str] = {}
    for text, name in value:
        line = lines.next(key, text)
        try:
            d = date.fromisoformat(text)
            if len(text) != 10:
                raise ValueError
        except ValueError:
            errors.add(key, f"{text!r} is not a date (YYYY-MM-DD)", line)
            continue
        if year is not None and d.year != year:
            errors.add(key, f"{d} is not in {year}, the year of this file", line)
        elif d in out:
            errors.add(key, f"{d} is listed twice", line)
        elif not isinstance(name, str) or not name.strip():
            errors.add(key, f"{d} needs the holiday's name as text", line)
        else:
            out[d] = name.strip()
    if required and not value:
        errors.add(key, "lists no day; an official schedule has its holidays", lines.first(key))
    return out


# ---------------------------------------------------------------- shipped schedules

_DATA = "calendar_data"


@cache
def shipped_years() -> tuple[int, ...]:
    """The years whose official schedule ships with the package."""
    folder = resources.files("scf.core").joinpath(_DATA)
    return tuple(sorted(int(p.name[:4]) for p in folder.iterdir() if p.name.endswith(".json")))


@cache
def shipped_schedule(year: int) -> YearSchedule | None:
    """The official schedule of `year` shipped with the package, if there is one."""
    if year not in shipped_years():
        return None
    path = resources.files("scf.core").joinpath(_DATA, f"{year}.json")
    return parse_schedule(path.read_text(encoding="utf-8"), Source.OFFICIAL_SHIPPED)
