"""Financing that rides on the trade: payable certificates issued by core enterprises, passed
up the chain and discounted; receivables factored; dynamic-discounting programmes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np

from scf.sim.fraud import Fraud
from scf.sim.health import HealthPaths
from scf.sim.model import (
    DUPLICATE_FINANCING,
    Bill,
    CertFinance,
    CertIssue,
    CertTransfer,
    DiscountBid,
    DiscountProgram,
    InvoiceFinance,
    Record,
    Trade,
)
from scf.sim.population import Population, pick

# Dynamic discounting: at most this many receivables a month are offered per programme, the
# buyer's hurdle rate, and the days between the month's end and the early payment.
DD_MAX_BIDS = 12
# The share of candidates a healthy supplier bids (one short of cash bids more often).
DD_BID_SHARE = 0.5
DD_HURDLE = "0.0700"
DD_PAY_AFTER_DAYS = 5
DD_OPEN_CASH = 5_000_000_00  # the last month's programme when no simulated supplier bid yet
# Commercial acceptance bills: drawn in the year's last months (so that they fall due after
# it), at most this many a month per core, for 90 to 175 days; this share is discounted.
BILL_MONTHS = 3
BILLS_PER_CORE = 2
BILL_DISCOUNTED = 0.4

Held = dict[str, list[CertIssue]]
"""The certificates issued this month, by the supplier that holds them."""


class Financing:
    """Draws the financing of each trade and of each month's end."""

    def __init__(self, pop: Population, health: HealthPaths, fraud: Fraud, end: date) -> None:
        self.pop = pop
        self.orgs = pop.orgs
        self.health = health
        self.fraud = fraud
        self.end = end
        self.discount_cores: list[str] = []
        self._dd: dict[str, list[Trade]] = defaultdict(list)  # a month's early-pay candidates
        self._dd_set: set[str] = set()
        self._bill_cands: dict[str, list[Trade]] = defaultdict(list)  # by core, this month

    def choose_programmes(self) -> None:
        """Pick the cores that run dynamic-discounting programmes with their own cash."""
        self.discount_cores = [
            k for k in self.pop.by_role["core_enterprise"] if self.orgs[k].currency == "CNY"
        ][::2]
        self._dd_set = set(self.discount_cores)

    def on_trade(self, rng: np.random.Generator, t: Trade, m: int, held: Held) -> Iterator[Record]:
        """Finance the trade: a certificate issued or passed on, a factoring, or early pay."""
        s_org, b_org = self.orgs[t.seller], self.orgs[t.buyer]
        if t.currency != "CNY" or not t.confirmed:
            return  # nothing is financed on a receivable its debtor has not confirmed
        if b_org.tier == 0 and t.buyer in self.pop.lines and rng.random() < 0.3:
            yield from self._issue(rng, t, held)
            return
        if s_org.tier >= 2 and held.get(t.buyer) and rng.random() < 0.6:
            yield from self._pass_on(rng, t, held)
            return
        need_dup = self.fraud.due(DUPLICATE_FINANCING, m)
        if (
            s_org.tier > 0
            and b_org.tier in (0, 1)
            and (rng.random() < 0.06 or need_dup)
            and t.invoice_date + timedelta(days=25) <= self.end
        ):
            f = InvoiceFinance(
                self.pop.key("i"),
                t.key,
                pick(rng, self.pop.funders),
                t.invoice_date + timedelta(days=int(rng.integers(3, 15))),
            )
            yield f
            yield from self.fraud.second_financing(rng, f, t, need_dup)
        elif t.buyer in self._dd_set and len(self._dd[t.buyer]) < DD_MAX_BIDS:
            self._dd[t.buyer].append(t)
        elif b_org.tier == 0 and s_org.tier == 1:
            self._bill_cands[t.buyer].append(t)  # the core may pay it with a bill

    def _issue(self, rng: np.random.Generator, t: Trade, held: Held) -> Iterator[Record]:
        """Let the core pay its supplier's receivable with a certificate on its credit line."""
        issue_on = t.invoice_date + timedelta(days=int(rng.integers(2, 12)))
        maturity = max(t.due_date, issue_on + timedelta(days=45))
        maturity = min(maturity, issue_on + timedelta(days=175))
        if issue_on <= self.end - timedelta(days=3):
            c = CertIssue(
                self.pop.key("c"),
                self.pop.lines[t.buyer].key,
                t.buyer,
                t.seller,
                t.key,
                t.total_minor,
                "CNY",
                issue_on,
                maturity,
            )
            yield c
            held[t.seller].append(c)

    def _pass_on(self, rng: np.random.Generator, t: Trade, held: Held) -> Iterator[Record]:
        """Let the buyer pay part of its debt with a piece it holds, often discounted at once."""
        c = held[t.buyer].pop()
        amount = min(c.face_minor // 2, t.total_minor)
        on = max(c.on, t.invoice_date) + timedelta(days=int(rng.integers(1, 6)))
        if amount > 0 and on <= self.end and on < c.maturity_on - timedelta(days=20):
            yield CertTransfer(self.pop.key("x"), c.key, t.buyer, t.seller, t.key, amount, on)
            if rng.random() < 0.5:
                yield self._discounted(rng, c.key, t.seller, on, (28, 45))

    def _discounted(
        self, rng: np.random.Generator, cert: str, holder: str, on: date, rates: tuple[int, int]
    ) -> CertFinance:
        """Discount the certificate at a funder at 0.0NN, NN drawn from `rates`."""
        return CertFinance(
            self.pop.key("f"),
            cert,
            holder,
            pick(rng, self.pop.funders),
            f"0.0{int(rng.integers(*rates))}",
            on,
        )

    def month_end(self, rng: np.random.Generator, held: Held) -> Iterator[Record]:
        """Discount some of the certificates the suppliers were issued this month."""
        for holder in sorted(held):
            for c in held[holder]:
                if rng.random() < 0.4:
                    on = c.on + timedelta(days=int(rng.integers(1, 8)))
                    if on <= self.end:
                        yield self._discounted(rng, c.key, holder, on, (25, 40))

    def discounting(self, rng: np.random.Generator, m: int) -> Iterator[Record]:
        """At the month's end each programme core offers cash to pay the month's confirmed
        receivables early; a supplier short of cash is likelier to bid, and bids a steeper
        discount (a random stream of its own, so the rest of the set does not move)."""
        last = self.pop.timeline.month_end(m)
        pay_on = last + timedelta(days=DD_PAY_AFTER_DAYS)
        final = m == self.pop.timeline.months - 1
        for buyer in self.discount_cores:
            cands = self._dd.pop(buyer, [])
            bids = self._bids(rng, cands, m, pay_on)
            if not bids:
                if final:  # the year's last programme is offered anyway, open for bids
                    yield DiscountProgram(
                        f"d{buyer}-open", buyer, "CNY", DD_OPEN_CASH, DD_HURDLE, pay_on, last, ()
                    )
                continue
            faces = [_face(b.trade, cands) for b in bids]
            # Cash for the biggest receivable at least, and often not for every bid.
            cash = max(max(faces), sum(faces) * int(rng.integers(50, 100)) // 100)
            yield DiscountProgram(
                self.pop.key("d"),
                buyer,
                "CNY",
                cash,
                DD_HURDLE,
                pay_on,
                last,
                tuple(bids),
            )
        self._dd.clear()

    def _bids(
        self, rng: np.random.Generator, cands: list[Trade], m: int, pay_on: date
    ) -> list[DiscountBid]:
        """Draw the suppliers' bids on the month's candidates due well after the early pay.

        The year's last programme pays after the year's end: it is still taking bids when
        the set ends (the loader leaves it open)."""
        bids = []
        for t in cands:
            if self.pop.timeline.month_of(t.invoice_date) != m or t.due_date <= pay_on + timedelta(
                days=15
            ):
                continue
            need = max(-self.health.at(t.seller, m), 0.0)
            if rng.random() >= DD_BID_SHARE + 0.3 * min(need, 1.0):
                continue
            bp = int(rng.integers(500, 1100)) + int(300 * min(need, 2.0))
            bids.append(DiscountBid(t.seller, t.key, f"0.{bp:04d}"))
        return bids

    def bills(self, rng: np.random.Generator, m: int) -> Iterator[Record]:
        """In the year's last months each core pays a few of its tier-1 suppliers' invoices
        of the month with a commercial acceptance bill; some suppliers discount theirs at
        once (a random stream of its own, so the rest of the set does not move)."""
        cands = dict(sorted(self._bill_cands.items()))
        self._bill_cands.clear()
        if m < self.pop.timeline.months - BILL_MONTHS:
            return
        last = self.pop.timeline.month_end(m)
        for core, trades in cands.items():
            trades = sorted(trades, key=lambda t: t.key)
            n = min(BILLS_PER_CORE, len(trades))
            for i in sorted(rng.choice(len(trades), size=n, replace=False)):
                t = trades[int(i)]
                on = min(t.invoice_date + timedelta(days=int(rng.integers(1, 8))), last)
                due = on + timedelta(days=int(rng.integers(90, 176)))
                discounted = rng.random() < BILL_DISCOUNTED and on < last
                yield Bill(
                    f"b{t.key[1:]}",
                    core,
                    t.seller,
                    t.key,
                    f"5{on:%Y%m%d}{t.key[1:]}",
                    t.total_minor,
                    on,
                    due,
                    pick(rng, self.pop.funders) if discounted else None,
                    min(on + timedelta(days=int(rng.integers(1, 6))), last) if discounted else None,
                )


def _face(key: str, trades: list[Trade]) -> int:
    return next(t.total_minor for t in trades if t.key == key)
