"""The adversarial generator: the same seed gives the same world, and every label is true of
the records it planted (rings close within their windows, copies differ as their variant
says, control chains are as deep as labelled, ...)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import timedelta

import pytest

from scf.sim.adversarial import circular, goods, related, returning, shells
from scf.sim.adversarial.generate import build
from scf.sim.adversarial.world import (
    CIRCULAR,
    END,
    FAMILIES,
    GOODS,
    NEAR_DUPLICATE,
    RELATED,
    RETURNING,
    SHELL,
    Case,
    Confirmation,
    Factoring,
    Firm,
    Invoice,
    Order,
    PledgeAsk,
    Share,
    World,
    band,
    less,
)


@pytest.fixture(scope="module")
def world() -> World:
    return build("small", 7)


def _invoices_among(w: World, firms: tuple[str, ...]) -> list[Invoice]:
    members = set(firms)
    return [i for i in w.of(Invoice) if i.seller in members and i.buyer in members]


def _cases(w: World, family: str, planted: bool | None = None) -> list[Case]:
    return [c for c in w.cases if c.family == family and planted in (None, c.planted)]


def test_the_same_seed_gives_the_same_world_and_another_seed_another() -> None:
    a, b, c = build("tiny", 3), build("tiny", 3), build("tiny", 4)
    assert a.records == b.records
    assert [(x.key, x.params, x.bands) for x in a.cases] == [
        (x.key, x.params, x.bands) for x in b.cases
    ]
    assert a.records != c.records


def test_every_family_has_planted_cases_and_lookalikes_and_firms_serve_one_case(
    world: World,
) -> None:
    seen: dict[str, str] = {}
    for c in world.cases:
        for f in c.firms:
            assert f not in seen, f"{f} serves {seen[f]} and {c.key}"
            seen[f] = c.key
    for family in FAMILIES:
        assert len(_cases(world, family, True)) == world.size.planted
        assert len(_cases(world, family, False)) == world.size.lookalikes
    firms = {f.key for f in world.of(Firm)}
    usccs = [f.uscc for f in world.of(Firm)]
    assert len(set(usccs)) == len(usccs)
    assert all(f in firms for c in world.cases for f in c.firms)


def test_a_planted_ring_closes_within_its_window_shaving_its_margin(world: World) -> None:
    rings = _cases(world, CIRCULAR, True)
    assert {c.bands["hops"] for c in rings} == {band(h, circular.HOPS) for h in (3, 5, 7, 9)}
    for c in rings:
        hops, window, margin = c.params["hops"], c.params["window_days"], c.params["margin_bp"]
        invs = sorted(_invoices_among(world, c.firms), key=lambda i: (i.on, i.key))
        assert len(invs) == hops
        nxt = {i.seller: i for i in invs}
        at, path = invs[0].seller, []
        for _ in range(hops):  # follow the goods around: back where they started
            path.append(nxt[at])
            at = nxt[at].buyer
        assert at == invs[0].seller and len({i.seller for i in path}) == hops
        assert (path[-1].on - path[0].on).days == window
        assert all(a.on <= b.on for a, b in itertools.pairwise(path))
        for a, b in itertools.pairwise(path):
            assert b.net_minor == less(a.net_minor, margin)
        shares = [s for s in world.of(Share) if s.org in c.firms]
        assert bool(shares) == c.params["related"]


def test_lookalike_chains_add_value_at_every_hop(world: World) -> None:
    for c in _cases(world, CIRCULAR, False):
        invs = sorted(_invoices_among(world, c.firms), key=lambda i: (i.on, i.key))
        if c.variant == "value_adding_chain":
            for a, b in itertools.pairwise(invs):
                added = (b.net_minor - a.net_minor) * 10_000 // a.net_minor
                assert circular.ADDED_BP[0] - 1 <= added <= circular.ADDED_BP[1]
        else:
            owner = c.firms[0]
            back = [i for i in invs if i.buyer == owner]
            assert back and all(i.seller == c.firms[1] for i in back)


def test_returning_funds_come_back_to_where_they_left_within_the_window(world: World) -> None:
    for c in _cases(world, RETURNING, True):
        invs = _invoices_among(world, c.firms)
        source = c.firms[0]
        out = sum(i.net_minor for i in invs if i.seller == source)
        back = sum(i.net_minor for i in invs if i.buyer == source)
        assert out and back and back <= out
        assert back * 10_000 >= less(less(out, returning.KEEP_BP[1]), returning.KEEP_BP[1]) * 9_000
        days = [i.on for i in invs]
        assert (max(days) - min(days)).days == c.params["window_days"]
        assert returning.DEGREE[0][0] <= c.params["intermediaries"] <= returning.DEGREE[-1][1]
    for c in _cases(world, RETURNING, False):
        hub = c.firms[0] if c.variant == "fan_in_core_buyer" else c.firms[1]
        invs = _invoices_among(world, c.firms)
        assert not [i for i in invs if i.buyer != hub and i.seller != hub]
        assert len({i.buyer for i in invs} | {i.seller for i in invs}) - 1 >= 12


def test_near_duplicates_differ_from_the_original_as_their_variant_says(world: World) -> None:
    fin = {f.key: f for f in world.of(Factoring)}
    inv = {i.key: i for i in world.of(Invoice)}
    for c in _cases(world, NEAR_DUPLICATE, True):
        copy = inv[fin[c.decisions[0]].invoice]
        original = next(i for i in _invoices_among(world, c.firms) if i.key != copy.key)
        first = next(f for f in fin.values() if f.invoice == original.key)
        assert first.funder != fin[c.decisions[0]].funder  # a second institution
        assert (fin[c.decisions[0]].on - first.on).days == c.params["gap_days"]
        changed_chars = sum(a != b for a, b in zip(original.number, copy.number, strict=True))
        v = c.variant
        assert changed_chars == (1 if v in ("number_char", "all_three") else 0)
        assert copy.total_minor - original.total_minor == (
            1 if v in ("total_cent", "all_three") else 0
        )
        assert (copy.on - original.on).days == (1 if v in ("date_day", "all_three") else 0)
        assert copy.order_no == original.order_no and not copy.shipped
    orders = {o.number: o for o in world.of(Order)}
    for c in _cases(world, NEAR_DUPLICATE, False):
        parts = _invoices_among(world, c.firms)
        assert len(parts) == c.params["parts"] and len({i.order_no for i in parts}) == 1
        order = orders[parts[0].order_no or ""]
        assert sum(i.quantity for i in parts) == order.quantity
        assert len({i.number for i in parts}) == len(parts)


def _controller_depth(world: World, org: str) -> tuple[str, int]:
    """The person at the top of `org`'s chain of majority holders and how many levels up."""
    held = {s.org: s for s in world.of(Share)}
    depth = 1
    while held[org].holder_org is not None:
        org = held[org].holder_org or ""
        depth += 1
    return held[org].person_id or "", depth


