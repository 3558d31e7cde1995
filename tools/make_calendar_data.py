"""Write the official schedules the package ships: src/scf/core/calendar_data/<year>.json.

The days come from chinesecalendar, every day of every year is checked against the
`holidays` package's China calendar, and a year is written only where both know the State
Council's notice. Where they disagree the State Council's notice decides, through CORRECTIONS
below; any other disagreement stops the script. Run it once a year, when both libraries have
the new year's notice (`make lock` first, to bring them in):

    .venv/bin/python tools/make_calendar_data.py
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from scf.core.calendar_schedule import Source, YearSchedule

OUT = Path(__file__).resolve().parents[1] / "src" / "scf" / "core" / "calendar_data"

# chinesecalendar's English names, as the notices name them.
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

# day -> (working day?, holiday name, why): where the State Council's notice and
# chinesecalendar part ways.
CORRECTIONS: dict[date, tuple[bool, str, str]] = {
    date(2005, 12, 31): (
        True,
        "元旦",
        "the 2006 notice (国务院办公厅关于2006年部分节假日安排的通知) has Saturday 31 December "
        "2005 worked for the New Year's Day holiday; chinesecalendar misses it (its issue "
        "125), the holidays package has it",
    ),
}


def _library_versions() -> str:
    from importlib.metadata import version

    return f"chinesecalendar {version('chinesecalendar')}, holidays {version('holidays')}"


def official_years() -> list[int]:
    """The years both libraries take from a State Council notice."""
    from chinese_calendar import constants
    from holidays.countries.china import ChinaStaticHolidays

    cc_years = {d.year for d in constants.holidays}
    hol_years = set(ChinaStaticHolidays.special_public_holidays)
    return sorted(cc_years & hol_years)


def from_chinesecalendar(year: int) -> YearSchedule:
    """One year's schedule as chinesecalendar has it, with CORRECTIONS applied."""
    from chinese_calendar import constants

    holidays = {d: NAMES[str(n)] for d, n in constants.holidays.items() if d.year == year}
    workdays = {d: NAMES[str(n)] for d, n in constants.workdays.items() if d.year == year}
    for d, (working, name, _) in CORRECTIONS.items():
        if d.year != year:
            continue
        holidays.pop(d, None)
        workdays.pop(d, None)
        if working and d.weekday() >= 5:
            workdays[d] = name
        elif not working:
            holidays[d] = name
    reference = f"国务院办公厅关于{year}年部分节假日安排的通知 ({_library_versions()})"
    return YearSchedule(
        year, dict(sorted(holidays.items())), dict(sorted(workdays.items())),
        Source.OFFICIAL_SHIPPED, reference,
    )  # fmt: skip


def holidays_working_days(year: int) -> dict[date, bool]:
    """Every day of `year`: a working day or not, as the `holidays` package has it."""
    import holidays

    # A year's weekend working days can belong to the next year's notice (31 Dec 2005).
    cal: Any = holidays.China(years=range(year, year + 2))
    days = [date(year, 1, 1) + timedelta(days=i) for i in range(366)]
    return {d: bool(cal.is_working_day(d)) for d in days if d.year == year}


def disagreements(schedule: YearSchedule) -> list[date]:
    """The days on which a schedule and the `holidays` package differ."""
    return [
        d
        for d, working in holidays_working_days(schedule.year).items()
        if schedule.is_working_day(d) != working
    ]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for year in official_years():
        schedule = from_chinesecalendar(year)
        bad = disagreements(schedule)
        if bad:
            sys.exit(f"{year}: chinesecalendar and holidays differ on {bad}; check the notice")
        (OUT / f"{year}.json").write_text(schedule.as_json(), encoding="utf-8")
        print(f"{year}: {len(schedule.holidays)} holidays, {len(schedule.workdays)} workdays")


if __name__ == "__main__":
    main()
