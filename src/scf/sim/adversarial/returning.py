"""Returning funds: value that leaves a firm through several intermediaries and comes back.

Variants: scatter-gather (one firm to k intermediaries and back to it), gather-scatter (k
firms to one hub and back to each of them), bipartite layering (one firm to k intermediaries,
each to every one of k others, those back to the first) and stacked layering (k lanes of two
or three intermediaries each, all back to the first). Swept: 2-10 intermediaries, windows of
3-120 days, 0-5% kept at each hop. Look-alikes: a core enterprise buying from many suppliers
(fan-in) and a distributor selling to many retailers (fan-out), which are normal.

Edges are invoices as the platform's trade graph sees them (seller to buyer).
"""

from __future__ import annotations

from datetime import date, timedelta

from scf.sim.adversarial.world import RETURNING, Builder, band, less, sweep

VARIANTS = ("scatter_gather", "gather_scatter", "bipartite", "stacked")
DEGREE = ((2, 3), (4, 6), (7, 10))
WINDOW = ((3, 30), (31, 120))
KEEP_BP = (0, 500)
FAN = ((12, 40), (41, 1000))  # counterparties of the look-alikes


def plant(b: Builder) -> None:
    """Plant each layering variant over the bands, and the fan-in and fan-out look-alikes."""
    rng = b.stream(RETURNING)
    n = b.world.size.planted
    degrees, windows = sweep(rng, n, DEGREE), sweep(rng, n, WINDOW)
    for i in range(n):
        layering(b, VARIANTS[i % len(VARIANTS)], degrees[i], windows[i])
    m = b.world.size.lookalikes
    for i in range(m):
        if i % 2 == 0:
            suppliers = b.world.size.fan_suppliers if i == 0 else int(rng.integers(12, 41))
            fan_in(b, suppliers)
        else:
            fan_out(b, int(rng.integers(12, 41)))


def layering(b: Builder, variant: str, k: int, window: int) -> None:
    """Plant one layering of `k` intermediaries that returns within `window` days."""
    keep = int(b.rng.integers(*KEEP_BP))
    start = b.day(0, window + 1)
    value = b.amount(2_000_000, 30_000_000)
    mid = start + timedelta(days=window // 2)
    end = start + timedelta(days=window)
    source = b.firm("资金回流", roles=("supplier", "distributor"))
    layer = b.firms("通道", k, roles=("supplier", "distributor"))
    firms = [source, *layer]
    part = value // k
    if variant == "scatter_gather":
        for m in layer:
            b.invoice(source, m, start, part)
            b.invoice(m, source, end, less(part, keep))
    elif variant == "gather_scatter":
        hub = layer[0]
        sources = [source, *b.firms("资金回流", k - 1, roles=("supplier",))]
        firms = [*sources, *layer]
        for s in sources:
            b.invoice(s, hub, start, part)
            b.invoice(hub, s, end, less(part, keep))
    elif variant == "bipartite":
        second = b.firms("通道", k, roles=("supplier", "distributor"))
        firms += second
        _bipartite(b, source, layer, second, (start, mid, end), part, keep)
    else:
        firms += _stacked(b, source, layer, (start, mid, end), part, keep)
    b.case(
        RETURNING,
        True,
        variant,
        firms,
        {"intermediaries": k, "window_days": window, "keep_bp": keep},
        {"intermediaries": band(k, DEGREE), "window_days": band(window, WINDOW, "d")},
    )


def _bipartite(
    b: Builder,
    source: str,
    first: list[str],
    second: list[str],
    days: tuple[date, date, date],
    part: int,
    keep: int,
) -> None:
    start, mid, end = days
    k = len(first)
    for m in first:
        b.invoice(source, m, start, part)
        for n in second:
            b.invoice(m, n, mid, less(part, keep) // k)
    for n in second:
        b.invoice(n, source, end, less(less(part, keep), keep))


def _stacked(
    b: Builder, source: str, lanes: list[str], days: tuple[date, date, date], part: int, keep: int
) -> list[str]:
    """Each lane: source -> first -> second -> source; returns the second layer."""
    start, mid, end = days
    second = b.firms("通道", len(lanes), roles=("supplier", "distributor"))
    for first, nxt in zip(lanes, second, strict=True):
        b.invoice(source, first, start, part)
        b.invoice(first, nxt, mid, less(part, keep))
        b.invoice(nxt, source, end, less(less(part, keep), keep))
    return second


def fan_in(b: Builder, suppliers: int) -> None:
    """A core enterprise buying from many suppliers, each invoicing it every few weeks."""
    core = b.firm(
        "核心制造", roles=("core_enterprise",), size_class="large", capital_cny=500_000_000
    )
    firms = b.firms("配套供应", suppliers, roles=("supplier",))
    for s in firms:
        first = b.day(0, 120)
        for k in range(3):
            b.invoice(s, core, first + timedelta(days=28 * k), b.amount(50_000, 800_000))
    b.case(
        RETURNING,
        False,
        "fan_in_core_buyer",
        [core, *firms],
        {"counterparties": suppliers},
        {"counterparties": band(suppliers, FAN)},
    )


def fan_out(b: Builder, retailers: int) -> None:
    """A distributor buying from one core enterprise and selling on to many retailers."""
    core = b.firm("品牌厂商", roles=("core_enterprise",), size_class="large")
    dist = b.firm("区域分销", roles=("distributor",))
    shops = b.firms("零售门店", retailers, roles=("distributor",))
    start = b.day(0, 90)
    b.invoice(core, dist, start, b.amount(5_000_000, 20_000_000))
    for s in shops:
        b.invoice(
            dist, s, start + timedelta(days=int(b.rng.integers(2, 25))), b.amount(20_000, 400_000)
        )
    b.case(
        RETURNING,
        False,
        "fan_out_distributor",
        [core, dist, *shops],
        {"counterparties": retailers},
        {"counterparties": band(retailers, FAN)},
    )
