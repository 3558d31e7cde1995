"""Put an adversarial world into the platform through the rooms' services, day by day.

The clock stands at each record's day while it is filed, by the party that files it in real
life: the operator registers firms (when they are founded, or the day before the world opens)
with their shareholders and key persons; sellers file invoices and buyers confirm them by
filing them as payables; sellers apply to factor receivables, funders offer, register and
disburse; warehouses confirm goods; holders apply for pledge loans. Every financing, pledge
and confirmation's outcome (taken, escalated for review, or the refusal's code) is kept for
the scorer, so the platform's own decisions are measured where it makes them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from scf.core.actor import Actor
from scf.core.clock import FixedClock
from scf.core.errors import DomainError
from scf.core.money import Money
from scf.platform import Platform
from scf.sim.adversarial.world import (
    END,
    START,
    Confirmation,
    Factoring,
    Firm,
    Invoice,
    Officer,
    Order,
    PledgeAsk,
    Record,
    Share,
    World,
)
from scf.sim.load_financing import carry_through
from scf.sim.load_state import amount, noon, with_clock

FUNDER_ROLES = frozenset({"bank", "factoring_company"})
# Order of the records filed on one day.
ORDER: dict[type, int] = {
    Firm: 0,
    Share: 1,
    Officer: 1,
    Order: 2,
    Invoice: 3,
    Confirmation: 4,
    Factoring: 5,
    PledgeAsk: 6,
}


@dataclass
class Loaded:
    """What the world became on the platform, and what each decision said."""

    org_ids: dict[str, str] = field(default_factory=dict)  # firm key -> org id
    invoice_ids: dict[str, str] = field(default_factory=dict)  # invoice key -> invoice id
    receivable_ids: dict[str, str] = field(default_factory=dict)  # invoice key -> receivable
    outcomes: dict[str, str] = field(default_factory=dict)  # decision key -> outcome
    escalations: dict[str, list[str]] = field(default_factory=dict)  # key -> checks escalating
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def filed_on(d: date) -> date:
    """Trade documents are uploaded in weekly batches: the Sunday on or after their day."""
    return d + timedelta(days=6 - d.weekday())


def _day_of(r: Record) -> date:
    if isinstance(r, Firm):
        return max(r.founded_on, START - timedelta(days=1))
    if isinstance(r, Share | Officer):
        return START - timedelta(days=1)  # placed after their firms (see `_schedule`)
    if isinstance(r, Order | Invoice):
        return filed_on(r.on)
    return r.on


class WorldLoader:
    def __init__(self, platform: Platform, world: World) -> None:
        self.clock = FixedClock(noon(START - timedelta(days=1)))
        self.p = with_clock(platform, self.clock)
        self.world = world
        self.out = Loaded()
        self.firms = {f.key: f for f in world.of(Firm)}
        self.invoices = {i.key: i for i in world.of(Invoice)}
        self.confirmations = {c.receipt_no: c for c in world.of(Confirmation)}
        self.operator = Actor(None, None, frozenset({"operator"}), "adv:operator")
        self.regulator = Actor(None, None, frozenset({"regulator"}), "adv:regulator")
        self._run: dict[type, Callable[[Any], None]] = {
            Firm: self.firm,
            Share: self.share,
            Officer: self.officer,
            Order: self.order,
            Confirmation: self.confirm,
            Factoring: self.factoring,
            PledgeAsk: self.pledge,
        }

    def actor(self, key: str) -> Actor:
        return Actor(None, self.out.org_ids[key], frozenset(self.firms[key].roles), f"adv:{key}")

    def attempt(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except DomainError as exc:
            self.out.errors.append(f"{what}: {exc.code}: {exc.message}")
            return None

    def run(self) -> Loaded:
        started = time.perf_counter()
        for day, records in self._schedule():
            self.clock.set(noon(day))
            invoices = [r for r in records if isinstance(r, Invoice)]
            for r in records:
                if isinstance(r, Invoice):
                    if r is invoices[0]:
                        self.file_invoices(invoices)
                else:
                    self._run[type(r)](r)
            if day == START - timedelta(days=1):
                self.institutions()
        self.out.seconds = time.perf_counter() - started
        return self.out

    def _schedule(self) -> list[tuple[date, list[Record]]]:
        by_day: dict[date, list[Record]] = defaultdict(list)
        for r in self.world.records:
            day = _day_of(r)
            if isinstance(r, Share | Officer):
                day = max(_day_of(self.firms[k]) for k in _firms_of(r))
            elif isinstance(r, Factoring):  # not before its invoice is on file
                day = max(day, filed_on(self.invoices[r.invoice].on))
            by_day[day].append(r)
        return [(d, sorted(rs, key=lambda r: ORDER[type(r)])) for d, rs in sorted(by_day.items())]

    # ------------------------------------------------------------ parties

    def firm(self, f: Firm) -> None:
        from scf.parties import service as parties

        funder = bool(set(f.roles) & (FUNDER_ROLES | {"warehouse"}))
        data = parties.OrganizationInput(
            uscc=f.uscc,
            name=f.name,
            district=f.district,
            roles=list(f.roles),
            size_class=f.size_class,
            founded_on=f.founded_on,
            registered_capital=Money(f.capital_minor, "CNY"),
            address=f.address,
            phone=f.phone,
            bank_account=f.bank_account,
            licence_no=f"LIC-ADV-{f.key}" if funder else None,
            licence_authority="国家金融监督管理总局深圳监管局" if funder else None,
        )
        with self.p.uow(self.operator) as uow:
            row = parties.register_organization(uow, data)
        self.out.org_ids[f.key] = row.id
        if set(f.roles) & FUNDER_ROLES:
            with self.p.uow(self.regulator) as uow:
                parties.add_list_entry(uow, "white", row.id, "licensed; admitted")

    def share(self, s: Share) -> None:
        from scf.parties import service as parties

        with self.p.uow(self.operator) as uow:
            org = self.out.org_ids[s.org]
            holder = self.out.org_ids[s.holder_org] if s.holder_org else None
            self.attempt(
                "shareholding",
                lambda: parties.add_shareholding(
                    uow,
                    org,
                    Decimal(s.share),
                    holder_org_id=holder,
                    person_id_number=s.person_id,
                    person_name=s.person_name,
                ),
            )

    def officer(self, o: Officer) -> None:
        from scf.parties import service as parties

        with self.p.uow(self.operator) as uow:
            org = self.out.org_ids[o.org]
            self.attempt(
                "key person",
                lambda: parties.add_key_person(uow, org, o.person_id, o.person_name, o.role),
            )

    def institutions(self) -> None:
        """Funders publish their products; the operator posts the commodities' prices."""
        from scf.financing import service as fin

        for key in self.world.funders:
            for scenario in ("receivables_factoring", "warehouse_pledge"):
                with self.p.uow(self.actor(key)) as uow:
                    fin.create_product(
                        uow,
                        scenario=scenario,
                        name=f"{self.firms[key].name} {scenario}",
                        base_rate=Decimal("0.0350"),
                        max_amount=Money(1_000_000_000_00, "CNY"),
                        rate_groups=[
                            {
                                "name": "all",
                                "size_classes": ["micro", "small", "medium", "large"],
                                "spread": "0.010",
                            }
                        ],
                        offer_validity_hours=720,
                    )
        for name, unit, price in self.world.commodities:
            with self.p.uow(self.operator) as uow:
                fin.set_commodity_price(uow, name, unit, Money.of(price, "CNY"), "adversarial")

    # ------------------------------------------------------------ trade

    def file_invoices(self, invoices: list[Invoice]) -> None:
        """Sellers file the day's invoices; buyers confirm theirs by filing them as payables."""
        from scf.trade import service as trade

        self.shipments([i for i in invoices if i.shipped and i.order_no])
        for filer, side in (("seller", True), ("buyer", False)):
            groups: dict[str, list[Invoice]] = defaultdict(list)
            for inv in invoices:
                if side or (inv.confirmed and inv.key in self.out.invoice_ids):
                    groups[inv.seller if side else inv.buyer].append(inv)
            for who, group in sorted(groups.items()):
                with self.p.uow(self.actor(who)) as uow:
                    items = [self._invoice_input(i) for i in group]
                    ids = self.attempt(
                        f"invoices ({filer})", partial(trade.record_invoices, uow, items)
                    )
                if ids and side:
                    for inv, inv_id in zip(group, ids, strict=True):
                        self.out.invoice_ids[inv.key] = inv_id

    def shipments(self, invoices: list[Invoice]) -> None:
        """The seller's delivery note and the buyer's goods receipt of each invoice's goods."""
        from scf.trade import service as trade

        for kind, prefix in (("delivery", "DN"), ("receipt", "GR")):
            for i in invoices:
                data = trade.ShipmentInput(
                    kind=kind,
                    number=f"{prefix}{i.key[1:]}",
                    order_number=i.order_no or "",
                    seller_uscc=self.firms[i.seller].uscc,
                    buyer_uscc=self.firms[i.buyer].uscc,
                    on_date=i.on,
                    lines=[trade.ShipmentLineInput(1, i.quantity)],
                )
                filer = i.seller if kind == "delivery" else i.buyer
                with self.p.uow(self.actor(filer)) as uow:
                    self.attempt(kind, partial(trade.record_shipments, uow, [data]))

    def order(self, o: Order) -> None:
        from scf.trade import service as trade

        line = trade.LineInput(o.item, o.quantity, amount(o.unit_price_minor))
        data = trade.OrderInput(
            o.number, self.firms[o.seller].uscc, self.firms[o.buyer].uscc, o.on, "CNY", [line]
        )
        with self.p.uow(self.actor(o.buyer)) as uow:
            self.attempt("order", lambda: trade.record_orders(uow, [data]))

    def _invoice_input(self, i: Invoice) -> Any:
        from scf.trade import service as trade

        net = i.net_minor
        return trade.InvoiceInput(
            number=i.number,
            seller_uscc=self.firms[i.seller].uscc,
            buyer_uscc=self.firms[i.buyer].uscc,
            issue_date=i.on,
            currency="CNY",
            amount_without_tax=amount(net),
            tax=amount(i.tax),
            total=amount(i.total_minor),
            due_date=i.on + timedelta(days=i.due_days),
            order_number=i.order_no,
            lines=[
                trade.LineInput(
                    i.item, i.quantity, amount(net // i.quantity), 1 if i.order_no else None
                )
            ]
            if net % i.quantity == 0
            else [trade.LineInput(i.item, 1, amount(net))],
        )

    def receivable(self, invoice_key: str) -> str | None:
        from scf.trade import service as trade

        if invoice_key not in self.out.receivable_ids and invoice_key in self.out.invoice_ids:
            inv = self.invoices[invoice_key]
            mine = {v: k for k, v in self.out.invoice_ids.items()}
            with self.p.uow(Actor.system()) as uow:
                for info in trade.receivables_between(
                    uow, self.out.org_ids[inv.seller], self.out.org_ids[inv.buyer]
                ):
                    for inv_id in info.invoice_ids:
                        if inv_id in mine:
                            self.out.receivable_ids[mine[inv_id]] = info.id
        return self.out.receivable_ids.get(invoice_key)

    # ------------------------------------------------------------ decisions

    def factoring(self, f: Factoring) -> None:
        inv = self.invoices[f.invoice]
        rid = self.receivable(f.invoice)
        if rid is None:
            self.out.outcomes[f.key] = "not_loaded"
            return
        amount = Money(inv.total_minor * f.percent // 100, "CNY")
        asset = {"receivable_id": rid, "recourse": True}
        self.apply(f.key, "receivables_factoring", inv.seller, f.funder, amount, asset)

    def confirm(self, c: Confirmation) -> None:
        from scf.registry import service as registry

        data = registry.GoodsInput(
            holder_org_id=self.out.org_ids[c.holder],
            commodity=c.commodity,
            grade=c.grade,
            location="深圳市盐田区保税仓",
            unit=c.unit,
            lot=c.lot,
            quantity=str(c.quantity),
            receipt_nos=[c.receipt_no],
        )
        try:
            with self.p.uow(self.actor(c.warehouse)) as uow:
                registry.confirm_goods(uow, data)
            self.out.outcomes[c.key] = "taken"
        except DomainError as exc:
            self.out.outcomes[c.key] = exc.code

    def pledge(self, p: PledgeAsk) -> None:
        wh = self.firms[p.warehouse]
        asset = {
            "receipt": f"{wh.uscc}/{p.receipt_no}",
            "tenor_days": 90,
            "quantity": str(p.quantity),
        }
        amount = Money(p.amount_minor, "CNY")
        self.apply(p.key, "warehouse_pledge", p.grantor, p.funder, amount, asset)

    def apply(
        self,
        key: str,
        scenario: str,
        applicant: str,
        funder: str,
        amount: Money,
        asset: dict[str, Any],
    ) -> None:
        """Apply; take what passes through offer, acceptance, registration and disbursement.
        The outcome: "taken", "escalated" (its escalating checks kept) or the refusal's code."""
        from scf.financing import service as fin

        try:
            with self.p.uow(self.actor(applicant)) as uow:
                app = fin.submit_application(
                    uow, fin.ApplicationInput(scenario, amount, asset, [self.out.org_ids[funder]])
                )
                app_id, status = app.id, app.status
                escalating = [c["check"] for c in app.checks if c.get("result") == "escalate"]
            if status == "escalated":
                self.out.outcomes[key] = "escalated"
                self.out.escalations[key] = escalating
                return
            carry_through(self.p, self.actor, f"adv-{key}", (applicant, funder), app_id, status)
            self.out.outcomes[key] = "taken"
        except DomainError as exc:
            self.out.outcomes[key] = exc.code


def _firms_of(r: Share | Officer) -> Iterable[str]:
    yield r.org
    if isinstance(r, Share) and r.holder_org:
        yield r.holder_org


def at_end(platform: Platform) -> Platform:
    """The platform with its clock on the day the detectors look at the world."""
    return with_clock(platform, FixedClock(noon(END)))


def load_world(platform: Platform, world: World) -> Loaded:
    """Load the world through the services; return what each decision said."""
    return WorldLoader(platform, world).run()
