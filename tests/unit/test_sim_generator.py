"""The simulator: deterministic, valid identifiers, every fraud type labelled, lazy streaming."""

from __future__ import annotations

import itertools
import tracemalloc
import types
from collections import Counter
from datetime import timedelta

from stdnum.cn import ric, uscc

from scf.sim.generator import Generator, build, generate
from scf.sim.model import FRAUD_TYPES, Holding, Label, Org, Person, Size, Trade


def test_same_seed_same_set_and_other_seed_differs() -> None:
    a = build("tiny", 3).records
    b = build("tiny", 3).records
    c = build("tiny", 4).records
    assert a == b
    assert a != c


def test_identifiers_are_valid_and_money_is_integer() -> None:
    data = build("tiny", 5)
    orgs = data.of(Org)
    assert all(uscc.is_valid(o.uscc) for o in orgs)
    assert len({o.uscc for o in orgs}) == len(orgs)
    assert all(ric.is_valid(p.id_number) for p in data.of(Person))
    trades = data.of(Trade)
    assert trades
    for t in trades:
        assert isinstance(t.net_minor, int) and isinstance(t.tax_minor, int)
        assert t.net_minor == sum(ln.quantity * ln.unit_price_minor for ln in t.lines)
        assert t.invoice_date <= data.end
        assert t.payment_date is None or t.payment_date <= data.end


def test_every_fraud_type_is_injected_and_labelled() -> None:
    data = build("tiny", 1)
    kinds = Counter(lb.kind for lb in data.of(Label))
    assert set(kinds) == set(FRAUD_TYPES)
    keys = {t.key for t in data.of(Trade)}
    for lb in data.of(Label):
        if lb.kind in ("fictitious_invoice", "near_duplicate_invoice"):
            assert lb.subject in keys


def test_population_has_tiers_roles_and_related_groups() -> None:
    data = build("small", 2)
    orgs = data.of(Org)
    roles = Counter(o.roles[0] for o in orgs)
    for role in (
        "core_enterprise",
        "supplier",
        "distributor",
        "bank",
        "factoring_company",
        "insurer",
        "warehouse",
        "logistics",
        "operator",
        "regulator",
        "local_financial_org",
        "guarantee_company",
        "marketplace",
    ):
        assert roles[role] >= 1, role
    assert max(o.tier for o in orgs) >= 2
    assert {"HKD", "USD"} & {t.currency for t in data.of(Trade)}
    # heavy tail: the busiest buyer has many more suppliers than the median one
    buyers = Counter(b for _s, b, *_ in data.generator.links)
    counts = sorted(buyers.values())
    assert counts[-1] >= 4 * counts[len(counts) // 2]
    # Chinese New Year: February has fewer orders than January
    months = Counter(t.order_date.month for t in data.of(Trade))
    assert months[2] < months[1]
    assert any(h.person for h in data.of(Holding))


def test_large_streams_lazily_with_flat_memory() -> None:
    stream = generate("large", 1)
    assert isinstance(stream, types.GeneratorType)  # nothing is produced before it is asked for
    slice_size = Size("slice", 400, 12, 20, 4, 2, 1, 2, 2, 3.0, months=12, fraud_rate=1.0)
    it = Generator(slice_size, 9, keep_stats=False).stream()
    first = list(itertools.islice(it, 3_000))  # the population and the first trades
    assert any(isinstance(r, Trade) for r in first)
    del first
    tracemalloc.start()
    try:
        for _ in itertools.islice(it, 1_500):
            pass
        _, peak_a = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _ in itertools.islice(it, 6_000):
            pass
        _, peak_b = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak_b < peak_a * 1.5 + 500_000  # four times the records, not more memory


def test_defaults_follow_a_health_slide_that_shows_in_trade_first() -> None:
    """Defaults come from each SME's latent health; the slide before a default shows in its
    trade (more unconfirmed and unreceived invoices, later payments), and a firm that has
    defaulted neither sells afterwards nor pays what falls due after its default month."""
    import numpy as np

    from scf.sim.generator import FIRST_DEFAULT_MONTH
    from scf.sim.model import Default

    data = build("small", 7)
    gen = data.generator
    defaults = {d.org: d.on for d in data.of(Default)}
    assert len(defaults) >= 20
    assert all(d >= gen.timeline.month_start(FIRST_DEFAULT_MONTH) for d in defaults.values())
    assert all(gen.default_month[k] == (on.month - 1) for k, on in defaults.items())
    # health in the three months before the default is worse than the others' then
    before = [
        gen.path[gen.path_row[k], gen.default_month[k] - 3 : gen.default_month[k]] for k in defaults
    ]
    others = [gen.path[gen.path_row[k], 3:9] for k in gen.path_row if k not in defaults]
    assert np.mean(np.concatenate(before)) < np.mean(np.concatenate(others)) - 1.0
    trades = data.of(Trade)
    for t in trades:
        d = gen.default_month.get(t.seller)
        if d is not None:
            assert (t.order_date.month - 1) <= d, t  # no orders after the default month
        d = gen.default_month.get(t.buyer)
        if d is not None and t.payment_date is not None:
            assert t.payment_date < gen.timeline.month_start(d + 1), t
    # what the platform will see: sellers in trouble get fewer invoices confirmed
    weak = [
        t
        for t in trades
        if t.fraud is None and gen.health_at(t.seller, t.order_date.month - 1) < -1
    ]
    sound = [
        t for t in trades if t.fraud is None and gen.health_at(t.seller, t.order_date.month - 1) > 0
    ]
    assert weak and sound
    assert np.mean([t.confirmed for t in weak]) < np.mean([t.confirmed for t in sound]) - 0.3
    assert (
        np.mean([t.receipt_date is None for t in weak])
        > np.mean([t.receipt_date is None for t in sound]) + 0.2
    )


def test_bills_fall_due_after_the_year_and_the_last_programme_pays_after_it() -> None:
    """The cores' bills are drawn in the year's last months for at most six months, so each
    falls due after the set's last day; past programmes have simulated suppliers' bids and
    the last month's programmes pay after that day (they still take bids)."""
    from scf.sim.generator import build
    from scf.sim.model import Bill, DiscountProgram

    data = build("small", 2024)
    bills = data.of(Bill)
    assert len(bills) >= 3, "too few bills drawn"
    end = data.end
    for b in bills:
        assert b.on <= end < b.due_on and (b.due_on - b.on).days <= 175
        assert data.generator.orgs[b.acceptor].tier == 0
        assert data.generator.orgs[b.holder].tier == 1
        assert b.discount_on is None or b.on <= b.discount_on <= end
    assert any(b.funder for b in bills) and any(b.funder is None for b in bills)
    assert len({b.package_no for b in bills}) == len(bills)
    programs = data.of(DiscountProgram)
    past = [p for p in programs if p.pay_on <= end]
    last = [p for p in programs if p.pay_on > end]
    assert past and all(p.bids for p in past)
    assert len(last) == len(data.generator.financing.discount_cores)
    assert all(end < p.pay_on <= end + timedelta(days=10) for p in last)
