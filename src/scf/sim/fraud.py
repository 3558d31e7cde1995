"""The injected fraud and its honest look-alikes, each labelled with its kind.

In the population: circular trade rings under one controller (half of them shells),
self-financing pairs, stand-alone shells, and honest family firms sharing a phone. In the
trade: fictitious invoices, near-duplicate re-issues and second financings of a receivable
drawn at rates that give each kind a set number a year (and one late in the year where a
set has drawn none yet); the month's schemes in the last months (goods sent round a ring,
sister companies factoring each other's invoices, shells selling a little) and honest toll
processing, which looks like circular trade but for its margins.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np

from scf.sim.health import HealthPaths
from scf.sim.model import (
    CIRCULAR_TRADE,
    DUPLICATE_FINANCING,
    FICTITIOUS_INVOICE,
    NEAR_DUPLICATE,
    SELF_FINANCING,
    SHELL_COMPANY,
    Holding,
    InvoiceFinance,
    KeyPerson,
    Label,
    Line,
    Org,
    Record,
    Trade,
)
from scf.sim.places import CHAIN_BY_TAG, CHAINS
from scf.sim.population import Link, Population, pick
from scf.sim.trades import Ledger, marked_up, vat


class Fraud:
    """The schemes' companies, what has been injected so far, and the schemes' trades."""

    def __init__(self, pop: Population, health: HealthPaths, ledger: Ledger, end: date) -> None:
        self.pop = pop
        self.health = health
        self.ledger = ledger
        self.end = end
        self.size = pop.size
        self.injected: dict[str, int] = defaultdict(int)  # fraud injected so far, by type
        self.late = max(self.size.months - 5, 0)  # from this month, make sure of each type
        self.rings: list[list[str]] = []
        self.self_pairs: list[tuple[str, str]] = []
        self.shells: list[tuple[str, str]] = []  # (shell, the real buyer it sells to)
        self.special: list[Record] = []  # population-level labels
        self.p_fict = self.p_near = self.p_dup = 0.0

    def count(self, base: float) -> int:
        """Scale `base`, the small size's number of a kind, to this set's fraud rate."""
        return max(1, round(base * self.size.fraud_rate))

    def due(self, kind: str, m: int) -> bool:
        """Tell whether nothing of `kind` is injected yet while the year draws to its end."""
        return not self.injected[kind] and m >= self.late

    # ------------------------------------------------------------ the schemes' companies

    def structures(self, rng: np.random.Generator) -> Iterator[Record]:
        """Yield the schemes' companies and their owners, then the honest look-alikes."""
        yield from self._rings(rng)
        yield from self._self_financing_pairs(rng)
        yield from self._stand_alone_shells(rng)
        yield from self._look_alikes(rng)

    def schemers(self) -> set[str]:
        """Return the companies run on their controller's plan, not on their health."""
        out = {k for ring in self.rings for k in ring}
        out |= {k for pair in self.self_pairs for k in pair}
        out |= {shell for shell, _buyer in self.shells}
        return out

    def _shell(
        self, rng: np.random.Generator, host: Org, word: str, district: str, chain: str
    ) -> Org:
        """A shell: new, tiny capital, registered at another firm's address and phone."""
        founded = self.end - timedelta(days=int(rng.integers(150, 300)))
        return self.pop.org(
            rng,
            role="supplier",
            district=district,
            word=word,
            size_class="micro",
            chains=(chain,),
            founded_on=founded,
            capital_minor=int(rng.integers(10_000, 60_000)) * 100,
            address=host.address,
            phone=host.phone,
            health=-1.0,
        )

    def _schemer(
        self,
        rng: np.random.Generator,
        role: str,
        district: str,
        word: str,
        chain: str,
        health: float,
    ) -> Org:
        """Draw a small company of a scheme's controller, in poor health."""
        return self.pop.org(
            rng,
            role=role,
            district=district,
            word=word,
            size_class="small",
            chains=(chain,),
            health=health,
        )

    def _rings(self, rng: np.random.Generator) -> Iterator[Record]:
        """Draw circular trade rings: 3-4 companies under one controller, half of them shells."""
        pop = self.pop
        smes = pop.by_role["supplier"]  # grows as the rings' companies are added
        for _ in range(self.count(3)):
            ch = CHAINS[int(rng.integers(len(CHAINS)))]
            boss = pop.person(rng, ch.sme_districts[0])
            yield boss
            n = int(rng.integers(3, 5))
            members: list[Org] = []
            for j in range(n):
                if j % 2 == 0:
                    host = pop.orgs[smes[int(rng.integers(len(smes)))]]
                    o = self._shell(rng, host, "贸易", ch.sme_districts[0], ch.tag)
                    self.special.append(Label(SHELL_COMPANY, o.key, "ring member"))
                else:
                    o = self._schemer(rng, "supplier", ch.sme_districts[0], "实业", ch.tag, -0.5)
                members.append(o)
                yield o
                yield Holding(o.key, "0.80", person=boss.key)
                yield KeyPerson(o.key, boss.key, "legal_representative")
            self.rings.append([m.key for m in members])
            for m in members:
                self.special.append(Label(CIRCULAR_TRADE, m.key, f"ring of {n}"))

    def _self_financing_pairs(self, rng: np.random.Generator) -> Iterator[Record]:
        """Draw self-financing pairs: one person controls the seller and its debtor."""
        pop = self.pop
        for _ in range(self.count(6)):
            ch = CHAINS[int(rng.integers(len(CHAINS) - 1))]  # CNY chains
            boss = pop.person(rng, ch.sme_districts[0])
            yield boss
            pair = []
            for role, word in (("supplier", "科技"), ("distributor", "贸易")):
                o = self._schemer(rng, role, ch.sme_districts[-1], word, ch.tag, -0.8)
                pair.append(o)
                yield o
                yield Holding(o.key, "0.75", person=boss.key)
            self.self_pairs.append((pair[0].key, pair[1].key))

    def _stand_alone_shells(self, rng: np.random.Generator) -> Iterator[Record]:
        """Draw stand-alone shells that sell a little to a real buyer."""
        pop = self.pop
        smes = pop.by_role["supplier"]
        for _ in range(self.count(5)):
            host = pop.orgs[smes[int(rng.integers(len(smes)))]]
            buyer = pop.orgs[smes[int(rng.integers(len(smes)))]]
            ch = CHAIN_BY_TAG[buyer.chains[0]]
            if buyer.currency != "CNY":
                continue
            o = self._shell(rng, host, "商贸", host.district, ch.tag)
            yield o
            p = pop.person(rng, host.district)
            yield p
            yield Holding(o.key, "1.00", person=p.key)
            self.special.append(Label(SHELL_COMPANY, o.key, "stand-alone"))
            self.shells.append((o.key, buyer.key))

    def _look_alikes(self, rng: np.random.Generator) -> Iterator[Record]:
        """Draw honest look-alikes: family firms sharing a phone (related but honest)."""
        pop = self.pop
        smes = pop.by_role["supplier"]
        for _ in range(self.count(4)):
            a = pop.orgs[smes[int(rng.integers(len(smes)))]]
            o = pop.org(
                rng,
                role="supplier",
                district=a.district,
                word="工贸",
                size_class="micro",
                chains=a.chains,
                phone=a.phone,
                capital_minor=int(rng.integers(30_000, 90_000)) * 100,
            )
            yield o
            yield from pop.owners(rng, o)
            buyers = [b for (sl, b, *_r) in pop.links if sl == a.key]
            if buyers:
                pop.link(rng, o, pop.orgs[buyers[0]])

    # ------------------------------------------------------------ in the trade

    def plan(self, links: list[Link]) -> None:
        """Set the per-order rates that give each kind its number of cases a year."""
        expected = sum(r for *_x, r, _t in links) * self.pop.timeline.season_total()
        self.p_fict = self.count(10) / max(expected, 1)
        self.p_near = self.count(8) / max(expected, 1)
        self.p_dup = self.count(8) / max(expected * 0.06, 1)

    def fictitious_due(self, u: float, seller: str, m: int) -> bool:
        """Tell whether the order drawn `u` is a supplier's fictitious invoice."""
        # Late in the year a set that has drawn none yet gets one, so that every fraud type
        # is there to score even in the tiny size.
        return (u < self.p_fict or self.due(FICTITIOUS_INVOICE, m)) and (
            self.pop.orgs[seller].tier > 0
        )

    def fictitious_invoice(
        self, rng: np.random.Generator, link: Link, on: date
    ) -> Iterator[Record]:
        """Draw an invoice with no delivery behind it, and often no order either."""
        seller, buyer, cur, _rate, term = link
        no_order = rng.random() < 0.3
        t = self.ledger.trade(
            rng,
            seller,
            buyer,
            cur,
            term,
            on,
            deliver=False,
            fraud=FICTITIOUS_INVOICE,
            with_order=not no_order,
            order_by_seller=True,
            confirmed=rng.random() < 0.4,
        )
        if t is not None:
            yield t
            self.injected[FICTITIOUS_INVOICE] += 1
            yield Label(FICTITIOUS_INVOICE, t.key, "no order" if no_order else "no delivery")

    def near_duplicate(self, rng: np.random.Generator, t: Trade, u: float) -> list[Record]:
        """Now and then re-issue the invoice days later, next number, within 1 % of it."""
        if u >= self.p_fict + self.p_near:
            return []
        d = t.invoice_date + timedelta(days=int(rng.integers(1, 6)))
        if d > self.end:
            return []
        bump = int(rng.integers(-8, 9)) or 3  # within 1 % of the total
        net = t.net_minor + t.net_minor * bump // 1000
        no = t.invoice_no[:-1] + str((int(t.invoice_no[-1]) + 1) % 10)
        r = Trade(
            key=self.pop.key("t"),
            seller=t.seller,
            buyer=t.buyer,
            currency=t.currency,
            order_no=t.order_no,
            order_date=t.order_date,
            lines=(Line(t.lines[0].item, 1, net),),
            delivery_date=None,
            receipt_date=None,
            invoice_no=no,
            invoice_date=d,
            due_date=d + (t.due_date - t.invoice_date),
            net_minor=net,
            tax_minor=vat(net),
            payment_date=None,
            confirmed=False,
            new_order=False,
            fraud=NEAR_DUPLICATE,
        )
        self.ledger.count(r)
        return [
            r,
            Label(NEAR_DUPLICATE, r.key, f"re-issue of {t.key}"),
            Label(NEAR_DUPLICATE, t.key, f"re-issued as {r.key}"),
        ]

    def second_financing(
        self, rng: np.random.Generator, first: InvoiceFinance, t: Trade, need: bool
    ) -> Iterator[Record]:
        """Now and then (always when `need`) factor the receivable again elsewhere."""
        if not (rng.random() < self.p_dup or need):
            return
        other = pick(rng, [x for x in self.pop.funders if x != first.funder])
        g = InvoiceFinance(
            self.pop.key("i"),
            t.key,
            other,
            first.on + timedelta(days=int(rng.integers(2, 10))),
            fraud=DUPLICATE_FINANCING,
        )
        # The platform sees the month's applications at its end: a second financing of a
        # receivable that is due by then would be refused as due, not caught.
        if self.pop.timeline.month_end(self.pop.timeline.month_of(g.on)) < t.due_date:
            yield g
            self.injected[DUPLICATE_FINANCING] += 1
            yield Label(DUPLICATE_FINANCING, g.key, f"second funder of {t.key}")

    # ------------------------------------------------------------ the month's schemes

    def month(self, rng: np.random.Generator, m: int) -> Iterator[Record]:
        """Yield the schemes' trades of month `m` and the month's honest toll processing."""
        last = self.size.months - 1
        if m >= last - 3:
            yield from self._circular_trade(rng, m, last)
        if m in (last - 4, last - 2):
            yield from self._self_financing(rng, m, last)
        if m >= last - 2:
            for shell, buyer in self.shells:
                b = self.pop.orgs[buyer]
                sh = self.ledger.trade(
                    rng, shell, buyer, b.currency, 30, self.pop.timeline.date_in(rng, m), scale=0.5
                )
                if sh is not None:
                    yield sh
        if m % 3 == 1:
            yield from self._toll_processing(rng, m)

    def _circular_trade(self, rng: np.random.Generator, m: int, last: int) -> Iterator[Record]:
        """Send goods round each ring within days, in the last months."""
        for ring in self.rings:
            if rng.random() < 0.5 and m != last - 1:
                continue
            on = self.pop.timeline.date_in(rng, m)
            amount_scale = float(rng.uniform(2.0, 6.0))
            # The lines are drawn once and passed round with a small mark-up at each hop.
            base = self.ledger.trade(
                rng, ring[0], ring[1], "CNY", 30, on, scale=amount_scale, lag=2, late_mean=0
            )
            if base is None:
                continue
            yield base
            prev = base
            for j in range(1, len(ring)):
                s_, b_ = ring[j], ring[(j + 1) % len(ring)]
                d = prev.invoice_date + timedelta(days=int(rng.integers(1, 4)))
                lines = marked_up(prev.lines, 1000 + int(rng.integers(5, 40)))
                if d + timedelta(days=3) > self.end:
                    break
                prev = self.ledger.booked(
                    s_,
                    b_,
                    "CNY",
                    lines,
                    ordered=d - timedelta(days=1),
                    delivered=d,
                    invoiced=d + timedelta(days=1),
                    due=d + timedelta(days=31),
                )
                yield prev

    def _self_financing(self, rng: np.random.Generator, m: int, last: int) -> Iterator[Record]:
        """Let each seller invoice its sister company and factor the receivable."""
        pop = self.pop
        for seller, buyer in self.self_pairs:
            on = self.pop.timeline.date_in(rng, m)
            st = self.ledger.trade(rng, seller, buyer, "CNY", 60, on, scale=3.0, late_mean=0, lag=3)
            if st is None:
                continue
            yield st
            if m == last - 2 or rng.random() < 0.5:
                f = InvoiceFinance(
                    pop.key("i"),
                    st.key,
                    pick(rng, pop.factors or pop.funders),
                    st.invoice_date + timedelta(days=3),
                    fraud=SELF_FINANCING,
                )
                yield f
                yield Label(SELF_FINANCING, f.key, f"{seller} -> {buyer}")

    def _toll_processing(self, rng: np.random.Generator, m: int) -> Iterator[Record]:
        """Let a core send materials out and buy the parts back (honest toll processing)."""
        for seller, buyer, cur, _r, term in self.pop.links[: self.count(6)]:
            if self.pop.orgs[buyer].tier != 0 or cur != "CNY" or self.health.gone(seller, m):
                continue
            on = self.pop.timeline.date_in(rng, m)
            out = self.ledger.trade(rng, buyer, seller, cur, 30, on, lag=2)
            if out is None:
                continue
            yield out
            lines = marked_up(out.lines, 1000 + int(rng.integers(100, 700)))
            d = out.invoice_date + timedelta(days=int(rng.integers(8, 25)))
            if d + timedelta(days=4) > self.end:
                continue
            yield self.ledger.booked(
                seller,
                buyer,
                cur,
                lines,
                ordered=d - timedelta(days=2),
                delivered=d,
                invoiced=d + timedelta(days=2),
                due=d + timedelta(days=term),
            )
