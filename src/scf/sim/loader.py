"""Put a generated set into the platform through the rooms' services, as the right actors.

The platform learns of each simulated month at its end, as with the monthly batch uploads
of receivables platforms: the clock stands at the month's last day while that month's
documents are filed (each batch by the party that files it in real life: orders by the
buyer, delivery notes by the seller or its logistics firm, receipts and confirmations by
the buyer, invoices and payments received by the seller), then the month's certificates,
financings, dynamic-discounting programmes, warehouse receipts and pledges run one command at
a time (a payer in trouble repays a month late). Checks that happen at the moment of a
financing (the invoice fingerprint, the pledge guard) are recorded as observations for the
evaluation.
"""

from __future__ import annotations

import calendar as _cal
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from scf.core.actor import Actor
from scf.core.clock import FixedClock
from scf.core.errors import DomainError
from scf.core.money import Money
from scf.platform import Platform
from scf.sim.generator import START, SimData
from scf.sim.model import (
    DUPLICATE_FINANCING,
    EMPTY_RECEIPT,
    SELF_FINANCING,
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

FUNDER_ROLES = ("bank", "factoring_company", "local_financial_org")
# What each funder publishes once, before the year starts: (scenario, currencies, spread for
# small and micro firms).
PRODUCTS = (
    ("receivables_factoring", ("CNY", "HKD", "USD"), "0.010"),
    ("credit_insurance", ("CNY", "HKD", "USD"), "0.005"),
    ("warehouse_pledge", ("CNY",), "0.015"),
    ("purchase_order", ("CNY",), "0.020"),
)
# Commodity prices the operator posts (per the warehouse receipt's unit), in CNY.
PRICES = (("黄金", "克", "550.00", "SGE Au99.99"), ("保税燃料油", "吨", "4500.00", "SHFE"))
# A refusal of the financing room's automatic checks that catches an injected fraud.
CAUGHT_BY = {
    DUPLICATE_FINANCING: {"duplicate_invoice", "already_pledged", "not_confirmed"},
    SELF_FINANCING: {"self_financing"},
}
# A payer whose latent health (`Generator.health_at`) is below this when a financing falls
# due repays it a month late.
LATE_BELOW = -1.0
CLOSING_DAYS = 75  # the closing settlement runs this long after the year's last day
PO_EVERY = 23  # one confirmed order in this many is financed (purchase-order financing)


@dataclass
class Observation:
    """What a check said at the moment it ran: `flagged` for `subject` (a record key)."""

    kind: str
    subject: str
    flagged: bool
    detail: str = ""


@dataclass
class LoadReport:
    org_ids: dict[str, str] = field(default_factory=dict)  # org key -> platform id
    invoice_ids: dict[str, str] = field(default_factory=dict)  # trade key -> invoice id
    receivable_ids: dict[str, str] = field(default_factory=dict)  # trade key -> receivable id
    fingerprints: dict[str, str] = field(default_factory=dict)  # trade key -> fingerprint
    certificate_ids: dict[str, str] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)  # financing room refusals by code
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # seconds

    def summary(self) -> dict[str, Any]:
        return {
            "counts": dict(sorted(self.counts.items())),
            "financing_refusals": dict(sorted(self.refusals.items())),
            "errors": len(self.errors),
            "first_errors": self.errors[:5],
            "seconds": round(self.seconds, 2),
            "phases_s": {k: round(v, 1) for k, v in sorted(self.phases.items())},
        }


def _noon(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 10, 0, tzinfo=UTC)


