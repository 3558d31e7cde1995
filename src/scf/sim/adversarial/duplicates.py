"""Near-duplicate invoices: a copy of a financed invoice, changed just enough to pass for
another, financed at a second institution.

Variants: one character of the number changed, the total moved by 0.01, the date moved by a
day, and all three at once; swept: the days between the two financings (1-90). Look-alikes:
instalment invoices of one order (equal parts, consecutive numbers) and partial invoices of
one order (unequal parts as the goods are delivered), each part financed.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from scf.sim.adversarial.world import NEAR_DUPLICATE, Builder, band, invoice_number, sweep

VARIANTS = ("number_char", "total_cent", "date_day", "all_three")
GAP = ((1, 5), (6, 30), (31, 90))
PARTS = (2, 5)


def plant(b: Builder) -> None:
    """Plant the copies, each variant and gap in turn, and the instalment look-alikes."""
    rng = b.stream(NEAR_DUPLICATE)
    n = b.world.size.planted
    gaps = sweep(rng, n, GAP)
    for i in range(n):
        copy(b, VARIANTS[i % len(VARIANTS)], gaps[i])
    for i in range(b.world.size.lookalikes):
        parts(b, equal=i % 2 == 0)


def _changed(number: str, at: int) -> str:
    """The number with the digit at `at` replaced by the next digit."""
    d = (int(number[at]) + 1) % 10
    return number[:at] + str(d) + number[at + 1 :]


def copy(b: Builder, variant: str, gap: int) -> None:
    """An invoice financed at one institution and its changed copy `gap` days later at another."""
    seller = b.firm("发票重复", roles=("supplier",))
    buyer = b.firm("采购方", roles=("core_enterprise",), size_class="large")
    funders = b.world.funders
    first, second = funders[0], funders[1 + len(b.world.cases) % (len(funders) - 1)]
    on = b.day(0, gap + 100)
    net = b.amount(300_000, 5_000_000)
    original = b.backed(seller, buyer, on, net, item="电子元件")
    number, day, tax = original.number, on, original.tax
    if variant in ("number_char", "all_three"):
        number = _changed(number, int(b.rng.integers(8, len(number))))
    if variant in ("total_cent", "all_three"):
        tax += 1
    if variant in ("date_day", "all_three"):
        day = on + timedelta(days=1)
    # The copy names the same order; no second delivery is behind it.
    dup = b.invoice(
        seller,
        buyer,
        day,
        original.net_minor,
        item=original.item,
        quantity=original.quantity,
        order_no=original.order_no,
        number=number,
        tax_minor=tax,
    )
    a1 = b.factoring(original, first, on + timedelta(days=1))
    a2 = b.factoring(dup, second, on + timedelta(days=1 + gap))
    b.case(
        NEAR_DUPLICATE,
        True,
        variant,
        [seller, buyer],
        {"gap_days": gap, "original": original.number, "copy": number},
        {"gap_days": band(gap, GAP, "d")},
        decisions=(a2,),
    )
    del a1


def parts(b: Builder, *, equal: bool) -> None:
    """One order invoiced in 2-5 parts, each part financed when it is invoiced."""
    seller = b.firm("分期供货", roles=("supplier",))
    buyer = b.firm("采购方", roles=("core_enterprise",), size_class="large")
    k = int(b.rng.integers(*PARTS))
    price = b.amount(100, 2_000)  # a piece
    pieces = int(b.rng.integers(1_000, 10_000)) // k * k
    step = int(b.rng.integers(1, 31))
    on = b.day(0, step * k + 100)
    order = b.ordered(seller, buyer, on, pieces, price, "机加工件")
    quantities = [pieces // k] * k if equal else _unequal(b, pieces, k)
    number = int(b.key("N")[1:]) * 1000
    later = []
    for j, q in enumerate(quantities):
        inv = b.invoice(
            seller,
            buyer,
            on + timedelta(days=step * j),
            q * price,
            item="机加工件",
            quantity=q,
            order_no=order.number,
            number=invoice_number(number + j),
            shipped=True,
        )
        a = b.factoring(inv, b.world.funders[j % len(b.world.funders)])
        if j:
            later.append(a)
    b.case(
        NEAR_DUPLICATE,
        False,
        "instalments" if equal else "partial_invoices",
        [seller, buyer],
        {"parts": k, "gap_days": step},
        {"gap_days": band(step, GAP, "d")},
        decisions=tuple(later),
    )


def _unequal(b: Builder, total: int, k: int) -> list[int]:
    """`k` unequal positive parts of `total`."""
    cuts = sorted({int(x) for x in b.rng.integers(1, total, k - 1)})
    while len(cuts) < k - 1:  # a collision: spread evenly instead
        cuts = [total * j // k for j in range(1, k)]
    edges = [0, *cuts, total]
    return [hi - lo for lo, hi in itertools.pairwise(edges)]
