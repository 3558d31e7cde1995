"""Goods identity: the same goods confirmed by a second warehouse under another name, and
pledged at two institutions (the Qingdao case).

Variants: the lot renamed (another numbering of the same lot), the commodity under a trade
name or synonym (足金 / Au99.99 / 标准金锭 against 黄金), the purity grade written another way,
and the commodity given by its HS code; for gold and for bonded fuel oil. Look-alikes: two
partial pledges of one receipt within its quantity.
"""

from __future__ import annotations

from datetime import date, timedelta

from scf.sim.adversarial.world import GOODS, Builder, Confirmation, PledgeAsk

# (commodity, unit, CNY price a unit, grade, renamings by variant)
COMMODITIES = (
    (
        "黄金",
        "克",
        "550.00",
        "Au99.99",
        {
            "synonym": ("足金", "Au99.99"),
            "trade_name": ("标准金锭", "Au99.99"),
            "grade": ("黄金", "AU9999"),
            "hs_code": ("7108120000", "Au99.99"),
        },
    ),
    (
        "保税燃料油",
        "吨",
        "4500.00",
        "380CST",
        {
            "synonym": ("船用燃料油", "380CST"),
            "trade_name": ("IFO380", "380CST"),
            "grade": ("保税燃料油", "RMG380"),
            "hs_code": ("2710192200", "380CST"),
        },
    ),
)
VARIANTS = ("lot_renamed", "synonym", "trade_name", "grade", "hs_code")


def commodity_prices() -> tuple[tuple[str, str, str], ...]:
    """Every name the family uses, each priced (the operator posts prices for them all)."""
    out: dict[tuple[str, str], str] = {}
    for name, unit, price, _grade, renames in COMMODITIES:
        out[(name, unit)] = price
        for alias, _ in renames.values():
            out[(alias, unit)] = price
    return tuple((n, u, p) for (n, u), p in out.items())


def plant(b: Builder) -> None:
    """Plant each renaming in turn over the commodities, and the partial-pledge look-alikes."""
    rng = b.stream(GOODS)
    for i in range(b.world.size.planted):
        twice_confirmed(b, VARIANTS[i % len(VARIANTS)], int(rng.integers(0, len(COMMODITIES))))
    for i in range(b.world.size.lookalikes):
        partial_pledges(b, i % len(COMMODITIES))


def _confirm(
    b: Builder, wh: str, holder: str, goods: tuple[str, str, str], lot: str, qty: int, on: date
) -> Confirmation:
    name, grade, unit = goods
    c = Confirmation(b.key("G"), wh, holder, name, grade, unit, lot, qty, f"WR{b.key('W')[1:]}", on)
    b.add(c)
    return c


def _pledge(b: Builder, c: Confirmation, funder: str, qty: int, price: str, on: date) -> str:
    key = b.key("P")
    value = int(price.replace(".", "")) * qty * 6 // 10  # 60% of the goods' value
    b.add(PledgeAsk(key, c.warehouse, c.receipt_no, c.holder, funder, qty, value, on))
    return key


def twice_confirmed(b: Builder, variant: str, which: int) -> None:
    """One holder's goods confirmed by two warehouses (the second renamed), pledged at two."""
    name, unit, price, grade, renames = COMMODITIES[which]
    holder = b.firm("仓单融资", roles=("distributor",))
    w1, w2 = b.world.warehouses[0], b.world.warehouses[1]
    qty = int(b.rng.integers(1_000, 20_000)) if unit == "克" else int(b.rng.integers(50, 800))
    on = b.day(0, 60)
    lot = f"LOT{b.key('L')[1:]}"
    first = _confirm(b, w1, holder, (name, grade, unit), lot, qty, on)
    name2, grade2 = (name, grade) if variant == "lot_renamed" else renames[variant]
    lot2 = f"{lot[3:]}-A" if variant == "lot_renamed" else lot
    later = on + timedelta(days=int(b.rng.integers(1, 20)))
    second = _confirm(b, w2, holder, (name2, grade2, unit), lot2, qty, later)
    f1, f2 = b.world.funders[0], b.world.funders[1]
    p1 = _pledge(b, first, f1, qty, price, later + timedelta(days=1))
    p2 = _pledge(b, second, f2, qty, price, later + timedelta(days=2))
    del p1
    b.case(
        GOODS,
        True,
        variant,
        [holder],
        {"commodity": name, "as": name2, "grade_as": grade2, "lot_as": lot2},
        {"commodity": name},
        decisions=(second.key, p2),
    )


def partial_pledges(b: Builder, which: int) -> None:
    """One receipt, two pledges at two institutions that together stay within it."""
    name, unit, price, grade, _ = COMMODITIES[which]
    holder = b.firm("仓单融资", roles=("distributor",))
    qty = int(b.rng.integers(2_000, 20_000)) if unit == "克" else int(b.rng.integers(100, 800))
    on = b.day(0, 60)
    lot = f"LOT{b.key('L')[1:]}"
    c = _confirm(b, b.world.warehouses[0], holder, (name, grade, unit), lot, qty, on)
    q1 = qty * int(b.rng.integers(30, 60)) // 100
    q2 = (qty - q1) * int(b.rng.integers(50, 100)) // 100
    _pledge(b, c, b.world.funders[0], q1, price, on + timedelta(days=1))
    p2 = _pledge(b, c, b.world.funders[1], q2, price, on + timedelta(days=5))
    b.case(
        GOODS,
        False,
        "two_partial_pledges",
        [holder],
        {"commodity": name, "quantity": qty, "pledged": [q1, q2]},
        {"commodity": name},
        decisions=(p2,),
    )
