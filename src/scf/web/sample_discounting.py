"""The sample chain's early payment and bills, loaded through the services for the pages and
their tests: the core enterprise's open early-payment programme with sme1's bid on one of two
fresh receivables, and a commercial acceptance bill the core accepted, held by sme1, that the
bank discounts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from scf.core.actor import Actor
from scf.core.money import Money
from scf.financing import service as financing
from scf.parties import service as parties
from scf.platform import Platform
from scf.trade import service as trade
from scf.web.sample import Sample

_invoice = itertools.count(1)


@dataclass
class DiscountingSample:
    program_id: str
    bid_id: str
    bid_receivable_id: str
    free_receivable_id: str
    bill_id: str


def _confirmed(platform: Platform, s: Sample, amount: str, due_in_days: int, base: int) -> str:
    """sme1 invoices the core enterprise, which confirms the receivable in full."""
    with platform.uow(Actor.system()) as uow:
        seller_uscc = parties.find_organization(uow, s.orgs["sme1"]).uscc
        buyer_uscc = parties.find_organization(uow, s.orgs["core"]).uscc
    gross = Decimal(amount)
    net = (gross / Decimal("1.13")).quantize(Decimal("0.01"))
    with platform.uow(s.actors["sme1"]) as uow:
        today = uow.today()
        (invoice_id,) = trade.record_invoices(
            uow,
            [
                trade.InvoiceInput(
                    number=f"{base + next(_invoice) * 7919:020d}",
                    seller_uscc=seller_uscc,
                    buyer_uscc=buyer_uscc,
                    issue_date=today,
                    due_date=today + timedelta(days=due_in_days),
                    currency="CNY",
                    amount_without_tax=str(net),
                    tax=str(gross - net),
                    total=amount,
                )
            ],
        )
    with platform.uow(s.actors["core"]) as uow:
        rcv = next(
            r
            for r in trade.receivables_between(
                uow, s.orgs["sme1"], s.orgs["core"], with_unused_confirmed=False
            )
            if r.invoice_ids == (invoice_id,)
        )
        trade.confirm_receivable(uow, rcv.id)
        return rcv.id


def load_discounting(
    platform: Platform, s: Sample, uscc_base: int = 700, package_no: str = "530058400001"
) -> DiscountingSample:
    """The core's open programme (paying in 40 days) with sme1's bid, and sme1's bill."""
    base = 24460000000000000000 + uscc_base * 1_000_000
    bid_on = _confirmed(platform, s, "240000.00", 100, base)
    free = _confirmed(platform, s, "160000.00", 110, base)
    with platform.uow(s.actors["core"]) as uow:
        today = uow.today()
        program = financing.open_program(
            uow, Money.of("300000.00", "CNY"), Decimal("0.06"), today + timedelta(days=40)
        )
        program_id = program.id
    with platform.uow(s.actors["sme1"]) as uow:
        bid_id = financing.bid(uow, program_id, bid_on, Decimal("0.09")).id
    with platform.uow(s.actors["core"]) as uow:
        bill_id = financing.record_bill(
            uow,
            package_no=package_no,
            drawer_org_id=s.orgs["core"],
            acceptor_org_id=s.orgs["core"],
            holder_org_id=s.orgs["sme1"],
            face=Money.of("200000.00", "CNY"),
            issued_on=today,
            due_on=today + timedelta(days=120),
        ).id
    with platform.uow(s.actors["bank"]) as uow:
        financing.create_product(
            uow,
            scenario="bill_discounting",
            name="商业承兑汇票贴现",
            base_rate=Decimal("0.030"),
            max_amount=Money.of("5000000.00", "CNY"),
            rate_groups=[],
        )
    return DiscountingSample(program_id, bid_id, bid_on, free, bill_id)
