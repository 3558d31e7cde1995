"""Rules of payable certificates on the pure model, with Hypothesis over random operations."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from scf.certificates.model import (
    Book,
    CertificateStatus,
    PieceStatus,
    add_months,
    check_cap,
    check_split,
    grace_end,
    maturity_for,
    positive_amount,
    price_piece,
    split_off,
    unpaid_status,
)
from scf.core.calendar import ChinaCalendar
from scf.core.daycount import DayCount
from scf.core.errors import DomainError, InvalidInput, RuleViolation
from scf.core.money import Money

CAL = ChinaCalendar.default()


def cny(x: str) -> Money:
    return Money.of(x, "CNY")


def test_split_must_add_up_and_be_positive() -> None:
    check_split(cny("100.00"), [cny("33.33"), cny("66.67")])
    with pytest.raises(InvalidInput) as e:
        check_split(cny("100.00"), [cny("33.33"), cny("66.66")])
    assert e.value.code == "split_mismatch" and e.value.errors[0].field == "parts"
    with pytest.raises(InvalidInput):
        check_split(cny("100.00"), [cny("100.00")])
    with pytest.raises(InvalidInput):
        check_split(cny("100.00"), [cny("0"), cny("100.00")])


def test_amounts_have_at_most_two_decimals() -> None:
    with pytest.raises(InvalidInput) as e:
        positive_amount("10.005", "CNY")
    assert e.value.code == "too_many_decimals"
    with pytest.raises(InvalidInput):
        positive_amount("0", "CNY")
    assert positive_amount("0.01", "CNY") == Money(1, "CNY")


def test_split_off_an_amount() -> None:
    assert split_off(cny("10"), cny("10")) == [cny("10")]
    assert split_off(cny("10"), cny("3.50")) == [cny("3.50"), cny("6.50")]
    with pytest.raises(InvalidInput):
        split_off(cny("10"), cny("10.01"))


def test_maturity_capped_and_rolled_to_a_working_day() -> None:
    issue = date(2025, 3, 3)
    # 2025-10-01 is National Day: with 8 months it rolls forward to 2025-10-09; with 7 the
    # cap (2025-10-03) is nearer, so it rolls back to the last working day before the holiday
    assert maturity_for(date(2025, 10, 1), issue, 8, CAL).date == date(2025, 10, 9)
    assert maturity_for(date(2025, 10, 1), issue, 7, CAL).date == date(2025, 9, 30)
    # a Saturday inside six months rolls to Monday
    assert maturity_for(date(2025, 8, 2), issue, 6, CAL).date == date(2025, 8, 4)
    with pytest.raises(InvalidInput) as e:
        maturity_for(date(2025, 9, 4), issue, 6, CAL)
    assert e.value.code == "maturity_past_limit" and e.value.errors[0].field == "maturity_on"
    with pytest.raises(InvalidInput):
        maturity_for(date(2026, 3, 4), issue, 12, CAL)
    with pytest.raises(InvalidInput):
        maturity_for(date(2025, 6, 1), issue, 13, CAL)
    # the cap date itself on a weekend rolls back instead of past the cap
    limit = add_months(date(2025, 2, 5), 6)  # 2025-08-05, a Tuesday
    assert maturity_for(limit, date(2025, 2, 5), 6, CAL).date == limit
    assert maturity_for(date(2025, 9, 6), date(2025, 3, 6), 6, CAL).date == date(2025, 9, 5)


def test_discount_price_act_360() -> None:
    # 1,000,000 x 4.5% x 91/360 = 11,375.00 (15 Jan to 15 Apr 2024)
    p = price_piece(
        cny("1000000.00"),
        Decimal("0.045"),
        date(2024, 1, 15),
        date(2024, 4, 15),
        DayCount.ACT_360,
        funder_fee=cny("100.00"),
        platform_fee_rate=Decimal("0.0005"),
    )
    assert p.days == 91
    assert p.discount == cny("11375.00")
    assert p.price == cny("988625.00")
    assert p.platform_fee == cny("500.00")
    assert p.proceeds == cny("988025.00")
    hkd = price_piece(
        Money.of("365000", "HKD"),
        Decimal("0.05"),
        date(2024, 1, 1),
        date(2025, 1, 1),
        DayCount.ACT_365F,
    )
    assert hkd.discount == Money.of("18300.00", "HKD")  # 366 days / 365
    with pytest.raises(RuleViolation):
        price_piece(cny("1"), Decimal("0.01"), date(2024, 4, 15), date(2024, 4, 15))


def test_cap_refuses_over_cap() -> None:
    check_cap(cny("50"), cny("50"), cny("100"), who="x")
    with pytest.raises(RuleViolation) as e:
        check_cap(cny("50"), cny("50.01"), cny("100"), who="x")
    assert e.value.code == "exposure_cap_exceeded"


def test_overdue_then_default_after_grace() -> None:
    m = date(2025, 6, 30)
    end = grace_end(m, 5, CAL)
    assert end == date(2025, 7, 7)
    assert unpaid_status(m, m, end) is None
    assert unpaid_status(m, date(2025, 7, 1), end) is CertificateStatus.OVERDUE
    assert unpaid_status(m, end, end) is CertificateStatus.OVERDUE
    assert unpaid_status(m, date(2025, 7, 8), end) is CertificateStatus.DEFAULTED


@given(
    face=st.integers(min_value=2, max_value=10**12),
    cuts=st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=8),
)
def test_any_split_that_adds_up_is_accepted(face: int, cuts: list[int]) -> None:
    points = sorted({c % face for c in cuts} - {0})
    bounds = [0, *points, face]
    parts = [Money(b - a, "CNY") for a, b in itertools.pairwise(bounds)]
    if len(parts) < 2:
        return
    check_split(Money(face, "CNY"), parts)
    with pytest.raises(InvalidInput):
        check_split(Money(face + 1, "CNY"), parts)


ORGS = ["core", "s1", "s2", "s3", "s4", "s5"]
BANK = "bank"


class CertificateMachine(RuleBasedStateMachine):
    """Random issue / split / transfer / finance / settle / receive sequences on the book."""

    def __init__(self) -> None:
        super().__init__()
        self.book = Book(today=date(2025, 3, 3))
        self.line = self.book.add_line(BANK, "core", cny("1000000.00"))
        self.receipts: list[tuple[str, str]] = []

    @rule(holder=st.sampled_from(ORGS[1:]), cents=st.integers(1, 40_000_00))
    def issue(self, holder: str, cents: int) -> None:
        rec = self.book.add_receivable(holder, "core", Money(cents + 100, "CNY"))
        try:
            self.book.issue(self.line.id, holder, Money(cents, "CNY"), date(2025, 8, 29), rec.id)
        except DomainError:
            assert self.line.used + Money(cents, "CNY") > self.line.limit

    def _pieces(self) -> list[str]:
        return sorted(self.book.pieces)

    @precondition(lambda self: self.book.pieces)
    @rule(data=st.data())
    def split(self, data: st.DataObject) -> None:
        pid = data.draw(st.sampled_from(self._pieces()))
        piece = self.book.pieces[pid]
        n = data.draw(st.integers(1, 4))
        cut = data.draw(st.integers(0, max(piece.face.minor - 1, 0)))
        parts = [Money(cut, "CNY"), Money(piece.face.minor - cut, "CNY")][: n + 1]
        before = self._state()
        try:
            self.book.split(pid, piece.holder, parts)
        except DomainError:
            assert self._state() == before  # a refusal changes nothing

    @precondition(lambda self: self.book.pieces)
    @rule(data=st.data(), to=st.sampled_from(ORGS[1:]), background=st.booleans())
    def transfer(self, data: st.DataObject, to: str, background: bool) -> None:
        pid = data.draw(st.sampled_from(self._pieces()))
        piece = self.book.pieces[pid]
        amount = Money(data.draw(st.integers(1, max(piece.face.minor, 1))), "CNY")
        rid = "none"
        live = piece.status is PieceStatus.LIVE
        if background and to != piece.holder:
            rid = self.book.add_receivable(to, piece.holder, amount).id
        before = self._state()
        try:
            self.book.transfer(pid, piece.holder, to, amount, rid)
        except DomainError:
            assert self._state() == before
            cert_open = self.book.certificates[piece.certificate_id].status is (
                CertificateStatus.ACTIVE
            )
            assert not (background and to != piece.holder and cert_open and live)

    @precondition(lambda self: self.book.pieces)
    @rule(data=st.data())
    def finance(self, data: st.DataObject) -> None:
        pid = data.draw(st.sampled_from(self._pieces()))
        piece = self.book.pieces[pid]
        amount = Money(data.draw(st.integers(1, max(piece.face.minor, 1))), "CNY")
        before = self._state()
        try:
            self.book.finance(pid, piece.holder, BANK, amount)
        except DomainError:
            assert self._state() == before

    @precondition(lambda self: self.book.certificates)
    @rule(data=st.data())
    def settle(self, data: st.DataObject) -> None:
        cid = data.draw(st.sampled_from(sorted(self.book.certificates)))
        cert = self.book.certificates[cid]
        if cert.status is not CertificateStatus.ACTIVE:
            with pytest.raises(DomainError):
                self.book.settle(cid)
            return
        pays = self.book.settle(cid)
        assert sum(p.amount.minor for p in pays) == self.book.live_face(cid).minor
        self.receipts.extend((cid, p.piece_id) for p in pays)

    @precondition(lambda self: self.receipts)
    @rule(data=st.data())
    def receive(self, data: st.DataObject) -> None:
        cid, pid = data.draw(st.sampled_from(self.receipts))
        first = self.book.pieces[pid].status is PieceStatus.LIVE
        booked = self.book.receive(cid, pid, self.book.pieces[pid].face)
        assert booked == first  # a repeated receipt pays nothing

    def _state(self) -> tuple[object, ...]:
        return (
            tuple((p.id, p.holder, p.face, p.status) for p in self.book.pieces.values()),
            tuple((r.id, r.unused) for r in self.book.receivables.values()),
            self.line.used,
        )

    @invariant()
    def invariants(self) -> None:
        self.book.check()
        for p in self.book.pieces.values():
            kids = [c for c in self.book.pieces.values() if c.parent_id == p.id]
            if kids:  # a piece with children is spent, and nothing more happened to it
                assert p.status is PieceStatus.SPENT
                assert sum(k.face.minor for k in kids) == p.face.minor
            assert p.face.is_positive()
        # each holder of record is paid exactly once per piece
        paid = [pid for c in self.book.certificates.values() for pid in c.paid]
        assert len(paid) == len(set(paid))
        assert all(self.book.pieces[pid].status is PieceStatus.PAID for pid in paid)


CertificateMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None
)
TestCertificates = CertificateMachine.TestCase
