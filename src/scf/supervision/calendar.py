"""Official holiday schedules loaded by the operator, the stored dates rolled again, the alert.

A year without an official schedule is decided by the statutory rules (provisional), and the
dates rolled on it are stored with their mark. Loading the official schedule checks the file
whole, rolls again every stored date the terms let move, and records one load with every date
that changed or would have changed: the alert the regulator's inbox shows (source `calendar`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from scf.certificates import service as certificates
from scf.core.calendar import ChinaCalendar, Reroll, install_schedule_file
from scf.core.calendar_schedule import parse_schedule
from scf.core.errors import Conflict
from scf.core.ids import new_id
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.supervision.facts import financing_room
from scf.supervision.tables import CalendarLoadRow

WATCHERS = ("operator", "regulator")


def load_official_calendar(
    uow: UnitOfWork, text: str, file_name: str, folder: Path | None
) -> dict[str, Any]:
    """Check a year's official schedule, roll stored dates again on it and raise the alert.

    The file is refused whole with its lines before anything changes. The new schedule goes
    into `folder` (the operator's calendar files) before the transaction commits: should the
    commit fail, loading the same file again rolls every date still marked provisional.
    """
    parties.require_role(uow.actor, "operator")
    schedule = parse_schedule(text)
    calendar = uow.calendar
    before = calendar.schedule(schedule.year)
    changes = _reroll(uow, calendar.with_year(schedule), schedule.year)
    row = CalendarLoadRow(
        id=new_id("cal"),
        year=schedule.year,
        reference=schedule.reference,
        file_name=file_name[:255],
        replaced=before.source.value,
        changed_days=[d.isoformat() for d in before.days_that_differ(schedule)],
        dates=[c.as_json() for c in changes],
        loaded_by=uow.actor.username or "system",
        loaded_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    uow.audit("supervision.calendar.loaded", "calendar_load", row.id, after=load_dict(row))
    if folder is not None:
        try:
            install_schedule_file(folder, schedule, text)
        except OSError as exc:
            raise Conflict(
                f"the {schedule.year} schedule could not be written to {folder} "
                f"({exc.strerror or exc}); nothing was loaded",
                code="calendar_not_installed",
            ) from None
    uow.commit()
    calendar.add_year(schedule)
    # A date rolled on the old calendar by a command that committed after the pass above is
    # still marked provisional: roll again now that the running calendar has the year.
    listed = {(d["record_id"], d["field"]) for d in row.dates}
    late = [
        c.as_json()
        for c in _reroll(uow, calendar, schedule.year)
        if (c.record_id, c.field) not in listed
    ]
    if late:
        row.dates = [*row.dates, *late]
    uow.commit()
    return load_dict(row)


def _reroll(uow: UnitOfWork, calendar: ChinaCalendar, year: int) -> list[Reroll]:
    changes: list[Reroll] = certificates.reroll_maturities(uow, calendar, year)
    reroll = getattr(financing_room(), "reroll_due_dates", None)
    if reroll is not None:
        changes += reroll(uow, calendar, year)
    return changes


def calendar_loads(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every official schedule loaded, newest first, with the dates each moved or kept."""
    parties.require_role(uow.actor, *WATCHERS)
    rows = uow.session.scalars(
        select(CalendarLoadRow).order_by(CalendarLoadRow.loaded_at.desc(), CalendarLoadRow.id)
    )
    return [load_dict(r) for r in rows]


def load_rows(uow: UnitOfWork) -> list[CalendarLoadRow]:
    """The loads as rows, for the regulator's inbox."""
    return list(uow.session.scalars(select(CalendarLoadRow)))


def load_summary(row: CalendarLoadRow) -> str:
    """One line for the inbox: the year, what it replaced, the dates moved and kept."""
    moved = [d for d in row.dates if d["applied"]]
    kept = [d for d in row.dates if not d["applied"]]
    listed = "; ".join(
        f"{d['record']} {d['record_id']} {d['field']} {d['before']} -> {d['after']}"
        + ("" if d["applied"] else f" (kept: {d['reason']})")
        for d in row.dates
    )
    return (
        f"official {row.year} schedule loaded, replacing the {row.replaced} one: "
        f"{len(moved)} stored dates changed, {len(kept)} would have changed"
        + (f": {listed}" if listed else "")
    )


def load_dict(row: CalendarLoadRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "year": row.year,
        "reference": row.reference,
        "file_name": row.file_name,
        "replaced": row.replaced,
        "changed_days": list(row.changed_days),
        "dates": list(row.dates),
        "changed": sum(1 for d in row.dates if d["applied"]),
        "kept": sum(1 for d in row.dates if not d["applied"]),
        "loaded_by": row.loaded_by,
        "loaded_at": row.loaded_at.isoformat(),
        "summary": load_summary(row),
    }
