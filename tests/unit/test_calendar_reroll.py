"""Rolling a stored date again on a newly loaded schedule: the calendar copy, the terms."""

from __future__ import annotations

from datetime import date

from scf.certificates.model import maturity_reroll_refusal, roll_maturity
from scf.core.calendar import ChinaCalendar, Reroll, Source, YearSchedule

OFFICIAL_2027 = YearSchedule(
    2027,
    {date(2027, 2, d): "春节" for d in range(5, 14)},
    {date(2027, 2, 14): "春节", date(2027, 2, 20): "春节"},
    Source.OFFICIAL_LOADED,
)


def test_with_year_gives_a_copy_and_leaves_the_calendar_as_it_was() -> None:
    cal = ChinaCalendar()
    copy = cal.with_year(OFFICIAL_2027)
    assert cal.is_provisional(2027) and not copy.is_provisional(2027)
    assert cal.roll(date(2027, 2, 20)).date == date(2027, 2, 22)
    rolled = copy.roll(date(2027, 2, 20))
    assert (rolled.date, rolled.provisional) == (date(2027, 2, 20), False)
    assert copy.source(2026) is Source.OFFICIAL_SHIPPED and copy.is_provisional(2028)


def test_a_maturity_rolls_back_when_the_new_schedule_pushes_it_past_the_cap() -> None:
    copy = ChinaCalendar().with_year(OFFICIAL_2027)
    # 2027-02-13 is a day off; following is the Sunday worked, 2027-02-14
    assert roll_maturity(date(2027, 2, 13), date(2027, 3, 1), copy).date == date(2027, 2, 14)
    # with the cap on 2027-02-13 it rolls back to the last working day before the holiday
    assert roll_maturity(date(2027, 2, 13), date(2027, 2, 13), copy).date == date(2027, 2, 4)


def test_the_terms_keep_a_maturity_paid_instructed_or_past() -> None:
    today = date(2027, 2, 12)
    ahead, later = date(2027, 2, 22), date(2027, 2, 20)
    assert maturity_reroll_refusal("active", ahead, later, today, False) is None
    assert maturity_reroll_refusal("settled", ahead, later, today, False) == (
        "the certificate is settled"
    )
    assert maturity_reroll_refusal("active", ahead, later, today, True) == (
        "its settlement is instructed"
    )
    assert maturity_reroll_refusal("active", date(2027, 2, 11), later, today, False) == (
        "it has matured"
    )
    assert maturity_reroll_refusal("active", ahead, today, today, False) == (
        "the new maturity is not after today"
    )


def test_a_reroll_says_whether_it_was_applied() -> None:
    moved = Reroll(
        "certificates", "certificate", "crt_1", "maturity_on", *[date(2027, 2, 20)] * 3, False
    )
    kept = Reroll(
        "financing",
        "application",
        "fap_1",
        "due_on",
        date(2027, 2, 20),
        date(2027, 2, 22),
        date(2027, 2, 20),
        False,
        "org_1",
        "the financing is closed",
    )
    assert moved.applied and not kept.applied
    assert kept.as_json() == {
        "room": "financing",
        "record": "application",
        "record_id": "fap_1",
        "field": "due_on",
        "requested": "2027-02-20",
        "before": "2027-02-22",
        "after": "2027-02-20",
        "provisional": False,
        "org_id": "org_1",
        "applied": False,
        "reason": "the financing is closed",
    }
