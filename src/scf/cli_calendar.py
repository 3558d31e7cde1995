"""`scf calendar`: which years are official and which provisional; load a new notice."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scf.cli_common import command_group, fail, read_text
from scf.core.errors import DomainError, InvalidInput

if TYPE_CHECKING:
    from scf.core.calendar import ChinaCalendar

app = command_group("The working-day calendar: official and provisional years")

AHEAD = 2  # `years` lists at least this many years past the current one


def _calendar_dir() -> Path:
    from scf.config import get_settings

    return get_settings().calendar_dir or Path("./var/calendar")


def _calendar() -> ChinaCalendar:
    from scf.core.calendar import ChinaCalendar

    try:
        return ChinaCalendar.default(_calendar_dir())
    except DomainError as exc:  # a file in the calendar directory no longer passes
        fail(exc)


def _this_year() -> int:
    from scf.core.clock import SystemClock

    return SystemClock().today().year


@app.command("years")
def years(
    until: Annotated[int | None, typer.Option(help="list the years up to this one")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Print each year's source: official-shipped, official-loaded or provisional."""
    cal = _calendar()
    official = cal.official_years
    last = max(until or 0, official[-1] if official else 0, _this_year() + AHEAD)
    rows = [
        {"year": y, "source": cal.source(y).value, "reference": cal.schedule(y).reference}
        for y in range(min([*official, _this_year()]), last + 1)
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for first, final, source, reference in _runs(rows):
        span = str(first) if first == final else f"{first}-{final}"
        print(f"{span:<10} {source:<17} {reference}")
    print(f"{last + 1}-      provisional       every later year, from the statutory rules")


def _runs(rows: list[dict[str, Any]]) -> list[tuple[int, int, str, str]]:
    """Group consecutive years with the same source (official years keep their reference)."""
    out: list[tuple[int, int, str, str]] = []
    for r in rows:
        reference = r["reference"] if r["source"] != "official-shipped" else "the package's data"
        if out and out[-1][2] == r["source"] and out[-1][3] == reference:
            out[-1] = (out[-1][0], r["year"], r["source"], reference)
        else:
            out.append((r["year"], r["year"], r["source"], reference))
    return out


@app.command("show")
def show(year: int, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print a year's days off and weekend working days, and where they come from."""
    from scf.core.calendar_rules import describe

    if not 1 <= year <= 9999:
        fail(InvalidInput(f"{year} is not a year (1 to 9999)", field="year"))
    out = describe(_calendar().schedule(year))
    if as_json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    print(f"{year}: {out['source']} ({out['reference']})")
    for title, key in (("days off", "holidays"), ("weekend working days", "workdays")):
        print(f"{title}:")
        for d in out[key]:
            print(f"  {d['date']}  {d['name']} {d['name_en']}")


@app.command("load")
def load(
    file: Annotated[
        Path, typer.Argument(help="the year's schedule (JSON, docs/calendar.md)", readable=False)
    ],
) -> None:
    """Check a year's official schedule file and install it; it replaces what decided that year."""
    from scf.core.calendar_schedule import parse_schedule

    try:
        text = read_text(file, "calendar_file", "a calendar file (JSON)")
        schedule = parse_schedule(text)
        result = _calendar().add_year(schedule)
    except DomainError as exc:
        fail(exc)
    target = _calendar_dir()
    target.mkdir(parents=True, exist_ok=True)
    _install(target / f"{schedule.year}.json", text.encode("utf-8"))
    changed = ", ".join(d.isoformat() for d in result.changed_days[:10])
    more = f" and {len(result.changed_days) - 10} more" if len(result.changed_days) > 10 else ""
    print(
        f"loaded the official {schedule.year} schedule ({len(schedule.holidays)} days off, "
        f"{len(schedule.workdays)} weekend working days); it replaces the {result.replaced} "
        f"schedule; {len(result.changed_days)} days change: {changed or 'none'}{more}. "
        "A running `scf serve` takes it in when restarted."
    )


def _install(path: Path, content: bytes) -> None:
    """Write the file whole or not at all: a crash leaves the previous file in place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
