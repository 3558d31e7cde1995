"""The detectors on plain data: round trips, shells from behaviour, goods names, premises,
near-duplicate numbers and deep control."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scf.core.commodities import commodity_key, lot_core, same_grade
from scf.parties.model import Holding, control_map, derive_related_parties, premises_key
from scf.risk import graph as G
from scf.risk.roundtrips import (
    CIRCULAR_TRADE,
    RETURNING_FUNDS,
    RoundTripRule,
    find_round_trips,
    parallel_groups,
)
from scf.trade.authenticity import one_edit_apart

DAY = 740_000  # an ordinal day


def _edges(rows: list[tuple[int, int, int, int]], n: int) -> G.EdgeList:
    src, dst, amount, day = zip(*rows, strict=True)
    return G.EdgeList.of(list(src), list(dst), list(amount), [DAY + d for d in day], n)


def test_a_long_slow_ring_shaving_its_margin_is_a_round_trip() -> None:
    # 10 hops, 12% shaved at each, closing after 300 days
    value, rows = 10_000_000, []
    for h in range(10):
        rows.append((h, (h + 1) % 10, value, 30 * h))
        value = value * 88 // 100
    trips = find_round_trips(_edges(rows, 10))
    assert len(trips) == 1
    t = trips[0]
    assert (t.kind, t.hops, t.last_day - t.first_day) == (CIRCULAR_TRADE, 10, 270)
    assert 0 < t.score < 1 and set(t.factors) == {
        "value_back",
        "thin_margins",
        "tight_timing",
        "related",
    }
    # the same ring beyond the window or the hop count is not searched
    assert find_round_trips(_edges(rows, 10), RoundTripRule(window_days=200)) == []
    assert find_round_trips(_edges(rows, 10), RoundTripRule(max_hops=8)) == []


def test_value_added_and_toll_processing_are_not_round_trips() -> None:
    chain = [(h, (h + 1) % 4, 1_000_000 * (125**h) // (100**h), 10 * h) for h in range(4)]
    assert find_round_trips(_edges(chain, 4)) == []  # 25% added a hop
    # materials out, processed goods back dearer, batch after batch: never a round trip,
    # even where one batch's buy-back and a later batch's materials line up
    toll = [(0, 1, 1_000_000, 0), (1, 0, 1_050_000, 30), (0, 1, 1_040_000, 90)]
    toll += [(1, 0, 1_092_000, 120)]
    assert find_round_trips(_edges(toll, 2)) == []


def test_layering_through_parallel_intermediaries_is_found_at_any_degree() -> None:
    for k in (2, 3, 7):
        mids = list(range(1, k + 1))
        second = list(range(k + 1, 2 * k + 1))
        rows = [(0, m, 900_000, 0) for m in mids]  # scatter
        rows += [(m, n, 880_000 // k, 10) for m in mids for n in second]  # bipartite layer
        rows += [(n, 0, 870_000, 20) for n in second]  # gather back
        rep = parallel_groups(_edges(rows, 2 * k + 1))
        assert len(set(rep[mids].tolist())) == 1 and len(set(rep[second].tolist())) == 1
        trips = find_round_trips(_edges(rows, 2 * k + 1))
        assert trips and trips[0].kind == RETURNING_FUNDS
        assert set(trips[0].firms) == set(range(2 * k + 1))


def test_fan_in_and_fan_out_alone_are_no_round_trip() -> None:
    fan_in = [(s, 0, 100_000 + s, s) for s in range(1, 40)]
    fan_out = [(0, s, 100_000 + s, s) for s in range(40, 80)]
    assert find_round_trips(_edges(fan_in + fan_out, 80)) == []


def test_shells_from_behaviour() -> None:
    t = G.ShellThresholds()
    # a paper-capital shell: weeks old, one customer, five times its capital in a month
    burst = _edges([(0, 1, 10_000_000 * 100, d) for d in (0, 7, 14, 21, 28)], 3)
    sales = G.trade_behaviour(burst, 0, DAY + 30, t.recent_days)
    shell = G.shell_indicators(
        age_days=40, capital_minor=1_000_000 * 100, shared_with=[], in_group_share=None, sales=sales
    )
    assert [r.split(":")[0] for r in shell] == ["new", "burst", "one customer"]
    assert G.shell_score(shell) >= t.min_score
    # a dormant firm waking up with a burst to one new customer
    woke = _edges([(0, 2, 5_000_000, 0), (0, 1, 900_000_000, 300), (0, 1, 900_000_000, 310)], 3)
    sales = G.trade_behaviour(woke, 0, DAY + 320, t.recent_days)
    dormant = G.shell_indicators(
        age_days=3000, capital_minor=500_000_000, shared_with=[], in_group_share=None, sales=sales
    )
    assert "dormant, then a burst" in [r.split(":")[0] for r in dormant]
    assert G.shell_score(dormant) >= t.min_score
    # a start-up: young, small capital, several times it sold to five customers
    shop = _edges([(0, c, 4_000_000, 7 * c) for c in range(1, 6)], 6)
    sales = G.trade_behaviour(shop, 0, DAY + 40, t.recent_days)
    startup = G.shell_indicators(
        age_days=60, capital_minor=5_000_000, shared_with=[], in_group_share=None, sales=sales
    )
    assert G.shell_score(startup) < t.min_score


def test_goods_names_meet_in_the_vocabulary() -> None:
    gold = {
        commodity_key(n) for n in ("黄金", "足金", "标准金锭", "Au99.99", "AU9999", "7108120000")
    }
    oil = {
        commodity_key(n) for n in ("保税燃料油", "船用燃料油", "IFO380", "RMG 380", "2710192200")
    }
    assert gold == {"黄金"} and oil == {"保税燃料油"}
    assert commodity_key("  Widget  X ") == "widget x"  # unknown names keep their own spelling
    assert same_grade("Au99.99", "AU9999") and not same_grade("Au99.99", "Au99.5")
    assert same_grade("380CST", "RMG380")  # not comparable: not told apart
    assert lot_core("LOT0042") == lot_core("0042-A") == "0042"


def test_an_address_is_shared_premises_only_below_the_building() -> None:
    assert premises_key("深圳市南山区高新科技园12栋") == ""
    assert premises_key("广东省深圳市宝安区某街道12号301室") == premises_key(
        "深圳市宝安区某街道１２号 301室"
    )
    graph = derive_related_parties(
        [],
        [],
        {"a": "深圳市南山区高新科技园12栋", "b": "深圳市南山区高新科技园12栋", "c": "某路1号2室"},
        {"a": "", "b": "", "c": ""},
        ["a", "b", "c"],
    )
    assert graph.links == []


def test_control_is_traced_down_long_chains_and_around_cycles() -> None:
    chain = [Holding("p", "o0", Decimal("0.6"))]
    chain += [Holding(f"o{i}", f"o{i + 1}", Decimal("0.6")) for i in range(12)]
    assert "o12" in control_map(chain)["p"]
    ring = [Holding(f"r{i}", f"r{(i + 1) % 5}", Decimal("0.51")) for i in range(5)]
    ctrl = control_map(ring)
    assert set(ctrl["r0"]) == {"r1", "r2", "r3", "r4"}  # nobody controls itself


def test_invoice_numbers_one_character_apart() -> None:
    assert one_edit_apart("12345678", "12345679")
    assert one_edit_apart("1234567", "12345678") and one_edit_apart("12345678", "1234578")
    assert not one_edit_apart("12345678", "12345699")


def test_the_related_party_policy_is_the_operators(monkeypatch: pytest.MonkeyPatch) -> None:
    from scf.parties.model import RelatedLink, RelatedPartyGraph
    from scf.risk import config, findings

    graph = RelatedPartyGraph(links=[RelatedLink("a", "b", "shared_phone")])
    monkeypatch.setenv("SCF_RISK_RELATED_POLICY", '{"shared_phone": "refuse"}')
    config.risk_settings.cache_clear()
    try:
        found = findings._related_party_check(graph, "a", "b")
        assert found is not None and found.evidence["decision"] == "refuse"
        assert found.evidence["policy"] == {"shared_phone": "refuse"} and found.score == 1.0
        monkeypatch.setenv("SCF_RISK_RELATED_POLICY", '{"shared_phone": "note"}')
        config.risk_settings.cache_clear()
        found = findings._related_party_check(graph, "a", "b")
        assert found is not None and found.evidence["decision"] == "note"
        monkeypatch.setenv("SCF_RISK_RELATED_POLICY", '{"shared_phone": "ignore"}')
        config.risk_settings.cache_clear()
        with pytest.raises(ValueError, match="related_policy"):
            config.risk_settings()
    finally:
        monkeypatch.delenv("SCF_RISK_RELATED_POLICY")
        config.risk_settings.cache_clear()
