"""Put a generated set into the platform through the rooms' services, as the right actors.

The platform learns of each simulated month at its end, as with the monthly batch uploads
of receivables platforms: the clock stands at the month's last day while that month's
documents are filed (each batch by the party that files it in real life: orders by the
buyer, delivery notes by the seller or its logistics firm, receipts and confirmations by
the buyer, invoices and payments received by the seller), then the month's certificates,
financings, dynamic-discounting programmes, bills, warehouse receipts and pledges run one command at
a time (a payer in trouble repays a month late). Checks that happen at the moment of a
financing (the invoice fingerprint, the pledge guard) are recorded as observations for the
evaluation.

The loader's face: `load` and `Loader` run the year; its parts live in modules of their own:
`load_state` (the report and what the parts share), `load_parties` (organizations and
owners), `load_trade` (the month's documents and their receivables), `load_certificates`,
`load_financing` (the workflow and settlement) and `load_scenarios` (what each financing
scenario loads).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from scf.platform import Platform
from scf.sim.generator import SimData
from scf.sim.load_certificates import Certificates
from scf.sim.load_financing import Financing
from scf.sim.load_ip import IntellectualProperty
from scf.sim.load_parties import Registrar
from scf.sim.load_payouts import Payouts
from scf.sim.load_scenarios import Scenarios
from scf.sim.load_state import LoadReport, LoadState, MonthHook, Observation, noon
from scf.sim.load_trade import TradeDocuments
from scf.sim.model import (
    Bill,
    CertFinance,
    CertIssue,
    CertTransfer,
    CreditLine,
    Default,
    DiscountProgram,
    Goods,
    Holding,
    InvoiceFinance,
    KeyPerson,
    Org,
    Person,
    Pledge,
    Trade,
)

__all__ = ["LoadReport", "Loader", "MonthHook", "Observation", "load"]

CLOSING_DAYS = 75  # the closing settlement runs this long after the year's last day
# The events that run one command at a time after the month's documents.
EVENTS = (
    CertIssue,
    CertTransfer,
    CertFinance,
    InvoiceFinance,
    DiscountProgram,
    Bill,
    Goods,
    Pledge,
)


class Loader:
    def __init__(
        self,
        platform: Platform,
        data: SimData,
        *,
        at_month_end: MonthHook | None = None,
        closing: bool = True,
    ) -> None:
        self.st = LoadState(platform, data)
        self.at_month_end = at_month_end
        self.closing = closing
        self.registrar = Registrar(self.st)
        self.documents = TradeDocuments(self.st)
        self.certificates = Certificates(self.st, self.documents)
        self.financing = Financing(self.st)
        self.scenarios = Scenarios(self.st, self.documents, self.financing)
        self.payouts = Payouts(self.st, self.financing)
        self.rights = IntellectualProperty(self.st)
        self._run_event: dict[type, Callable[[Any], None]] = {
            CertIssue: self.certificates.issue,
            CertTransfer: self.certificates.transfer,
            CertFinance: self.certificates.finance,
            InvoiceFinance: self.scenarios.invoice_finance,
            DiscountProgram: self.scenarios.discount,
            Bill: self.scenarios.bill,
            Goods: self.scenarios.goods,
            Pledge: self.scenarios.pledge,
        }
        self._events: dict[int, list[Any]] = defaultdict(list)  # by month
        self._lines: list[CreditLine] = []

    def run(self, progress: Callable[[str, int, int], None] | None = None) -> LoadReport:
        started = time.perf_counter()
        st = self.st
        months = st.data.size.months
        aside = 0.0  # time spent in the month-end hook, not loading
        with st.timed("organizations"):
            pending = self._index()
            eve = st.data.timeline.start - timedelta(days=1)
            st.clock.set(noon(eve))
            pending = self.registrar.register(pending, eve)
            self.certificates.grant_lines(self._lines)
            self.financing.setup()
        for m in range(months):
            pending = self._month(m, pending)
            if self.at_month_end is not None:
                t4 = time.perf_counter()
                self.at_month_end(st.p, m, st.r)
                aside += time.perf_counter() - t4
            if progress:
                progress("loading", m + 1, months)
        self._close()
        st.r.seconds = time.perf_counter() - started - aside
        if aside:
            st.r.phases["month-end hook (not counted)"] = aside
        return st.r

    def _index(self) -> list[Org]:
        """Index the set's records for the parts; return the organizations by founding."""
        st = self.st
        recs = st.data.records
        orgs = [r for r in recs if isinstance(r, Org)]
        st.orgs = {o.key: o for o in orgs}
        st.people = {p.key: p for p in recs if isinstance(p, Person)}
        st.trades = {t.key: t for t in recs if isinstance(t, Trade)}
        for r in recs:
            if isinstance(r, Holding | KeyPerson):
                self.registrar.owned[r.org].append(r)
            elif isinstance(r, EVENTS):
                self._events[st.data.timeline.month_of(r.on)].append(r)
            elif isinstance(r, CreditLine):
                self._lines.append(r)
            elif isinstance(r, Default):
                st.defaults[r.org] = min(r.on, st.defaults.get(r.org, r.on))
        eve = st.data.timeline.start - timedelta(days=1)
        return sorted(orgs, key=lambda o: (max(o.founded_on, eve), o.key))

    def _month(self, m: int, pending: list[Org]) -> list[Org]:
        """Load month `m` at its last day; return the organizations not yet founded."""
        st = self.st
        last = st.data.timeline.month_end(m)
        st.clock.set(noon(last))
        with st.timed("organizations"):
            pending = self.registrar.register(pending, last)
        with st.timed("trade documents"):
            self.documents.month(m)
        with st.timed("financing and goods"):
            for ev in sorted(self._events.get(m, []), key=lambda e: (e.on, e.key)):
                self._run_event[type(ev)](ev)
            self.scenarios.purchase_orders(m)
            self.payouts.month(m)
            self.rights.month(m)
            self.certificates.settle(last)
            self.financing.settle(last)
        return pending

    def _close(self) -> None:
        """Settle after the year, then look up every invoice's receivable for the checks."""
        # A closing run after the year: what fell due is repaid, or goes overdue and into
        # default (with its claim) once the grace period has passed.
        st = self.st
        if self.closing:
            with st.timed("financing and goods"):
                closing: date = st.data.end + timedelta(days=CLOSING_DAYS)
                st.clock.set(noon(closing))
                self.certificates.settle(closing)
                self.financing.settle(closing, final=True)
        self._resolve()

    def _resolve(self) -> None:
        with self.st.timed("receivable lookup"):
            self.documents.resolve_receivables()


def load(
    platform: Platform,
    data: SimData,
    *,
    progress: bool = False,
    at_month_end: MonthHook | None = None,
    closing: bool = True,
) -> LoadReport:
    """Load a generated set through the services; show a progress bar when asked.

    `closing` runs a settlement `CLOSING_DAYS` after the last day, so that what fell due in
    the year is repaid or defaults; a set that ends today (the demo) leaves it out, since its
    dues lie in the future."""
    from scf.sim.progress import ProgressLines, on_terminal

    loader = Loader(platform, data, at_month_end=at_month_end, closing=closing)
    if not progress:
        return loader.run()
    if not on_terminal():
        lines = ProgressLines("scf")
        phase = f"loading {data.size.name} through the services: months"
        lines(phase, 0, data.size.months)
        return loader.run(lambda _what, done, total: lines(phase, done, total))
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(f"loading {data.size.name} month by month", total=data.size.months)
        return loader.run(lambda _what, done, _total: bar.update(task, completed=done))
