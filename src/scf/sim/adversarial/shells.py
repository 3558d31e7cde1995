"""Shell companies: firms that exist to carry invoices rather than trade.

Variants: a firm weeks old with paper capital of a few million and sudden volume with one
customer, and a dormant firm years old that wakes up with a burst to one customer. Swept:
age (1-60 days), capital (1-10 million), invoiced volume against capital, dormancy
(90-330 days). Look-alikes: genuine start-ups with small capital and a handful of customers.
"""

from __future__ import annotations

from datetime import timedelta

from scf.sim.adversarial.world import END, SHELL, START, Builder, band, sweep

AGE = ((1, 30), (31, 60))
CAPITAL_CNY = ((1_000_000, 3_000_000), (3_000_001, 10_000_000))
DORMANT = ((90, 180), (181, 330))


def plant(b: Builder) -> None:
    """Plant the young paper-capital shells, the waking dormant firms, and the start-ups."""
    rng = b.stream(SHELL)
    n = b.world.size.planted
    young = n // 2
    for age, capital in zip(sweep(rng, young, AGE), sweep(rng, young, CAPITAL_CNY), strict=True):
        paper_shell(b, age, capital)
    for dormancy in sweep(rng, n - young, DORMANT):
        dormant(b, dormancy)
    for _ in range(b.world.size.lookalikes):
        startup(b)


def _burst(b: Builder, seller: str, buyer: str, first_day: int, capital_cny: int) -> int:
    """Invoice 3-10 times the capital to one buyer over the days from `first_day` to END;
    return the multiple."""
    multiple = int(b.rng.integers(3, 11))
    count = int(b.rng.integers(3, 9))
    span = max((END - START).days - first_day, 1)
    for j in range(count):
        on = START + timedelta(days=first_day + span * j // count)
        b.invoice(seller, buyer, on, capital_cny * 100 * multiple // count, item="钢材")
    return multiple


def paper_shell(b: Builder, age: int, capital_cny: int) -> None:
    """A firm `age` days old with paper capital, selling several times it to one customer."""
    shell = b.firm(
        "新设贸易",
        founded_on=END - timedelta(days=age),
        capital_cny=capital_cny,
        roles=("supplier",),
    )
    customer = b.firm("大宗采购", roles=("core_enterprise",), size_class="large")
    first = (END - START).days - age + 1
    multiple = _burst(b, shell, customer, first, capital_cny)
    b.case(
        SHELL,
        True,
        "paper_capital",
        [shell, customer],
        {"age_days": age, "capital_cny": capital_cny, "volume_x_capital": multiple},
        {"age_days": band(age, AGE, "d"), "capital_cny": band(capital_cny, CAPITAL_CNY)},
        subject=shell,
    )


def dormant(b: Builder, dormancy: int) -> None:
    """A firm years old, silent `dormancy` days, then a burst to one new customer."""
    years = int(b.rng.integers(3, 11))
    capital = int(b.rng.integers(1_000_000, 10_000_000))
    firm = b.firm(
        "休眠企业",
        founded_on=START - timedelta(days=365 * years),
        capital_cny=capital,
        roles=("supplier",),
    )
    old, customer = b.firms("旧客户", 1, roles=("distributor",)) + b.firms(
        "大宗采购", 1, roles=("core_enterprise",), size_class="large"
    )
    b.invoice(firm, old, START + timedelta(days=5), b.amount(20_000, 100_000))
    wake = (END - START).days - int(b.rng.integers(5, 30))
    last_old = wake - dormancy
    if last_old > 5:
        b.invoice(firm, old, START + timedelta(days=last_old), b.amount(20_000, 100_000))
    multiple = _burst(b, firm, customer, wake, capital)
    b.case(
        SHELL,
        True,
        "dormant_waking",
        [firm, old, customer],
        {"dormant_days": dormancy, "capital_cny": capital, "volume_x_capital": multiple},
        {"dormant_days": band(dormancy, DORMANT, "d")},
        subject=firm,
    )


def startup(b: Builder) -> None:
    """A genuine start-up: months old, small capital, several customers, modest sales."""
    age = int(b.rng.integers(30, 300))
    capital = int(b.rng.integers(10_000, 100_000))
    firm = b.firm(
        "初创科技", founded_on=END - timedelta(days=age), capital_cny=capital, roles=("supplier",)
    )
    customers = b.firms("客户", int(b.rng.integers(3, 8)), roles=("distributor",))
    first = (END - START).days - age + 1
    for j, c in enumerate(customers):
        on = START + timedelta(days=min(first + 7 * (j + 1), (END - START).days))
        b.invoice(firm, c, on, b.amount(5_000, 60_000))
    b.case(
        SHELL,
        False,
        "genuine_startup",
        [firm, *customers],
        {"age_days": age, "capital_cny": capital},
        {"age_days": band(age, (*AGE, (61, 365)), "d")},
        subject=firm,
    )
