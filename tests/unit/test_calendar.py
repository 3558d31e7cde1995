import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from scf.core.calendar import CalendarYearUnknown, ChinaCalendar, Roll
from scf.core.daycount import DayCount, days_between, year_fraction
from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.core.rates import simple_interest

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "calc-vectors"


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


def test_unknown_year_is_flagged_not_guessed(cal: ChinaCalendar) -> None:
    assert 2024 in cal.known_years and 2025 in cal.known_years
    with pytest.raises(CalendarYearUnknown) as e:
        cal.is_working_day(date(2031, 3, 3))
    assert "2031" in e.value.message
    assert e.value.code == "calendar_year_unknown"


def test_operator_loads_a_new_year(tmp_path: Path) -> None:
    f = tmp_path / "2031.json"
    f.write_text(
        json.dumps(
            {
                "year": 2031,
                "source": "State Council notice (test)",
                "holidays": {"2031-01-01": "New Year's Day", "2031-01-02": "New Year's Day"},
                "workdays": {"2031-01-04": "New Year's Day"},
            }
        )
    )
    cal = ChinaCalendar.default(tmp_path)
    assert 2031 in cal.known_years
    assert not cal.is_working_day(date(2031, 1, 1))
    assert cal.is_working_day(date(2031, 1, 4))  # a Saturday made a working day
    assert cal.adjust(date(2031, 1, 1)) == date(2031, 1, 3)


def test_bad_schedule_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "2032.json"
    f.write_text(json.dumps({"year": 2032, "holidays": {}, "workdays": {"2032-01-05": "x"}}))
    with pytest.raises(InvalidInput) as e:
        ChinaCalendar().load_file(f)
    assert e.value.errors[0].field == "workdays"


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
