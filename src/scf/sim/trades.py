"""The monthly trade: an order and what followed it (delivery, receipt, invoice, payment),
numbered and counted as it streams past."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from scf.sim.health import HealthPaths
from scf.sim.model import Line, Trade
from scf.sim.places import CHAIN_BY_TAG
from scf.sim.population import Link, Population

VAT_PERMILLE = 130  # 13 % VAT on goods
# What a buyer of each size spends on an order, in yuan, before the order's own draw.
BUDGET = {"micro": 4e4, "small": 1.5e5, "medium": 6e5, "large": 2e6}


def vat(net_minor: int) -> int:
    """Return the VAT on a net amount, rounded half up to the minor unit."""
    return (net_minor * VAT_PERMILLE + 500) // 1000


def marked_up(lines: tuple[Line, ...], permille: int) -> tuple[Line, ...]:
    """Return the lines at `permille` thousandths of their unit prices."""
    return tuple(Line(x.item, x.quantity, x.unit_price_minor * permille // 1000) for x in lines)


@dataclass
class Stats:
    """Per-enterprise counters kept while trades stream past (for the default study)."""

    sales_by_month: dict[str, np.ndarray] = field(default_factory=dict)
    invoices: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    debtors: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    confirmed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    delivered: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    late_days: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    first_core_trade: dict[str, date] = field(default_factory=dict)


class Ledger:
    """Draws trades, numbers their orders and invoices, and counts every one produced."""

    def __init__(
        self, pop: Population, health: HealthPaths, end: date, *, keep_stats: bool
    ) -> None:
        self.pop = pop
        self.orgs = pop.orgs
        self.health = health
        self.end = end
        self.months = pop.size.months
        self.keep_stats = keep_stats
        self.stats = Stats()
        self.documents = 0
        self.trades = 0
        self._inv = 0
        self._ord = 0

    def invoice_no(self) -> str:
        self._inv += 1
        return f"2544{(self._inv * 2_654_435_761 + 97_531) % 10**16:016d}"

    def order_no(self) -> str:
        self._ord += 1
        return f"PO{self.end.year}{self._ord:09d}"

    def honest_trade(self, rng: np.random.Generator, link: Link, on: date, m: int) -> Trade | None:
        """Draw an honest order as the parties' health in month `m` lets it go."""
        seller, buyer, cur, _rate, term = link
        paths = self.health
        # Debtors pay later when they are in trouble themselves, and when the seller is:
        # a weak supplier cannot insist, and quarrels over its goods hold payments up.
        hb = paths.at(buyer, m) if buyer in paths.path_row else self.pop.health.get(buyer, 0.0)
        hs = paths.at(seller, m)
        late = max(3.0 - 4.0 * min(hb, 1.0) + 9.0 * max(-hb, 0.0) + 12.0 * max(-hs, 0.0), 0.0)
        # ... and its buyers confirm and book the receipt of fewer of its invoices.
        shaky = min(0.85, 0.7 * max(-hs - 0.2, 0.0))
        confirms = not shaky or rng.random() >= shaky
        receives = not shaky or rng.random() >= shaky
        return self.trade(
            rng, seller, buyer, cur, term, on, late_mean=late, confirmed=confirms, received=receives
        )

    def trade(
        self,
        rng: np.random.Generator,
        seller: str,
        buyer: str,
        cur: str,
        term: int,
        on: date,
        *,
        scale: float = 1.0,
        deliver: bool = True,
        late_mean: float = 5.0,
        fraud: str | None = None,
        with_order: bool = True,
        order_by_seller: bool = False,
        confirmed: bool = True,
        received: bool = True,
        lag: int | None = None,
    ) -> Trade | None:
        """Draw a trade ordered on `on`; None when its invoice would fall after the year."""
        lines = self._lines(rng, seller, buyer, scale)
        net = sum(ln.quantity * ln.unit_price_minor for ln in lines)
        ship = (
            on + timedelta(days=int(rng.integers(2, 15)))
            if lag is None
            else on + timedelta(days=lag)
        )
        receipt = ship + timedelta(days=int(rng.integers(0, 3)))
        inv_date = ship + timedelta(days=int(rng.integers(0, 4)))
        due = inv_date + timedelta(days=term)
        late = int(max(0, rng.normal(late_mean, 6)))
        pay = due + timedelta(days=late - int(rng.integers(0, 5)))
        if inv_date > self.end:
            return None
        t = Trade(
            key=self.pop.key("t"),
            seller=seller,
            buyer=buyer,
            currency=cur,
            order_no=self.order_no() if with_order else None,
            order_date=on,
            lines=lines,
            delivery_date=ship if deliver else None,
            receipt_date=receipt if deliver and received and receipt <= self.end else None,
            invoice_no=self.invoice_no(),
            invoice_date=inv_date,
            due_date=due,
            net_minor=net,
            tax_minor=vat(net),
            payment_date=(
                pay if pay <= self.end and fraud is None and self.health.pays(buyer, pay) else None
            ),
            confirmed=confirmed,
            order_by_seller=order_by_seller,
            fraud=fraud,
        )
        self.count(t)
        return t

    def _lines(
        self, rng: np.random.Generator, seller: str, buyer: str, scale: float
    ) -> tuple[Line, ...]:
        """Draw one to three of the chain's items in quantities the buyer's size can take."""
        s_org = self.orgs[seller]
        chain = CHAIN_BY_TAG.get((s_org.chains or self.orgs[buyer].chains or ("",))[0])
        items = chain.items if chain else (("服务", "项", 1000, 20000),)
        lines = []
        budget = BUDGET[self.orgs[buyer].size_class] * scale
        for i in rng.choice(
            len(items), size=int(rng.integers(1, min(3, len(items)) + 1)), replace=False
        ):
            item, unit, lo, hi = items[int(i)]
            price = int(rng.integers(lo * 100, hi * 100 + 1))
            qty = max(1, int(budget * float(rng.lognormal(0, 0.6)) / max(price / 100, 1) / 2))
            lines.append(Line(f"{item}（{unit}）", qty, price))
        return tuple(lines)

    def booked(
        self,
        seller: str,
        buyer: str,
        cur: str,
        lines: tuple[Line, ...],
        *,
        ordered: date,
        delivered: date,
        invoiced: date,
        due: date,
    ) -> Trade:
        """Book a trade set by hand: ordered, delivered, received next day, invoiced, unpaid."""
        net = sum(x.quantity * x.unit_price_minor for x in lines)
        t = Trade(
            key=self.pop.key("t"),
            seller=seller,
            buyer=buyer,
            currency=cur,
            order_no=self.order_no(),
            order_date=ordered,
            lines=lines,
            delivery_date=delivered,
            receipt_date=delivered + timedelta(days=1),
            invoice_no=self.invoice_no(),
            invoice_date=invoiced,
            due_date=due,
            net_minor=net,
            tax_minor=vat(net),
            payment_date=None,
        )
        self.count(t)
        return t

    def count(self, t: Trade) -> None:
        """Count a trade's documents, and keep the seller's counters when asked."""
        self.documents += t.documents()
        self.trades += 1
        if not self.keep_stats:
            return
        st = self.stats
        arr = st.sales_by_month.get(t.seller)
        if arr is None:
            arr = st.sales_by_month[t.seller] = np.zeros(self.months, dtype=np.int64)
        m = self.pop.timeline.month_of(t.invoice_date)
        if 0 <= m < len(arr):
            arr[m] += t.total_minor if t.currency == "CNY" else t.total_minor * 9 // 10
        st.invoices[t.seller] += 1
        st.debtors[t.seller][t.buyer] = st.debtors[t.seller].get(t.buyer, 0) + t.total_minor
        st.confirmed[t.seller] += t.confirmed
        st.delivered[t.seller] += t.delivery_date is not None
        if t.payment_date is not None:
            acc = st.late_days[t.seller]
            acc[0] += (t.payment_date - t.due_date).days
            acc[1] += 1
        if self.orgs[t.buyer].tier == 0 and t.seller not in st.first_core_trade:
            st.first_core_trade[t.seller] = t.invoice_date
