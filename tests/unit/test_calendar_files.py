"""Calendar files: the shipped official schedules and the operator's files, line by line."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from scf.core.calendar import ChinaCalendar, Source
from scf.core.calendar_schedule import parse_schedule, shipped_schedule, shipped_years
from scf.core.errors import InvalidInput
from tools import make_calendar_data as generator

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "calendar-2026.json"


def _year_days(year: int) -> list[date]:
    return [d for d in (date(year, 1, 1) + timedelta(days=i) for i in range(366)) if d.year == year]


def test_every_year_both_libraries_know_is_shipped() -> None:
    assert shipped_years() == tuple(generator.official_years())
    assert shipped_years()[0] == 2004 and shipped_years()[-1] >= 2026


@pytest.mark.parametrize("year", shipped_years())
def test_shipped_schedule_is_what_the_generator_writes(year: int) -> None:
    shipped = shipped_schedule(year)
    made = generator.from_chinesecalendar(year)
    assert shipped is not None and shipped.source is Source.OFFICIAL_SHIPPED
    assert dict(shipped.holidays) == dict(made.holidays)
    assert dict(shipped.workdays) == dict(made.workdays)


@pytest.mark.parametrize("year", shipped_years())
def test_shipped_schedule_agrees_with_chinesecalendar_and_holidays(year: int) -> None:
    shipped = shipped_schedule(year)
    assert shipped is not None
    by_holidays = generator.holidays_working_days(year)
    corrected = set(generator.CORRECTIONS)
    for d in _year_days(year):
        assert shipped.is_working_day(d) == by_holidays[d], d
        if d not in corrected:
            assert shipped.is_working_day(d) == chinese_calendar.is_workday(d), d
        else:
            assert shipped.is_working_day(d) != chinese_calendar.is_workday(d), d


def test_the_sample_file_loads(tmp_path: Path) -> None:
    cal = ChinaCalendar.default()
    result = cal.load_file(SAMPLE)
    assert result.schedule.year == 2026 and result.replaced is Source.OFFICIAL_SHIPPED
    assert result.changed_days == ()  # the sample is the 2026 notice itself
    assert cal.source(2026) is Source.OFFICIAL_LOADED
    assert cal.is_working_day(date(2026, 2, 28))  # a Saturday worked for the Spring Festival


def test_file_form_round_trips() -> None:
    shipped = shipped_schedule(2025)
    assert shipped is not None
    again = parse_schedule(shipped.as_json(), Source.OFFICIAL_SHIPPED)
    assert again == shipped


BAD = """{
  "year": 2027,
  "source": "test",
  "holidays": {
    "2027-01-01": "元旦",
    "2027-02-30": "春节",
    "2028-02-06": "春节",
    "2027-02-07": "春节",
    "2027-01-01": "元旦"
  },
  "workdays": {
    "2027-02-07": "春节",
    "2027-02-08": "春节"
  },
  "workday": {}
}
"""


def test_a_bad_file_is_refused_with_every_line_and_reason(tmp_path: Path) -> None:
    f = tmp_path / "2027.json"
    f.write_text(BAD, encoding="utf-8")
    cal = ChinaCalendar.default()
    with pytest.raises(InvalidInput) as e:
        cal.load_file(f)
    got = {(err.line, err.field) for err in e.value.errors}
    assert got == {
        (6, "holidays"),  # 2027-02-30 is not a date
        (7, "holidays"),  # 2028 in a 2027 file
        (9, "holidays"),  # listed twice
        (12, "workdays"),  # a holiday too
        (13, "workdays"),  # a Monday
        (15, "workday"),  # unknown key
    }
    reasons = {err.line: err.reason for err in e.value.errors}
    assert "not a date" in reasons[6]
    assert "not in 2027" in reasons[7]
    assert "twice" in reasons[9]
    assert "both as a holiday (line 8)" in reasons[12]
    assert "weekday" in reasons[13]
    assert "line 6" in e.value.message
    assert cal.source(2027) is Source.PROVISIONAL  # nothing was loaded


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{\n  "year": 2027,\n  "holidays": {"2027-01-01": "元旦",}\n}\n', 3, "not JSON"),
        ('[\n  {"year": 2027}\n]\n', 1, "one JSON object"),
        ('{\n  "year": "2027",\n  "holidays": {"2027-01-01": "元旦"}\n}\n', 2, "not a year"),
        ('{\n  "year": 2027,\n  "holidays": {}\n}\n', 3, "lists no day"),
        ('{\n  "year": 2027,\n  "holidays": {"2027-01-01": ""}\n}\n', 3, "name"),
        ('{\n  "year": 2027,\n  "holidays": {"2027-1-1": "元旦"}\n}\n', 3, "not a date"),
    ],
)
def test_each_kind_of_bad_file_names_its_line(text: str, line: int, words: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_schedule(text)
    assert e.value.errors[0].line == line
    assert words in e.value.errors[0].reason


def test_a_file_that_is_not_text_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "2027.json"
    f.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(InvalidInput) as e:
        ChinaCalendar.default().load_file(f)
    assert "UTF-8" in e.value.message


def test_a_minified_file_names_line_one() -> None:
    text = json.dumps({"year": 2027, "holidays": {"2027-13-01": "x"}})
    with pytest.raises(InvalidInput) as e:
        parse_schedule(text)
    assert e.value.errors[0].line == 1