def test_control_chains_are_as_deep_as_labelled_and_cycles_close(world: World) -> None:
    fin = {f.key: f for f in world.of(Factoring)}
    inv = {i.key: i for i in world.of(Invoice)}
    for c in _cases(world, RELATED, True):
        i = inv[fin[c.decisions[0]].invoice]
        if c.variant == "control_chain":
            person, depth = _controller_depth(world, i.seller)
            assert depth == c.params["depth"]
            assert _controller_depth(world, i.buyer) == (person, 1)
        elif c.variant == "ownership_cycle":
            holders = {s.org: s.holder_org for s in world.of(Share) if s.org in c.firms}
            at, seen = c.firms[0], []
            while at not in seen:
                seen.append(at)
                at = holders[at] or ""
            assert at == c.firms[0] and len(seen) == c.params["cycle_length"]
        elif c.variant in ("shared_phone", "shared_address", "shared_bank_account"):
            attr = c.variant.removeprefix("shared_")
            firms = {f.key: f for f in world.of(Firm)}
            assert getattr(firms[i.seller], attr) == getattr(firms[i.buyer], attr)
    variants = {c.variant for c in _cases(world, RELATED, True)}
    assert variants == {"control_chain", "ownership_cycle", *related.SHARED}
    assert {c.bands["depth"] for c in _cases(world, RELATED, True) if "depth" in c.bands} == {
        band(d, related.DEPTH) for d in (1, 3, 5, 9)
    }


def test_the_same_goods_are_confirmed_twice_under_another_name(world: World) -> None:
    confs = {c.key: c for c in world.of(Confirmation)}
    pledges = {p.key: p for p in world.of(PledgeAsk)}
    for c in _cases(world, GOODS, True):
        second = confs[c.decisions[0]]
        first = next(x for x in confs.values() if x.holder == second.holder and x is not second)
        assert first.warehouse != second.warehouse and first.quantity == second.quantity
        assert (first.commodity, first.grade, first.lot) != (
            second.commodity,
            second.grade,
            second.lot,
        )
        names = {n for n, *_ in goods.COMMODITIES}
        assert first.commodity in names
        assert pledges[c.decisions[1]].receipt_no == second.receipt_no
    for c in _cases(world, GOODS, False):
        p2 = pledges[c.decisions[0]]
        both = [p for p in pledges.values() if p.receipt_no == p2.receipt_no]
        held = next(x for x in confs.values() if x.receipt_no == p2.receipt_no)
        assert len(both) == 2 and sum(p.quantity for p in both) <= held.quantity


def test_shells_are_young_or_woken_and_sell_to_one_customer(world: World) -> None:
    firms = {f.key: f for f in world.of(Firm)}
    sales: dict[str, list[Invoice]] = defaultdict(list)
    for i in world.of(Invoice):
        sales[i.seller].append(i)
    for c in _cases(world, SHELL, True):
        f = firms[c.subject or ""]
        recent = [i for i in sales[f.key] if i.on > END - timedelta(days=60)]
        assert len({i.buyer for i in recent}) == 1
        assert sum(i.net_minor for i in recent) >= 2 * f.capital_minor
        if c.variant == "paper_capital":
            assert (END - f.founded_on).days == c.params["age_days"] <= 60
            assert f.capital_minor >= shells.CAPITAL_CNY[0][0] * 100
        else:
            days = sorted(i.on for i in sales[f.key])
            gaps = [(b - a).days for a, b in itertools.pairwise(days)]
            assert max(gaps) >= c.params["dormant_days"]
    for c in _cases(world, SHELL, False):
        f = firms[c.subject or ""]
        assert f.capital_minor <= 100_000 * 100 and len({i.buyer for i in sales[f.key]}) >= 3
