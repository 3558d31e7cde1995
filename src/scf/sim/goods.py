"""Warehouse receipts (gold in Luohu, bonded fuel in Yantian) and the pledges on them,
among them over-pledged lots and receipts no warehouse issued (labelled fraud)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np

from scf.sim.model import EMPTY_RECEIPT, Goods, Label, Pledge, Record
from scf.sim.population import Population, pick

PLEDGED_CHAINS = ("gold_jewelry", "bonded_fuel", "port_logistics")


class Warehouses:
    """Draws every other month's warehouse receipts and pledges; numbers the receipts."""

    def __init__(self, pop: Population, end: date) -> None:
        self.pop = pop
        self.end = end
        self._rcpt = 0

    def month(self, rng: np.random.Generator, m: int) -> Iterator[Record]:
        """Draw every other month's warehouse receipts and the pledges on them."""
        pop = self.pop
        if not pop.warehouses or m % 2:
            return
        holders = [
            k
            for k, o in pop.orgs.items()
            if o.chains and o.chains[0] in PLEDGED_CHAINS and o.tier > 0
        ][:200]
        if not holders:
            return
        n = max(2, round(3 * max(1.0, pop.size.fraud_rate / 4)))
        for _ in range(n):
            g = self._receipt(rng, pick(rng, holders), m)
            yield g
            yield from self._pledges(rng, g)

    def _receipt(self, rng: np.random.Generator, holder: str, m: int) -> Goods:
        """Draw the goods a warehouse confirms it holds for `holder` in month `m`."""
        pop = self.pop
        gold = pop.orgs[holder].chains[0] == "gold_jewelry"
        wh = pop.warehouses[1 % len(pop.warehouses)] if gold else pop.warehouses[0]
        self._rcpt += 1
        on = self.pop.timeline.date_in(rng, m)
        qty = int(rng.integers(5, 50)) * (1000 if gold else 100)
        return Goods(
            pop.key("g"),
            wh,
            holder,
            "黄金" if gold else "保税燃料油",
            "Au99.99" if gold else "RMG380",
            "罗湖仓" if gold else "盐田保税仓",
            qty,
            "克" if gold else "吨",
            f"LOT{self._rcpt:06d}",
            f"WR{self._rcpt:06d}",
            on,
        )

    def _pledges(self, rng: np.random.Generator, g: Goods) -> Iterator[Record]:
        """Pledge half the lot; then often the rest, the whole lot again or an empty receipt."""
        unit_price = 55_000 if g.commodity == "黄金" else 450_000
        amount = g.quantity * unit_price * 6 // 10
        first = self._pledge(
            rng, g, g.receipt_no, g.quantity // 2, amount // 2, g.on + timedelta(days=2)
        )
        if first.on > self.end:
            return
        yield first
        r = rng.random()
        if r < 0.35:  # a legitimate second pledge of the other half
            yield self._pledge(
                rng, g, g.receipt_no, g.quantity - g.quantity // 2, amount // 2, first.on
            )
        elif r < 0.6:  # over-pledge: the whole lot again at another bank
            p = self._pledge(rng, g, g.receipt_no, g.quantity, amount, first.on, EMPTY_RECEIPT)
            yield p
            yield Label(EMPTY_RECEIPT, p.key, "over-pledged")
        elif r < 0.8:  # empty: a receipt no warehouse ever issued
            self._rcpt += 1
            receipt_no = f"WR{self._rcpt:06d}"
            p = self._pledge(rng, g, receipt_no, g.quantity, amount, first.on, EMPTY_RECEIPT)
            yield p
            yield Label(EMPTY_RECEIPT, p.key, "empty receipt")

    def _pledge(
        self,
        rng: np.random.Generator,
        g: Goods,
        receipt_no: str,
        quantity: int,
        amount_minor: int,
        on: date,
        fraud: str | None = None,
    ) -> Pledge:
        """Pledge `quantity` of the receipt to a funder for `amount_minor`."""
        return Pledge(
            self.pop.key("k"),
            pick(rng, self.pop.funders),
            g.holder,
            g.warehouse,
            receipt_no,
            quantity,
            amount_minor,
            on,
            fraud=fraud,
        )
