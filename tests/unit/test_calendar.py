import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from scf.core.calendar import ChinaCalendar, Roll, Rolled, Source
from scf.core.daycount import DayCount, days_between, year_fraction
from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.core.rates import simple_interest

SHARED = Path(__file__).resolve().parents[1] / "data" / "calc-vectors"


@pytest.fixture(scope="module")
def cal() -> ChinaCalendar:
    return ChinaCalendar.default()


def test_adjusted_weekend_working_day_2024(cal: ChinaCalendar) -> None:
    assert date(2024, 9, 29).weekday() == 6
    assert cal.is_working_day(date(2024, 9, 29))
    assert cal.is_working_day(date(2024, 10, 12))  # Saturday worked for National Day


def test_national_day_2024_rolls_to_8_october(cal: ChinaCalendar) -> None:
    assert cal.adjust(date(2024, 10, 1)) == date(2024, 10, 8)
    assert cal.holiday_name(date(2024, 10, 1)) is not None


def test_spring_festival_2025(cal: ChinaCalendar) -> None:
    assert not cal.is_working_day(date(2025, 1, 29))
    assert cal.is_working_day(date(2025, 1, 26))  # Sunday worked before the Spring Festival
    assert cal.is_working_day(date(2025, 2, 8))  # Saturday worked after it
    assert cal.adjust(date(2025, 1, 28)) == date(2025, 2, 5)


def test_modified_following_stays_in_month(cal: ChinaCalendar) -> None:
    # 2025-05-31 is a Saturday in the Dragon Boat holiday; following leaves May.
    assert cal.adjust(date(2025, 5, 31), Roll.FOLLOWING) == date(2025, 6, 3)
    assert cal.adjust(date(2025, 5, 31), Roll.MODIFIED_FOLLOWING) == date(2025, 5, 30)
    assert cal.adjust(date(2025, 5, 30), Roll.MODIFIED_FOLLOWING) == date(2025, 5, 30)


def test_a_year_without_a_notice_is_provisional_not_refused(cal: ChinaCalendar) -> None:
    assert cal.source(2026) is Source.OFFICIAL_SHIPPED and not cal.is_provisional(2026)
    assert cal.source(2031) is Source.PROVISIONAL and cal.is_provisional(2031)
    assert cal.is_working_day(date(2031, 3, 3))  # a Monday with no holiday
    assert not cal.is_working_day(date(2031, 10, 2))  # National Day
    assert cal.holiday_name(date(2031, 1, 23)) == "春节"  # the first day of the lunar year


def test_roll_marks_a_date_that_a_provisional_year_decided(cal: ChinaCalendar) -> None:
    official = cal.roll(date(2026, 10, 1))
    assert official == Rolled(date(2026, 10, 8), date(2026, 10, 1), False, ())
    # 2027: Saturday 20 February rolls to Monday 22; Labour Day 1-2 May falls on the
    # weekend, so it is made up on Monday 3 and Tuesday 4 May.
    assert cal.roll(date(2027, 2, 20)) == Rolled(
        date(2027, 2, 22), date(2027, 2, 20), True, (2027,)
    )
    assert cal.adjust(date(2027, 5, 1)) == date(2027, 5, 5)
    assert cal.roll(date(2027, 5, 3), Roll.PRECEDING).date == date(2027, 4, 30)
    # a working day of a provisional year is still only provisionally one
    assert cal.roll(date(2027, 3, 2)) == Rolled(date(2027, 3, 2), date(2027, 3, 2), True, (2027,))
    # from an official year into a provisional one: the mark names the year that decided
    span = cal.shift(date(2026, 12, 31), 3)
    assert span.date == date(2027, 1, 6) and span.provisional and span.provisional_years == (2027,)
    assert not cal.shift(date(2026, 12, 1), 5).provisional


def test_no_valid_date_is_refused() -> None:
    cal = ChinaCalendar.default()
    for d in (
        date(1, 1, 1),
        date(1582, 10, 10),
        date(1999, 2, 16),
        date(2100, 2, 9),
        date(9999, 12, 31),
    ):
        assert cal.adjust(d) >= d
        assert isinstance(cal.is_working_day(d), bool)
    assert cal.adjust(date(9999, 12, 31), Roll.PRECEDING) == date(9999, 12, 31)
    with pytest.raises(InvalidInput) as e:
        cal.add_working_days(date(1, 1, 2), -1)
    assert e.value.code == "date_out_of_range"


