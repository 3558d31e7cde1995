"""Circular trade (round-tripping): goods invoiced around a ring of firms back to where they
started, each hop shaving a thin margin, the ring closing within a window.

Swept: hops 3-12, closing windows 1-365 days, margins shaved per hop 0-15%, the ring's firms
under one controller or unrelated. Look-alikes: toll processing (materials sold to a
processor and the processed goods bought back at a processing fee of 3-12%) and genuine
value-adding chains that close a loop with 15-40% added at every hop.
"""

from __future__ import annotations

from datetime import timedelta

from scf.sim.adversarial.world import CIRCULAR, Builder, Share, band, less, sweep

HOPS = ((3, 4), (5, 6), (7, 8), (9, 12))
WINDOW = ((1, 30), (31, 90), (91, 180), (181, 365))
MARGIN_BP = ((0, 200), (201, 500), (501, 1000), (1001, 1500))
TOLL_FEE_BP = (300, 1200)
ADDED_BP = (1500, 4000)


def plant(b: Builder) -> None:
    """Plant the rings, each band of each parameter in turn, and the look-alikes."""
    rng = b.stream(CIRCULAR)
    n = b.world.size.planted
    hops, windows, margins = sweep(rng, n, HOPS), sweep(rng, n, WINDOW), sweep(rng, n, MARGIN_BP)
    related = (rng.permutation(n) % 2).tolist()
    for i in range(n):
        ring(b, hops[i], windows[i], margins[i], bool(related[i]))
    m = b.world.size.lookalikes
    for i in range(m):
        if i % 2 == 0:
            toll_processing(b)
        else:
            value_chain(b)


def _days(b: Builder, hops: int, window: int) -> list[int]:
    """Day offsets of each hop: the first at 0, the closing hop on the window's last day."""
    inner = sorted(int(x) for x in b.rng.integers(0, window + 1, hops - 2)) if hops > 2 else []
    return [0, *inner, window]


def ring(b: Builder, hops: int, window: int, margin_bp: int, related: bool) -> None:
    """A ring of `hops` firms; each passes the goods on `margin_bp` cheaper; it closes
    `window` days after it opened."""
    firms = b.firms("循环贸易", hops, roles=("supplier", "distributor"))
    members = list(firms)
    if related:
        pid, name = b.person()
        b.add(*(Share(f, "0.60", person_id=pid, person_name=name) for f in firms))
    start = b.day(0, window + 1)
    value = b.amount(1_000_000, 20_000_000)
    days = _days(b, hops, window)
    for h in range(hops):
        b.invoice(
            firms[h],
            firms[(h + 1) % hops],
            start + timedelta(days=days[h]),
            value,
            item="电解铜",
            quantity=100,
        )
        value = less(value, margin_bp)
    b.case(
        CIRCULAR,
        True,
        "ring",
        members,
        {"hops": hops, "window_days": window, "margin_bp": margin_bp, "related": related},
        {
            "hops": band(hops, HOPS),
            "window_days": band(window, WINDOW, "d"),
            "margin_per_hop": band(margin_bp, MARGIN_BP, "bp"),
            "related": "related" if related else "unrelated",
        },
    )


def toll_processing(b: Builder) -> None:
    """An owner sells materials to a processor and buys the processed goods back at a fee."""
    owner, processor, customer = b.firms("来料加工", 3, roles=("supplier", "distributor"))
    fee = int(b.rng.integers(*TOLL_FEE_BP))
    window = int(b.rng.integers(5, 45))
    for k in range(int(b.rng.integers(1, 4))):  # a few batches over the year
        on = b.day(0, window + 60) + timedelta(days=60 * k)
        value = b.amount(500_000, 8_000_000)
        b.invoice(owner, processor, on, value, item="铜杆坯料", quantity=50)
        back = value * (10_000 + fee) // 10_000
        b.invoice(processor, owner, on + timedelta(days=window), back, item="铜杆", quantity=50)
        b.invoice(owner, customer, on + timedelta(days=window + 3), back * 11 // 10, item="铜杆")
    b.case(
        CIRCULAR,
        False,
        "toll_processing",
        [owner, processor, customer],
        {"hops": 2, "window_days": window, "fee_bp": fee},
        {"hops": "2", "window_days": band(window, WINDOW, "d")},
    )


def value_chain(b: Builder) -> None:
    """A loop of 3-6 firms, each adding 15-40% (a manufacturer buying back modules built
    from the parts it sold)."""
    hops = int(b.rng.integers(3, 7))
    window = int(b.rng.integers(10, 181))
    firms = b.firms("增值加工", hops, roles=("supplier", "distributor"))
    start = b.day(0, window + 1)
    value = b.amount(300_000, 5_000_000)
    days = _days(b, hops, window)
    added = []
    for h in range(hops):
        b.invoice(firms[h], firms[(h + 1) % hops], start + timedelta(days=days[h]), value)
        bp = int(b.rng.integers(*ADDED_BP))
        added.append(bp)
        value = value * (10_000 + bp) // 10_000
    b.case(
        CIRCULAR,
        False,
        "value_adding_chain",
        firms,
        {"hops": hops, "window_days": window, "added_bp": added},
        {"hops": band(hops, HOPS), "window_days": band(window, WINDOW, "d")},
    )
