"""The provisional calendar: statutory holidays from the Measures, checked against known dates."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from scf.core.calendar import ChinaCalendar, Source
from scf.core.calendar_rules import (
    lunar_date,
    measures_for,
    provisional_schedule,
    qingming,
    statutory_days,
)
from scf.core.calendar_schedule import shipped_schedule

D = date

# Lunar New Year, Qingming, Dragon Boat and Mid-Autumn, as almanacs give them.
KNOWN = {
    2027: (D(2027, 2, 6), D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15)),
    2028: (D(2028, 1, 26), D(2028, 4, 4), D(2028, 5, 28), D(2028, 10, 3)),
    2029: (D(2029, 2, 13), D(2029, 4, 4), D(2029, 6, 16), D(2029, 9, 22)),
    2030: (D(2030, 2, 3), D(2030, 4, 5), D(2030, 6, 5), D(2030, 9, 12)),
    2031: (D(2031, 1, 23), D(2031, 4, 5), D(2031, 6, 24), D(2031, 10, 1)),
    2032: (D(2032, 2, 11), D(2032, 4, 4), D(2032, 6, 12), D(2032, 9, 19)),
    2033: (D(2033, 1, 31), D(2033, 4, 4), D(2033, 6, 1), D(2033, 9, 8)),
    2034: (D(2034, 2, 19), D(2034, 4, 5), D(2034, 6, 20), D(2034, 9, 27)),
    2035: (D(2035, 2, 8), D(2035, 4, 5), D(2035, 6, 10), D(2035, 9, 16)),
}


def _days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


@pytest.mark.parametrize("year", sorted(KNOWN))
def test_statutory_days_2027_to_2035(year: int) -> None:
    new_year, qm, dragon, mid_autumn = KNOWN[year]
    expected = {
        D(year, 1, 1): "元旦",
        **{d: "春节" for d in _days(new_year - timedelta(days=1), 4)},  # the Eve to day 3
        qm: "清明节",
        D(year, 5, 1): "劳动节",
        D(year, 5, 2): "劳动节",
        dragon: "端午节",
        mid_autumn: "中秋节",
    }
    for d in _days(D(year, 10, 1), 3):
        expected.setdefault(d, "国庆节")
    got = statutory_days(year)
    # 2031: the Mid-Autumn Festival falls on 1 October; a day holds one name
    assert got == expected
    days_given = sum(len(h.days(year)) for h in measures_for(year).holidays)
    assert days_given == 13


def test_provisional_2027_makes_up_weekend_holidays_and_swaps_nothing() -> None:
    s = provisional_schedule(2027)
    assert s.source is Source.PROVISIONAL and s.workdays == {}
    assert sorted(s.holidays) == [
        D(2027, 1, 1),
        *_days(D(2027, 2, 5), 6),  # Eve (Fri) to day 3 (Mon); Sat and Sun made up Tue, Wed
        D(2027, 4, 5),
        *_days(D(2027, 5, 1), 4),  # 1-2 May is a weekend: made up on 3 and 4 May
        D(2027, 6, 9),
        D(2027, 9, 15),
        *_days(D(2027, 10, 1), 5),  # 2-3 October is a weekend: made up on 4 and 5 October
    ]


def test_a_holiday_on_another_holiday_is_made_up() -> None:
    # 2031: the Mid-Autumn Festival is Wednesday 1 October, the first day of National Day;
    # its day is made up after the weekend that follows, on Monday 6 October.
    october = [d for d in provisional_schedule(2031).holidays if d.month == 10]
    assert october == [*_days(D(2031, 10, 1), 3), D(2031, 10, 6)]
    # 2028: National Day starts on a Sunday and the Mid-Autumn Festival is Tuesday 3 October:
    # two days are owed, given on Wednesday 4 and Thursday 5 October.
    october = [d for d in provisional_schedule(2028).holidays if d.month == 10]
    assert october == _days(D(2028, 10, 1), 5)


def _compare_with_official(year: int) -> tuple[set[date], set[date], set[date]]:
    """Days off the rules give but the notice does not; swapped days; weekend working days."""
    official = shipped_schedule(year)
    assert official is not None
    rules = provisional_schedule(year)
    days = [d for d in _days(D(year, 1, 1), 366) if d.year == year]
    rules_only = {d for d in days if not rules.is_working_day(d) and official.is_working_day(d)}
    makeup = set(official.workdays)
    swapped = {
        d
        for d in days
        if d.weekday() < 5 and not official.is_working_day(d) and rules.is_working_day(d)
    }
    return rules_only - makeup, swapped, makeup


@pytest.mark.parametrize("year", [2025, 2026])
def test_official_2025_and_2026_equal_the_2024_rules_apart_from_swaps(year: int) -> None:
    assert measures_for(year).since == 2025
    wrong, swapped, makeup = _compare_with_official(year)
    assert wrong == set()  # every day off the rules give, the notice gives
    # the notice's other weekdays off are exactly paid for by its weekend working days
    assert len(swapped) == len(makeup) > 0


# Years whose notice did more than swap days inside the year: a weekend working day that
# belongs to the next year's holiday (2005, 2006, 2007, 2011, 2012), a Dragon Boat day moved
# (2012), the 70th anniversary of the Victory (2015), the epidemic's longer Spring Festival
# (2020).
UNEVEN = {2005, 2006, 2007, 2011, 2012, 2015, 2020}


@pytest.mark.parametrize("year", [y for y in range(2004, 2025) if y not in UNEVEN])
def test_earlier_measures_match_every_regular_notice(year: int) -> None:
    wrong, swapped, makeup = _compare_with_official(year)
    assert wrong == set()
    assert len(swapped) == len(makeup)


def test_lunar_dates_and_qingming_agree_with_a_second_library() -> None:
    years = range(2008, 2100)  # the holidays package has the lunar ones from 2008 on
    other = holidays.China(years=years, language="en_US")

    def first_days(name: str) -> dict[int, date]:
        out: dict[int, date] = {}
        for d in sorted(other.get_named(name, lookup="exact")):
            out.setdefault(d.year, d)
        return out

    new_year = first_days("Chinese New Year (Spring Festival)")
    qm = first_days("Tomb-Sweeping Day")
    dragon = first_days("Dragon Boat Festival")
    mid_autumn = first_days("Mid-Autumn Festival")
    for year in years:
        assert lunar_date(year, 1, 1) == new_year[year], year
        assert qingming(year) == qm[year], year
        assert lunar_date(year, 5, 5) == dragon[year], year
        assert lunar_date(year, 8, 15) == mid_autumn[year], year


def test_the_rules_alone_give_every_year() -> None:
    cal = ChinaCalendar(shipped=False)
    assert cal.official_years == []
    assert cal.source(2025) is Source.PROVISIONAL
    # the rules alone put 2025's Spring Festival on the Eve to the third day
    assert [d for d in cal.schedule(2025).holidays if d.month == 1] == [
        D(2025, 1, 1),
        *_days(D(2025, 1, 28), 4),
    ]
