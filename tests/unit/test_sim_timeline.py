"""The simulator's months on the calendar, and its progress lines off a terminal."""

from __future__ import annotations

import io
from datetime import date, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from scf.sim.progress import ProgressLines, on_terminal
from scf.sim.timeline import Timeline


def test_the_default_year_is_the_calendar_months_of_2025() -> None:
    t = Timeline.default()
    assert t.start == date(2025, 1, 1) and t.end == date(2025, 12, 31)
    assert [t.month_end(i).day for i in range(12)] == [
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    ]  # fmt: skip
    assert t.month_of(date(2025, 2, 28)) == 1 and t.month_of(date(2026, 1, 1)) == 12
    assert Timeline.default(3).end == date(2025, 3, 31)


def test_twelve_months_end_on_the_day_of_the_demo() -> None:
    t = Timeline.ending(date(2027, 3, 31))
    assert t.start == date(2026, 4, 1) and t.month_end(11) == date(2027, 3, 31)
    assert t.month_end(10) == date(2027, 2, 28)  # the 31st falls back to February's last
    t = Timeline.ending(date(2026, 12, 3))
    assert t.start == date(2025, 12, 4)
    assert t.month_of(date(2026, 12, 3)) == 11 and t.month_of(date(2026, 12, 4)) == 12
    assert t.month_of(date(2026, 11, 3)) == 10 and t.month_of(date(2026, 11, 4)) == 11
    assert (t.season(0), t.season(11)) == (1.2, 1.1)  # mostly December, mostly November


@given(
    as_of=st.dates(date(2020, 1, 1), date(2040, 12, 31)),
    offset=st.integers(-400, 400),
)
def test_every_day_falls_in_exactly_one_month(as_of: date, offset: int) -> None:
    t = Timeline.ending(as_of)
    d = as_of + timedelta(days=offset)
    m = t.month_of(d)
    assert t.month_start(m) <= d <= t.month_end(m)
    assert t.month_end(m) + timedelta(days=1) == t.month_start(m + 1)
    assert (m == 11) == (t.month_start(11) <= d <= as_of)


def test_drawn_days_stay_in_the_simulated_year() -> None:
    t = Timeline.ending(date(2027, 3, 31))  # the Spring Festival of 2027 is on 6 February
    rng = np.random.default_rng(1)
    days = [t.date_in(rng, m) for m in range(12) for _ in range(200)]
    assert t.start <= min(days) and max(days) <= t.end
    holiday = [d for d in days if date(2027, 2, 5) <= d <= date(2027, 2, 12)]
    after = [d for d in days if date(2027, 2, 13) <= d <= date(2027, 2, 20)]
    assert len(holiday) * 3 < len(after)  # most of the holiday's days move after it
    ends = Timeline.ending(date(2027, 2, 8))  # a year ending in the holiday keeps its days
    assert max(ends.date_in(rng, 11) for _ in range(200)) == date(2027, 2, 8)


def test_progress_lines_off_a_terminal_name_the_phase_count_and_time() -> None:
    out = io.StringIO()
    assert not on_terminal(out)
    lines = ProgressLines("scf", out)
    for done in range(13):
        lines("loading: months", done, 12)
    text = out.getvalue().splitlines()
    assert text[0].startswith("scf: loading: months 0/12 (") and text[0].endswith(" s)")
    assert text[-1].startswith("scf: loading: months 12/12 (")
    assert len(text) == 2  # throttled between the first and the last