def test_operator_loads_a_new_year(tmp_path: Path) -> None:
    f = tmp_path / "2031.json"
    f.write_text(
        json.dumps(
            {
                "year": 2031,
                "source": "State Council notice (test)",
                "holidays": {"2031-01-01": "元旦", "2031-01-02": "元旦"},
                "workdays": {"2031-01-04": "元旦"},
            }
        )
    )
    cal = ChinaCalendar.default(tmp_path)
    assert 2031 in cal.official_years and cal.source(2031) is Source.OFFICIAL_LOADED
    assert not cal.is_working_day(date(2031, 1, 1))
    assert cal.is_working_day(date(2031, 1, 4))  # a Saturday made a working day
    assert cal.adjust(date(2031, 1, 1)) == date(2031, 1, 3)
    assert not cal.roll(date(2031, 1, 1)).provisional


def test_loading_an_official_year_replaces_the_provisional_one(tmp_path: Path) -> None:
    cal = ChinaCalendar.default()
    provisional = cal.roll(date(2027, 2, 11))
    assert provisional.date == date(2027, 2, 11) and provisional.provisional
    f = tmp_path / "2027.json"
    days = {f"2027-02-{d:02d}": "春节" for d in range(5, 14)}
    f.write_text(json.dumps({"year": 2027, "holidays": days, "workdays": {"2027-02-20": "春节"}}))
    result = cal.load_file(f)
    assert result.replaced is Source.PROVISIONAL and result.replaced_provisional
    # 11-12 February become holidays, 20 February a working Saturday, and every
    # provisional holiday the file does not list becomes a working day again
    assert {date(2027, 2, 11), date(2027, 2, 12), date(2027, 2, 20)} <= set(result.changed_days)
    assert date(2027, 10, 4) in result.changed_days
    assert cal.source(2027) is Source.OFFICIAL_LOADED
    again = cal.roll(provisional.requested)
    assert again == Rolled(date(2027, 2, 15), date(2027, 2, 11), False, ())
    assert cal.is_working_day(date(2027, 2, 20))


def test_bad_schedule_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "2032.json"
    f.write_text(
        json.dumps(
            {"year": 2032, "holidays": {"2032-01-01": "元旦"}, "workdays": {"2032-01-05": "x"}}
        )
    )
    cal = ChinaCalendar.default()
    with pytest.raises(InvalidInput) as e:
        cal.load_file(f)
    assert e.value.errors[0].field == "workdays"
    assert "weekday" in e.value.errors[0].reason
    assert cal.source(2032) is Source.PROVISIONAL


def test_add_working_days(cal: ChinaCalendar) -> None:
    assert cal.add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert cal.working_days_between(date(2024, 9, 27), date(2024, 10, 8)) == 3


def test_act360_readme_check() -> None:
    assert days_between(date(2024, 1, 15), date(2024, 4, 15)) == 91
    interest = simple_interest(Money.of("1000000", "CNY"), Decimal("0.045"), 91, 360)
    assert interest == Money.of("11375.00", "CNY")


def test_thirty_360_against_quantlib_vectors() -> None:
    vectors = json.loads((SHARED / "quantlib-daycount.json").read_text())
    for start, end, expected in vectors["thirty360_bond_basis_daycount"]:
        got = days_between(date.fromisoformat(start), date.fromisoformat(end), DayCount.THIRTY_360)
        assert got == expected, (start, end)


def test_act_act_isda_against_quantlib_vectors() -> None:
    vectors = json.loads((SHARED / "quantlib-daycount.json").read_text())
    rows = [r for r in vectors["actual_actual"] if r[0] == "ISDA"]
    assert rows
    for _, start, end, _, _, expected in rows:
        got = year_fraction(
            date.fromisoformat(start), date.fromisoformat(end), DayCount.ACT_ACT_ISDA
        )
        assert abs(got - Decimal(str(expected))) < Decimal("1e-10"), (start, end)


def test_act365f_against_ukef_fee_vector() -> None:
    vec = json.loads((SHARED / "fineract-emi-and-ukef-fee.json").read_text())[
        "ukef_dtfs2_fixed_fee"
    ]
    i = vec["inputs"]
    # utilisation x rate x admin factor x days / 365, rounded to cents
    principal = Money.of(str(i["utilisation"]), "USD")
    r = Decimal(str(i["interestPercentage"])) / 100 * Decimal(str(i["bankAdminFactor"]))
    assert i["dayCountBasis"] == 365
    fee = simple_interest(principal, r, i["days"], 365)
    assert fee == Money.of(str(vec["expected"]), "USD")
    assert (
        year_fraction(date(2024, 1, 1), date(2024, 12, 31), DayCount.ACT_365F) == Decimal(365) / 365
    )
