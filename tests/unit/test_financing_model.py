"""Financing rules: the state machine, pricing, loan-to-value and exact bid clearing."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scf.core.errors import Conflict
from scf.core.money import Money
from scf.financing import model as M
from scf.financing.scenario import scenarios


def test_state_machine_refuses_skipping_registration() -> None:
    assert M.advance("registered", M.Status.DISBURSED, "disburse") is M.Status.DISBURSED
    with pytest.raises(Conflict) as e:
        M.advance("accepted", M.Status.DISBURSED, "disburse")
    assert "registration" in e.value.message


def test_price_uses_first_matching_group_and_red_list() -> None:
    groups = [M.RateGroup("small", Decimal("0.02"), frozenset({"small"}))]
    p = M.price(
        amount=Money.of("100000", "CNY"),
        days=90,
        base_rate=Decimal("0.03"),
        groups=groups,
        segment=M.Segment("small", frozenset(), True),
        red_list_discount=Decimal("0.005"),
    )
    assert p.rate == Decimal("0.045") and p.interest == Money.of("1125.00", "CNY")


def test_loan_to_value() -> None:
    assert M.loan_to_value(Money.of("60", "CNY"), Money.of("80", "CNY")) == Decimal("0.75")


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(100, 10**7), st.integers(0, 300), st.integers(1, 180)),
        min_size=0,
        max_size=7,
    ),
    st.integers(0, 3 * 10**7),
)
def test_clearing_is_optimal(raw: list[tuple[int, int, int]], cash: int) -> None:
    bids = [M.Bid(f"b{i}", a, Decimal(r) / Decimal(1000), d) for i, (a, r, d) in enumerate(raw)]
    hurdle = Decimal("0.05")
    picked = set(M.clear_bids(cash, hurdle, bids))
    ok = [b for b in bids if b.rate >= hurdle]
    best = 0
    for n in range(len(ok) + 1):
        for combo in itertools.combinations(ok, n):
            if sum(b.cash_minor() for b in combo) <= cash:
                best = max(best, sum(b.discount_minor() for b in combo))
    chosen = [b for b in bids if b.bid_id in picked]
    assert sum(b.cash_minor() for b in chosen) <= cash
    assert all(b.rate >= hurdle for b in chosen)
    assert sum(b.discount_minor() for b in chosen) == best


def test_milp_path_matches_branch_and_bound() -> None:
    bids = [
        M.Bid(f"b{i}", 1000 + 37 * i, Decimal("0.1") + Decimal(i) / 1000, 30 + i) for i in range(18)
    ]
    a = M._milp(12000, bids)
    b = M._branch_and_bound(12000, bids)
    gain = {x.bid_id: x.discount_minor() for x in bids}
    assert sum(gain[i] for i in a) == sum(gain[i] for i in b)


def test_seven_scenarios_found_through_entry_points() -> None:
    assert {
        "reverse_factoring",
        "receivables_factoring",
        "warehouse_pledge",
        "purchase_order",
        "bill_discounting",
        "dynamic_discounting",
        "credit_insurance",
    } <= set(scenarios())


def test_a_bid_in_money_and_as_an_annual_cost() -> None:
    """9% a year on 100,000.00 paid 60 days early: 1,500.00 off, 98,500.00 paid; what the
    supplier gives up is 1,500.00 on 98,500.00 for 60 days, 9.26% a year on 365 days."""
    b = M.Bid("b", 100_000_00, Decimal("0.09"), 60)
    assert b.discount_minor() == 1_500_00 and b.cash_minor() == 98_500_00
    apr = b.apr_equivalent()
    assert apr == (Decimal(1500) / Decimal(98500) * 365 / 60).quantize(Decimal("0.00000001"))
    assert Decimal("0.0926") < apr < Decimal("0.0927") and apr > b.rate
    with pytest.raises(Exception, match="no cash"):
        M.Bid("b", 100, Decimal("0.99"), 400).apr_equivalent()