def _amount(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    return f"{sign}{minor // 100}.{minor % 100:02d}"


def _month_of(d: date) -> int:
    return (d.year - START.year) * 12 + d.month - START.month


# Called with the platform (its clock at the month's last day), the month's index and the
# report so far, after each month is loaded: a point-in-time view for studies such as the
# default study of `scf.sim.eval`. Its time is kept apart from the load time.
MonthHook = Callable[[Platform, int, "LoadReport"], None]


class Loader:
    def __init__(
        self, platform: Platform, data: SimData, *, at_month_end: MonthHook | None = None
    ) -> None:
        self.clock = FixedClock(_noon(START - timedelta(days=1)))
        # The same database and settings, with a clock the loader moves through the year.
        self.p = Platform(
            platform.settings,
            platform.engine,
            platform.session_factory,
            self.clock,
            platform.calendar,
        )
        self.data = data
        self.r = LoadReport()
        self.orgs: dict[str, Org] = {}
        self.trades: dict[str, Trade] = {}
        self.actors: dict[str, Actor] = {}
        self.people: dict[str, Person] = {}
        self.live: dict[str, _Live] = {}  # application id -> what settles it
        self.defaults: dict[str, date] = {}  # org key -> the day it stops paying
        self.order_ids: dict[str, str] = {}  # trade key -> order id (buyer-filed orders)
        self.covers: dict[tuple[str, str], str | None] = {}  # (seller, debtor) -> policy id
        self.at_month_end = at_month_end
        self.paid_early: set[str] = set()  # trade keys the buyer paid early (discounting)

    # ------------------------------------------------------------ helpers

    def actor(self, key: str) -> Actor:
        a = self.actors.get(key)
        if a is None:
            o = self.orgs[key]
            a = Actor(None, self.r.org_ids[key], frozenset(o.roles), f"sim:{key}")
            self.actors[key] = a
        return a

    def _try(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except DomainError as exc:
            self.r.errors.append(f"{what}: {exc.code}: {exc.message}")
            return None

    @property
    def regulator(self) -> Actor:
        return Actor(None, None, frozenset({"regulator"}), "sim:regulator")

    @property
    def operator(self) -> Actor:
        return Actor(None, None, frozenset({"operator"}), "sim:operator")

    # ------------------------------------------------------------ the run

    def run(self, progress: Callable[[str, int, int], None] | None = None) -> LoadReport:
        started = time.perf_counter()
        recs = self.data.records
        orgs = [r for r in recs if isinstance(r, Org)]
        self.orgs = {o.key: o for o in orgs}
        self.people = {p.key: p for p in recs if isinstance(p, Person)}
        holdings = [r for r in recs if isinstance(r, Holding | KeyPerson)]
        self.trades = {t.key: t for t in recs if isinstance(t, Trade)}
        events: dict[int, list[Any]] = defaultdict(list)
        for r in recs:
            if isinstance(
                r,
                CertIssue
                | CertTransfer
                | CertFinance
                | InvoiceFinance
                | DiscountProgram
                | Goods
                | Pledge,
            ):
                events[_month_of(r.on)].append(r)
        lines = [r for r in recs if isinstance(r, CreditLine)]
        for d in recs:
            if isinstance(d, Default):
                self.defaults[d.org] = min(d.on, self.defaults.get(d.org, d.on))
        pending = sorted(orgs, key=lambda o: (max(o.founded_on, START - timedelta(days=1)), o.key))
        owned: dict[str, list[Any]] = defaultdict(list)
        for h in holdings:
            owned[h.org].append(h)
        months = self.data.size.months
        aside = 0.0  # time spent in the month-end hook, not loading
        self.clock.set(_noon(START - timedelta(days=1)))
        pending = self._register(pending, owned, START - timedelta(days=1))
        self._lines(lines)
        self._financing_setup()
        self.r.phases["organizations"] += time.perf_counter() - started
        for m in range(months):
            first = date(
                START.year + (START.month - 1 + m) // 12, (START.month - 1 + m) % 12 + 1, 1
            )
            last = first.replace(day=_cal.monthrange(first.year, first.month)[1])
            self.clock.set(_noon(last))
            t0 = time.perf_counter()
            pending = self._register(pending, owned, last)
            t1 = time.perf_counter()
            self._trade_month(m)
            t2 = time.perf_counter()
            for ev in sorted(events.get(m, []), key=lambda e: (e.on, e.key)):
                self._event(ev)
            self._purchase_orders(m)
            self._settle(last)
            self.r.phases["organizations"] += t1 - t0
            self.r.phases["trade documents"] += t2 - t1
            self.r.phases["financing and goods"] += time.perf_counter() - t2
            if self.at_month_end is not None:
                t4 = time.perf_counter()
                self.at_month_end(self.p, m, self.r)
                aside += time.perf_counter() - t4
            if progress:
                progress("loading", m + 1, months)
        # A closing run after the year: what fell due is repaid, or goes overdue and into
        # default (with its claim) once the grace period has passed.
        t3 = time.perf_counter()
        closing = self.data.end + timedelta(days=CLOSING_DAYS)
        self.clock.set(_noon(closing))
        self._settle(closing, final=True)
        self.r.phases["financing and goods"] += time.perf_counter() - t3
        t3 = time.perf_counter()
        self.resolve_receivables()
        self.r.phases["receivable lookup"] += time.perf_counter() - t3
        self.r.seconds = time.perf_counter() - started - aside
        if aside:
            self.r.phases["month-end hook (not counted)"] = aside
        return self.r

    # ------------------------------------------------------------ population

    def _register(self, pending: list[Org], owned: dict[str, list[Any]], upto: date) -> list[Org]:
        from scf.parties import service as parties

        rest = []
        for o in pending:
            if o.founded_on > upto:
                rest.append(o)
                continue
            with self.p.uow(Actor.system()) as uow:
                row = parties.find_by_uscc(uow, o.uscc)
            if row is None:
                with self.p.uow(Actor.system()) as uow:
                    row = parties.register_organization(
                        uow,
                        parties.OrganizationInput(
                            uscc=o.uscc,
                            name=o.name,
                            district=o.district,
                            roles=list(o.roles),
                            size_class=o.size_class,
                            founded_on=o.founded_on,
                            registered_capital=Money(o.capital_minor, "CNY"),
                            chain_tags=list(o.chains),
                            address=o.address,
                            phone=o.phone,
                            licence_no=o.licence_no,
                            licence_authority="国家金融监督管理总局深圳监管局"
                            if o.licence_no
                            else None,
                        ),
                    )
                self.r.counts["organizations"] += 1
                self.r.org_ids[o.key] = row.id
                for h in owned.get(o.key, []):
                    self._own(h)
                if set(o.roles) & set(FUNDER_ROLES):
                    with self.p.uow(self.regulator) as uow:
                        parties.add_list_entry(uow, "white", row.id, "licensed; admitted")
            else:
                self.r.org_ids[o.key] = row.id
        return rest

    def _own(self, h: Holding | KeyPerson) -> None:
        from scf.parties import service as parties

        with self.p.uow(Actor.system()) as uow:
            uow.actor = Actor(None, None, frozenset({"operator"}), "sim:operator")
            if isinstance(h, KeyPerson):
                p = self.people[h.person]
                self._try(
                    "key person",
                    lambda: parties.add_key_person(
                        uow, self.r.org_ids[h.org], p.id_number, p.name, h.role
                    ),
                )
                return
            if h.holder_org is not None:
                holder_id = self.r.org_ids.get(h.holder_org)
                if holder_id is None:
                    return
                self._try(
                    "holding",
                    lambda: parties.add_shareholding(
                        uow, self.r.org_ids[h.org], Decimal(h.share), holder_org_id=holder_id
                    ),
                )
            else:
                assert h.person is not None
                p = self.people[h.person]
                self._try(
                    "holding",
                    lambda: parties.add_shareholding(
                        uow,
                        self.r.org_ids[h.org],
                        Decimal(h.share),
                        person_id_number=p.id_number,
                        person_name=p.name,
                    ),
                )
            self.r.counts["shareholdings"] += 1

    def _lines(self, lines: Iterable[CreditLine]) -> None:
        from scf.certificates import service as certs

        self.line_ids: dict[str, str] = {}
        for ln in lines:
            with self.p.uow(self.actor(ln.funder)) as uow:
                row = self._try(
                    "credit line",
                    partial(
                        certs.grant_line,
                        uow,
                        self.r.org_ids[ln.core],
                        Money(ln.limit_minor, ln.currency),
                        ln.expires_on,
                    ),
                )
                if row is not None:
                    self.line_ids[ln.key] = row.id
                    self.r.counts["credit_lines"] += 1

    # ------------------------------------------------------------ trade

    def _trade_month(self, m: int) -> None:
        from scf.trade import service as trade

        ts = [
            t
            for t in self.trades.values()
            if t.seller in self.r.org_ids and t.buyer in self.r.org_ids
        ]
        orders = [t for t in ts if t.order_no and t.new_order and _month_of(t.order_date) == m]
        deliveries = [t for t in ts if t.delivery_date and _month_of(t.delivery_date) == m]
        invoices = [t for t in ts if _month_of(t.invoice_date) == m]
        receipts = [t for t in ts if t.receipt_date and _month_of(t.receipt_date) == m]
        payments = [t for t in ts if t.payment_date and _month_of(t.payment_date) == m]
        o = self.orgs
        with self.p.uow() as uow:
            for filer, group in _by(orders, lambda t: t.seller if t.order_by_seller else t.buyer):
                uow.actor = self.actor(filer)
                items = [
                    trade.OrderInput(
                        number=t.order_no or "",
                        seller_uscc=o[t.seller].uscc,
                        buyer_uscc=o[t.buyer].uscc,
                        issue_date=t.order_date,
                        currency=t.currency,
                        lines=[
                            trade.LineInput(ln.item, ln.quantity, _amount(ln.unit_price_minor))
                            for ln in t.lines
                        ],
                    )
                    for t in group
                ]
                oids = self._try("orders", partial(trade.record_orders, uow, items, commit=False))
                if oids:
                    self.r.counts["orders"] += len(items)
                    if filer != group[0].seller:  # filed by the buyer: a confirmed order
                        for t, oid in zip(group, oids, strict=True):
                            self.order_ids[t.key] = oid
            for filer, group in _by(deliveries, lambda t: t.seller):
                # A third of the delivery notes come from the seller's logistics firm.
                logistics = [k for k in self.data.generator.logistics if k in self.r.org_ids]
                own = [t for t in group if not logistics or int(t.key[1:]) % 3]
                by_lg = [t for t in group if t not in own]
                for who, batch in ((filer, own), (logistics[0] if logistics else filer, by_lg)):
                    if not batch:
                        continue
                    uow.actor = self.actor(who)
                    items2 = [self._shipment(trade, t, "delivery") for t in batch]
                    if self._try(
                        "deliveries", partial(trade.record_shipments, uow, items2, commit=False)
                    ):
                        self.r.counts["deliveries"] += len(items2)
            for filer, group in _by(invoices, lambda t: t.seller):
                uow.actor = self.actor(filer)
                items3 = [self._invoice(trade, t) for t in group]
                ids = self._try(
                    "invoices", partial(trade.record_invoices, uow, items3, commit=False)
                )
                if ids:
                    self.r.counts["invoices"] += len(ids)
                    for t, inv_id in zip(group, ids, strict=True):
                        self.r.invoice_ids[t.key] = inv_id
                        self.r.fingerprints[t.key] = trade.invoice_fingerprint(
                            uow,
                            o[t.seller].uscc,
                            o[t.buyer].uscc,
                            t.invoice_no,
                            t.invoice_date,
                            Money(t.total_minor, t.currency),
                        )
            for filer, group in _by(receipts, lambda t: t.buyer):
                uow.actor = self.actor(filer)
                items4 = [self._shipment(trade, t, "receipt") for t in group]
                if self._try(
                    "receipts", partial(trade.record_shipments, uow, items4, commit=False)
                ):
                    self.r.counts["receipts"] += len(items4)
            # The debtor confirms by filing the same invoices as its payables.
            confirm = [t for t in invoices if t.confirmed and t.key in self.r.invoice_ids]
            for filer, group in _by(confirm, lambda t: t.buyer):
                uow.actor = self.actor(filer)
                items6 = [self._invoice(trade, t) for t in group]
                if self._try(
                    "confirmations", partial(trade.record_invoices, uow, items6, commit=False)
                ):
                    self.r.counts["confirmations"] += len(items6)
            pay = [
                t for t in payments if t.key in self.r.invoice_ids and t.key not in self.paid_early
            ]
            for filer, group in _by(pay, lambda t: t.seller):
                uow.actor = self.actor(filer)
                items5 = [
                    trade.PaymentInput(
                        amount=_amount(t.total_minor),
                        currency=t.currency,
                        value_date=t.payment_date or t.due_date,
                        reference=f"PAY{t.invoice_no}",
                        remittance=f"invoice {t.invoice_no}",
                        payer_uscc=o[t.buyer].uscc,
                        payee_uscc=o[t.seller].uscc,
                        invoice_number=t.invoice_no,
                    )
                    for t in group
                ]
                if self._try("payments", partial(trade.record_payments, uow, items5, commit=False)):
                    self.r.counts["payments"] += len(items5)
            uow.actor = Actor.system()
            uow.commit()

    def _shipment(self, trade: Any, t: Trade, kind: str) -> Any:
        o = self.orgs
        prefix = "DN" if kind == "delivery" else "GR"
        return trade.ShipmentInput(
            kind=kind,
            number=f"{prefix}{t.order_no}",
            order_number=t.order_no or "",
            seller_uscc=o[t.seller].uscc,
            buyer_uscc=o[t.buyer].uscc,
            on_date=(t.delivery_date if kind == "delivery" else t.receipt_date) or t.order_date,
            lines=[trade.ShipmentLineInput(j, ln.quantity) for j, ln in enumerate(t.lines, 1)],
        )

    def _invoice(self, trade: Any, t: Trade) -> Any:
        o = self.orgs
        return trade.InvoiceInput(
            number=t.invoice_no,
            seller_uscc=o[t.seller].uscc,
            buyer_uscc=o[t.buyer].uscc,
            issue_date=t.invoice_date,
            currency=t.currency,
            amount_without_tax=_amount(t.net_minor),
            tax=_amount(t.tax_minor),
            total=_amount(t.total_minor),
            due_date=t.due_date,
            order_number=t.order_no,
            lines=[
                trade.LineInput(
                    ln.item,
                    ln.quantity,
                    _amount(ln.unit_price_minor),
                    order_line_no=j if t.new_order else None,
                )
                for j, ln in enumerate(t.lines, 1)
            ],
        )

    def receivable(self, trade_key: str) -> str | None:
        """The receivable of a trade's invoice (looked up per trading pair, on demand)."""
        if trade_key not in self.r.receivable_ids and trade_key in self.r.invoice_ids:
            t = self.trades[trade_key]
            self._pair_receivables(t.seller, t.buyer)
        return self.r.receivable_ids.get(trade_key)

    def _pair_receivables(self, seller: str, buyer: str) -> None:
        from scf.trade import service as trade

        by_invoice = self._invoice_keys()
        with self.p.uow(Actor.system()) as uow:
            for info in trade.receivables_between(
                uow, self.r.org_ids[seller], self.r.org_ids[buyer], with_unused_confirmed=False
            ):
                for inv in info.invoice_ids:
                    if inv in by_invoice:
                        self.r.receivable_ids[by_invoice[inv]] = info.id

    def _invoice_keys(self) -> dict[str, str]:
        if len(getattr(self, "_inv_keys", {})) != len(self.r.invoice_ids):
            self._inv_keys = {v: k for k, v in self.r.invoice_ids.items()}
        return self._inv_keys

    def resolve_receivables(self) -> None:
        """Look up every loaded invoice's receivable once per trading pair (for the checks)."""
        pairs = sorted(
            {(t.seller, t.buyer) for k, t in self.trades.items() if k in self.r.invoice_ids}
        )
        for seller, buyer in pairs:
            self._pair_receivables(seller, buyer)

    # ------------------------------------------------------------ financing and goods

    def _event(self, ev: Any) -> None:
        if isinstance(ev, CertIssue):
            self._issue(ev)
        elif isinstance(ev, CertTransfer):
            self._transfer(ev)
        elif isinstance(ev, CertFinance):
            self._cert_finance(ev)
        elif isinstance(ev, InvoiceFinance):
            self._invoice_finance(ev)
        elif isinstance(ev, DiscountProgram):
            self._discount(ev)
        elif isinstance(ev, Goods):
            self._goods(ev)
        elif isinstance(ev, Pledge):
            self._pledge(ev)

    def _issue(self, ev: CertIssue) -> None:
        from scf.certificates import service as certs

        rid = self.receivable(ev.trade)
        line = self.line_ids.get(ev.line)
        if rid is None or line is None:
            return
        today = self.clock.today()
        maturity = min(max(ev.maturity_on, today + timedelta(days=30)), today + timedelta(days=170))
        with self.p.uow(self.actor(ev.core)) as uow:
            row = self._try(
                "certificate",
                lambda: certs.issue_certificate(
                    uow,
                    line_id=line,
                    supplier_org_id=self.r.org_ids[ev.supplier],
                    receivable_ids=[rid],
                    face=Money(ev.face_minor, ev.currency),
                    maturity_on=maturity,
                ),
            )
            if row is not None:
                self.r.certificate_ids[ev.key] = row.id
                self.r.counts["certificates"] += 1

    def _piece(self, holder: str, cert_key: str, at_least: int = 1) -> Any:
        from scf.certificates import service as certs

        cert_id = self.r.certificate_ids.get(cert_key)
        if cert_id is None:
            return None
        with self.p.uow(self.actor(holder)) as uow:
            pieces = [
                p
                for p in certs.list_pieces(uow)
                if p.certificate_id == cert_id and p.face_minor >= at_least
            ]
        return max(pieces, key=lambda p: p.face_minor) if pieces else None

    def _transfer(self, ev: CertTransfer) -> None:
        from scf.certificates import service as certs

        piece = self._piece(ev.holder, ev.cert, ev.amount_minor)
        rid = self.receivable(ev.trade)
        if piece is None or rid is None:
            return
        with self.p.uow(self.actor(ev.holder)) as uow:
            if self._try(
                "transfer",
                lambda: certs.transfer_piece(
                    uow,
                    piece.id,
                    self.r.org_ids[ev.to],
                    amount=Money(ev.amount_minor, piece.currency),
                    receivable_id=rid,
                ),
            ):
                self.r.counts["certificate_transfers"] += 1

    def _cert_finance(self, ev: CertFinance) -> None:
        from scf.certificates import service as certs

        piece = self._piece(ev.holder, ev.cert)
        if piece is None:
            return
        with self.p.uow(self.actor(ev.holder)) as uow:
            offer = self._try(
                "offer",
                lambda: certs.offer_financing(
                    uow, piece.id, self.r.org_ids[ev.funder], Decimal(ev.rate)
                ),
            )
        if offer is None:
            return
        with self.p.uow(self.actor(ev.funder)) as uow:
            if self._try("accept", lambda: certs.accept_financing(uow, offer.id)):
                self.r.counts["certificate_financings"] += 1

    def _invoice_finance(self, ev: InvoiceFinance) -> None:
        """The seller applies to factor a confirmed receivable; the financing room checks it
        (a second financing of the same invoice, self-financing through related parties) and
        the funder offers, registers the assignment and pays. SME debtors' receivables go
        under credit insurance or a guarantee, written on first need."""
        t = self.trades[ev.trade]
        rid = self.receivable(ev.trade)
        if rid is None or not t.confirmed:
            return
        with self.p.uow(Actor.system()) as uow:
            info = trade_service().receivable_info(uow, rid)
        if info.due_date <= self.clock.today() and ev.fraud is None:
            self.r.counts["invoice_financings_too_late"] += 1  # due before the month's batch
            return
        free = info.confirmed.minor - info.used.minor
        amount = Money((free if free > 0 else t.total_minor) * 8 // 10, t.currency)
        asset: dict[str, Any] = {"receivable_id": rid, "recourse": int(ev.key[1:]) % 3 != 0}
        scenario = "receivables_factoring"
        if self.orgs[t.buyer].tier != 0:
            policy = self._cover(t.seller, t.buyer, t.currency)
            if policy is not None:
                scenario = "credit_insurance"
                asset["policy_id"] = policy
        code = self._finance(
            ev.key, scenario, t.seller, ev.funder, amount, asset, defaulter=t.buyer
        )
        for kind, codes in CAUGHT_BY.items():
            if kind == DUPLICATE_FINANCING or ev.fraud == kind:
                self.r.observations.append(Observation(kind, ev.key, code in codes, code or ""))
        if code is None:
            self.r.counts["invoice_financings"] += 1

    def _discount(self, ev: DiscountProgram) -> None:
        """Dynamic discounting through the financing room: the core opens a programme with its
        own cash, suppliers bid a discount on confirmed receivables, the core clears the book
        and pays the winners early; each supplier then books the payment of its invoice."""
        from scf.financing import service as fin
        from scf.trade import service as trade

        with self.p.uow(self.actor(ev.buyer)) as uow:
            prog = self._try(
                "discount programme",
                lambda: fin.open_program(
                    uow, Money(ev.cash_minor, ev.currency), Decimal(ev.hurdle_rate), ev.pay_on
                ),
            )
        if prog is None:
            return
        self.r.counts["discount_programs"] += 1
        by_receivable: dict[str, Trade] = {}
        for b in ev.bids:
            rid = self.receivable(b.trade)
            if rid is None:
                continue
            with self.p.uow(self.actor(b.supplier)) as uow:
                if self._try("discount bid", partial(fin.bid, uow, prog.id, rid, Decimal(b.rate))):
                    self.r.counts["discount_bids"] += 1
                    by_receivable[rid] = self.trades[b.trade]
        with self.p.uow(self.actor(ev.buyer)) as uow:
            out = self._try(
                "discount clearing", partial(fin.clear_program, uow, prog.id, f"sim-clr-{ev.key}")
            )
        if out is None:
            return
        for won in out["bids"]:
            if won["status"] != "won" or not won["application_id"]:
                continue
            with self.p.uow(self.actor(ev.buyer)) as uow:
                paid = self._try(
                    "early payment",
                    partial(fin.pay_early, uow, won["application_id"], f"sim-ddp-{won['id']}"),
                )
            if not paid:
                continue
            self.r.counts["early_payments"] += 1
            t = by_receivable[won["receivable_id"]]
            self.paid_early.add(t.key)
            o = self.orgs
            with self.p.uow(self.actor(t.seller)) as uow:
                self._try(
                    "early payment booked",
                    partial(
                        trade.record_payments,
                        uow,
                        [
                            trade.PaymentInput(
                                amount=_amount(t.total_minor),
                                currency=t.currency,
                                value_date=date.fromisoformat(paid["instruction"]["value_date"]),
                                reference=f"DD{t.invoice_no}",
                                # settled in full by the programme; the supplier
                                # bore the discount as a finance cost
                                remittance=(
                                    f"invoice {t.invoice_no} settled early by programme "
                                    f"{prog.id} (discount {won['discount']['amount']})"
                                ),
                                payer_uscc=o[t.buyer].uscc,
                                payee_uscc=o[t.seller].uscc,
                                invoice_number=t.invoice_no,
                            )
                        ],
                    ),
                )

    def _cover(self, seller: str, debtor: str, currency: str) -> str | None:
        """A policy on the seller's receivables from `debtor` (insurer or guarantee company)."""
        from scf.financing import service as fin

        if (seller, debtor) in self.covers:
            return self.covers[(seller, debtor)]
        gen = self.data.generator
        writers = [k for k in (*gen.by_role["insurer"], *gen.guarantors) if k in self.r.org_ids]
        if not writers:
            return None
        writer = writers[(int(seller[1:]) + int(debtor[1:])) % len(writers)]
        guarantee = "guarantee_company" in self.orgs[writer].roles
        with self.p.uow(self.actor(writer)) as uow:
            row = self._try(
                "cover",
                lambda: fin.write_cover(
                    uow,
                    insured_org_id=self.r.org_ids[seller],
                    debtor_org_id=self.r.org_ids[debtor],
                    kind="guarantee" if guarantee else "insurance",
                    cover_ratio=Decimal("0.80") if guarantee else Decimal("0.90"),
                    premium_rate=Decimal("0.0120") if guarantee else Decimal("0.0080"),
                    limit=Money(50_000_000_00, currency),
                    expires_on=self.data.end + timedelta(days=366),
                ),
            )
        self.covers[(seller, debtor)] = row.id if row is not None else None
        if row is not None:
            self.r.counts["cover_policies"] += 1
        return self.covers[(seller, debtor)]

    # ------------------------------------------------------------ the financing room

    def _financing_setup(self) -> None:
        """Funders publish their products once; the operator posts the commodity prices."""
        from scf.financing import service as fin

        funders = [k for k, o in self.orgs.items() if set(o.roles) & set(FUNDER_ROLES)]
        for key in funders:
            if key not in self.r.org_ids:
                continue
            for scenario, currencies, spread in PRODUCTS:
                for cur in currencies:
                    with self.p.uow(self.actor(key)) as uow:
                        if self._try(
                            "product",
                            partial(
                                fin.create_product,
                                uow,
                                scenario=scenario,
                                name=f"{self.orgs[key].name} {scenario} {cur}",
                                base_rate=Decimal("0.0350"),
                                max_amount=Money(1_000_000_000_00, cur),
                                rate_groups=[
                                    {"name": "red", "red_listed": True, "spread": "0.000"},
                                    {
                                        "name": "small",
                                        "size_classes": ["micro", "small"],
                                        "spread": spread,
                                    },
                                ],
                                offer_validity_hours=720,
                            ),
                        ):
                            self.r.counts["financing_products"] += 1
        for commodity, unit, price, source in PRICES:
            with self.p.uow(self.operator) as uow:
                fin.set_commodity_price(uow, commodity, unit, Money.of(price, "CNY"), source)

    def _finance(
        self,
        key: str,
        scenario: str,
        applicant: str,
        funder: str,
        amount: Money,
        asset: dict[str, Any],
        *,
        defaulter: str | None,
    ) -> str | None:
        """Apply, offer, accept, register and disburse; the refusal's code, else None.

        Escalated applications wait for the operator's review (answer "escalated")."""
        started = time.perf_counter()
        try:
            return self._finance_steps(key, scenario, applicant, funder, amount, asset, defaulter)
        finally:
            self.r.phases["of which financing room"] += time.perf_counter() - started

    def _finance_steps(
        self,
        key: str,
        scenario: str,
        applicant: str,
        funder: str,
        amount: Money,
        asset: dict[str, Any],
        defaulter: str | None,
    ) -> str | None:
        from scf.financing import service as fin

        try:
            with self.p.uow(self.actor(applicant)) as uow:
                app = fin.submit_application(
                    uow, fin.ApplicationInput(scenario, amount, asset, [self.r.org_ids[funder]])
                )
                app_id, status, due_on = app.id, app.status, app.due_on
        except DomainError as exc:
            self.r.refusals[f"{scenario}:{exc.code}"] += 1
            return exc.code
        self.r.counts[f"applications:{scenario}"] += 1
        if status == "escalated":
            self.r.counts["applications_escalated"] += 1
            return "escalated"
        step = "offer"
        try:
            if status == "sent":
                with self.p.uow(self.actor(funder)) as uow:
                    fin.make_offer(uow, app_id)
            step = "accept"
            with self.p.uow(self.actor(applicant)) as uow:
                row = fin.get_application(uow, app_id)
                offer = next(o for o in fin.offers_of(uow, row) if o.status == "open")
                fin.accept_offer(uow, offer.id, f"sim-acc-{key}")
            step = "register"
            with self.p.uow(self.actor(funder)) as uow:
                fin.register(uow, app_id)
            step = "disburse"
            with self.p.uow(self.actor(funder)) as uow:
                fin.disburse(uow, app_id, f"sim-dis-{key}")
        except DomainError as exc:
            self.r.refusals[f"{scenario}:{step}:{exc.code}"] += 1
            return exc.code
        stops = self.defaults.get(defaulter) if defaulter else None
        gen = self.data.generator
        late = defaulter is not None and gen.health_at(defaulter, _month_of(due_on)) < LATE_BELOW
        self.live[app_id] = _Live(
            key, funder, due_on, amount, stops is not None and stops <= due_on, late
        )
        self.r.counts["financings_disbursed"] += 1
        return None

    def _settle(self, today: date, *, final: bool = False) -> None:
        """At the month's end: funders book repayments of what fell due (a payer in trouble
        pays a month late); the operator marks the rest overdue; past the grace period the
        funder declares default, which opens a claim where cover exists, and the insurer
        pays it."""
        from scf.financing import service as fin

        for app_id, lv in sorted(self.live.items(), key=lambda x: (x[1].due_on, x[1].key)):
            if lv.due_on > today or lv.defaults:
                continue
            if lv.late and not final:
                lv.late = False  # overdue this month, repaid at the next month's end
                continue
            with self.p.uow(self.actor(lv.funder)) as uow:
                fin.repay(uow, app_id, lv.amount, f"sim-rep-{lv.key}")
            del self.live[app_id]
            self.r.counts["financings_repaid"] += 1
        if not any(lv.due_on < today for lv in self.live.values()):
            return
        with self.p.uow(self.operator) as uow:
            self.r.counts["financings_overdue"] += len(fin.run_overdue(uow))
        grace = fin.default_grace_working_days()
        for app_id, lv in sorted(self.live.items(), key=lambda x: (x[1].due_on, x[1].key)):
            if not lv.defaults or self.p.calendar.add_working_days(lv.due_on, grace) > today:
                continue
            with self.p.uow(self.actor(lv.funder)) as uow:
                out = fin.declare_default(uow, app_id)
            del self.live[app_id]
            self.r.counts["financings_defaulted"] += 1
            claim = out.get("claim")
            if claim is None:
                continue
            self.r.counts["claims_opened"] += 1
            with self.p.uow(Actor.system()) as uow:
                c = fin.claim_dict(next(x for x in fin.list_claims(uow) if x.id == claim["id"]))
            insurer = self._key_of(c["insurer_org_id"])
            with self.p.uow(self.actor(insurer)) as uow:
                if self._try(
                    "claim", partial(fin.pay_claim, uow, claim["id"], f"sim-clm-{lv.key}")
                ):
                    self.r.counts["claims_paid"] += 1

    def _key_of(self, org_id: str) -> str:
        if len(getattr(self, "_org_keys", {})) != len(self.r.org_ids):
            self._org_keys = {v: k for k, v in self.r.org_ids.items()}
        return self._org_keys[org_id]

    def _purchase_orders(self, m: int) -> None:
        """A few suppliers finance confirmed orders of core enterprises before delivering
        (at the local microcredit company where there is one)."""
        gen = self.data.generator
        lenders = [k for k in (*gen.lenders, *gen.funders) if k in self.r.org_ids]
        if not lenders:
            return
        for t in sorted(self.trades.values(), key=lambda t: t.key):
            if (
                t.key not in self.order_ids
                or _month_of(t.order_date) != m
                or int(t.key[1:]) % PO_EVERY
                or self.orgs[t.buyer].tier != 0
                or t.currency != "CNY"
                or t.fraud is not None
            ):
                continue
            net = sum(ln.quantity * ln.unit_price_minor for ln in t.lines)
            code = self._finance(
                f"po{t.key}",
                "purchase_order",
                t.seller,
                lenders[0],
                Money(net * 6 // 10, t.currency),
                {"order_id": self.order_ids[t.key], "tenor_days": 60},
                defaulter=t.seller,
            )
            if code is None:
                self.r.counts["po_financings"] += 1

    def _goods(self, ev: Goods) -> None:
        from scf.registry import service as registry

        with self.p.uow(self.actor(ev.warehouse)) as uow:
            if self._try(
                "goods",
                lambda: registry.confirm_goods(
                    uow,
                    registry.GoodsInput(
                        holder_org_id=self.r.org_ids[ev.holder],
                        commodity=ev.commodity,
                        grade=ev.grade,
                        location=ev.location,
                        quantity=str(ev.quantity),
                        unit=ev.unit,
                        lot=ev.lot,
                        receipt_nos=[ev.receipt_no],
                    ),
                ),
            ):
                self.r.counts["warehouse_receipts"] += 1

    def _pledge(self, ev: Pledge) -> None:
        """The holder applies for a warehouse-receipt pledge loan; the financing room refuses
        a receipt no warehouse confirmed or one pledged beyond what is held."""
        wh = self.orgs[ev.warehouse]
        asset: dict[str, Any] = {"receipt": f"{wh.uscc}/{ev.receipt_no}", "tenor_days": 90}
        if ev.quantity is not None:
            asset["quantity"] = str(ev.quantity)
        code = self._finance(
            ev.key,
            "warehouse_pledge",
            ev.grantor,
            ev.funder,
            Money(ev.amount_minor, "CNY"),
            asset,
            defaulter=ev.grantor,
        )
        self.r.observations.append(Observation(EMPTY_RECEIPT, ev.key, code is not None, code or ""))
        if code is None:
            self.r.counts["pledges"] += 1
        else:
            self.r.counts["pledges_refused"] += 1


@dataclass
class _Live:
    """A disbursed financing the loader settles at a later month's end."""

    key: str
    funder: str  # org key
    due_on: date
    amount: Money
    defaults: bool  # the party that pays stops paying before the due date
    late: bool = False  # the party that pays is in trouble: it pays a month late


def trade_service() -> Any:
    from scf.trade import service as trade

    return trade


def _by(items: list[Trade], key: Callable[[Trade], str]) -> list[tuple[str, list[Trade]]]:
    groups: dict[str, list[Trade]] = defaultdict(list)
    for t in items:
        groups[key(t)].append(t)
    return sorted(groups.items())


def load(
    platform: Platform,
    data: SimData,
    *,
    progress: bool = False,
    at_month_end: MonthHook | None = None,
) -> LoadReport:
    """Load a generated set through the services; show a progress bar when asked."""
    loader = Loader(platform, data, at_month_end=at_month_end)
    if not progress:
        return loader.run()
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(f"loading {data.size.name} month by month", total=data.size.months)
        return loader.run(lambda _what, done, _total: bar.update(task, completed=done))
