"""`scf calendar`: which years are official and which provisional; load a new notice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scf.cli_common import command_group, create_platform, fail, read_text
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
    """Install a year's official schedule; roll the stored dates again and raise the alert."""
    from scf.core.calendar_schedule import parse_schedule

    try:
        text = read_text(file, "calendar_file", "a calendar file (JSON)")
        schedule = parse_schedule(text)
        before = _calendar()
        replaced = before.source(schedule.year)
        changed_days = before.schedule(schedule.year).days_that_differ(schedule)
        load = _load_into_database(text, file.name)
    except DomainError as exc:
        fail(exc)
    days = ", ".join(d.isoformat() for d in changed_days[:10])
    more = f" and {len(changed_days) - 10} more" if len(changed_days) > 10 else ""
    print(
        f"loaded the official {schedule.year} schedule ({len(schedule.holidays)} days off, "
        f"{len(schedule.workdays)} weekend working days); it replaces the {replaced} "
        f"schedule; {len(changed_days)} days change: {days or 'none'}{more}."
    )
    if load is None:
        print("no stored dates yet (the database is empty)")
    else:
        print(f"stored dates: {load['changed']} changed, {load['kept']} kept by their terms")
        for d in load["dates"]:
            kept = "" if d["applied"] else f" (kept: {d['reason']})"
            print(
                f"  {d['record']} {d['record_id']} {d['field']} {d['before']} -> {d['after']}{kept}"
            )
        print(f"alert {load['id']} raised for the regulator")
    print("A running `scf serve` takes the schedule in when restarted.")


def _load_into_database(text: str, file_name: str) -> dict[str, Any] | None:
    """Roll the stored dates again and install the file; None when nothing is stored yet."""
    from scf.core.actor import Actor
    from scf.core.calendar import install_schedule_file
    from scf.core.calendar_schedule import parse_schedule
    from scf.core.migrate import pending
    from scf.supervision import service

    platform = create_platform()
    try:
        missing = pending(platform.engine)
        if missing and not _has_tables(platform):
            install_schedule_file(_calendar_dir(), parse_schedule(text), text)
            return None
        if missing:
            raise InvalidInput(
                "the database is not migrated; run `scf db upgrade` first", field="database"
            )
        with platform.uow(Actor.system()) as uow:
            return service.load_official_calendar(uow, text, file_name, _calendar_dir())
    finally:
        platform.dispose()


def _has_tables(platform: Any) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(platform.engine).get_table_names())
