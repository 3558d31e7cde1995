"""A small supply chain loaded through the services, for the pages, their tests and demos:
a core enterprise, two tiers of suppliers, a bank, a warehouse, a logistics firm and the
regulator; trade, a certificate passed up to tier 2 and financed, list entries; a second
licensed funder, financing-room products from both funders and a purchase order awaiting
its delivery."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from scf.certificates import service as certificates
from scf.core.actor import Actor
from scf.core.money import Money
from scf.core.uow import UnitOfWork
from scf.financing import service as financing
from scf.parties import service as parties
from scf.parties.model import make_uscc
from scf.platform import Platform
from scf.trade import service as trade

SAMPLE_PASSWORD = "sample-password-2024"

# key, name, district, role, size, chains, licence
ORGS: list[tuple[str, str, str, str, str, list[str], str | None]] = [
    ("regulator", "深圳市地方金融管理局", "futian", "regulator", "large", [], None),
    (
        "core",
        "坪山新能源汽车股份有限公司",
        "pingshan",
        "core_enterprise",
        "large",
        ["new_energy_vehicles"],
        None,
    ),
    (
        "sme1",
        "宝安动力电池材料有限公司",
        "baoan",
        "supplier",
        "medium",
        ["new_energy_vehicles"],
        None,
    ),
    (
        "sme2",
        "龙华精密结构件有限公司",
        "longhua",
        "supplier",
        "small",
        ["new_energy_vehicles"],
        None,
    ),
    ("bank", "深圳前海示范银行股份有限公司", "qianhai", "bank", "large", [], "B0001H244030001"),
    (
        "warehouse",
        "盐田港保税仓储有限公司",
        "yantian",
        "warehouse",
        "medium",
        ["port_logistics"],
        None,
    ),
    ("logistics", "深圳湾智慧物流有限公司", "nanshan", "logistics", "medium", [], None),
    ("shell", "南山空壳贸易有限公司", "nanshan", "supplier", "micro", [], None),
    (
        "factoring",
        "深圳前海商业保理有限公司",
        "qianhai",
        "factoring_company",
        "medium",
        [],
        "F0002H244030002",
    ),
]
ORDER_NUMBER = "PO-2025-0001"

_invoice = itertools.count(1)


@dataclass
class Sample:
    orgs: dict[str, str] = field(default_factory=dict)
    usccs: dict[str, str] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    receivables: dict[str, str] = field(default_factory=dict)
    certificate_id: str = ""
    short_certificate_id: str = ""
    open_offer_id: str = ""
    financing_id: str = ""
    order_number: str = ""
    application_id: str = ""
    policy_id: str = ""
    password: str = SAMPLE_PASSWORD


def _receivable(
    p: Platform, s: Sample, seller: str, debtor: str, amount: str, confirm: bool, base: int
) -> str:
    a_seller, a_debtor = s.actors[seller], s.actors[debtor]
    with p.uow(Actor.system()) as uow:
        seller_uscc = parties.find_organization(uow, s.orgs[seller]).uscc
        debtor_uscc = parties.find_organization(uow, s.orgs[debtor]).uscc
    gross = Decimal(amount)
    net = (gross / Decimal("1.13")).quantize(Decimal("0.01"))
    number = f"{base + next(_invoice) * 7919:020d}"
    with p.uow(a_seller) as uow:
        today = uow.today()
        (invoice_id,) = trade.record_invoices(
            uow,
            [
                trade.InvoiceInput(
                    number=number,
                    seller_uscc=seller_uscc,
                    buyer_uscc=debtor_uscc,
                    issue_date=today,
                    due_date=today + timedelta(days=90),
                    currency="CNY",
                    amount_without_tax=str(net),
                    tax=str(gross - net),
                    total=amount,
                )
            ],
        )
    with p.uow(a_debtor) as uow:
        rcv = next(
            r
            for r in trade.receivables_between(
                uow, s.orgs[seller], s.orgs[debtor], with_unused_confirmed=False
            )
            if r.invoice_ids == (invoice_id,)
        )
        if confirm:
            trade.confirm_receivable(uow, rcv.id)
        return rcv.id


def _register(
    platform: Platform,
    s: Sample,
    key: str,
    org: parties.OrganizationInput,
    prefix: str,
) -> None:
    """Onboard one organization with an administrator named after its key."""
    with platform.uow(Actor.system()) as uow:
        row = parties.register_organization(uow, org)
        s.orgs[key] = row.id
        s.usccs[key] = row.uscc
        user = parties.create_user(uow, row.id, f"{prefix}{key}", SAMPLE_PASSWORD, is_admin=True)
        s.actors[key] = Actor(user.id, row.id, frozenset(org.roles), user.username, True)


def _organization(
    uscc_serial: int,
    name: str,
    district: str,
    role: str,
    size: str,
    *,
    founded_on: date,
    capital: int,
    licence: str | None,
    chains: Sequence[str] = (),
) -> parties.OrganizationInput:
    """The onboarding input of a sample organization, with a valid USCC from `uscc_serial`."""
    return parties.OrganizationInput(
        uscc=make_uscc(f"91440300{uscc_serial:09d}"),
        name=name,
        district=district,
        roles=[role],
        size_class=size,
        founded_on=founded_on,
        registered_capital=Money.of(str(capital), "CNY"),
        chain_tags=chains,
        licence_no=licence,
        licence_authority="国家金融监督管理总局深圳监管局" if licence else None,
    )


def _list(platform: Platform, s: Sample, kind: str, key: str, reason: str, authority: str) -> None:
    """Put a sample organization on a list, as the regulator."""
    with platform.uow(s.actors["regulator"]) as uow:
        parties.add_list_entry(uow, kind, s.orgs[key], reason, authority=authority)


def _products(platform: Platform, s: Sample) -> None:
    """Both licensed funders offer receivables factoring; the factor's SME spread is lower."""
    for funder, spread in (("bank", "0.010"), ("factoring", "0.006")):
        with platform.uow(s.actors[funder]) as uow:
            financing.create_product(
                uow,
                scenario="receivables_factoring",
                name="应收账款保理 factoring",
                base_rate=Decimal("0.035"),
                max_amount=Money.of("5000000.00", "CNY"),
                rate_groups=[
                    {"name": "red", "red_listed": True, "spread": "0.000"},
                    {"name": "sme", "size_classes": ["micro", "small", "medium"], "spread": spread},
                ],
            )


def _order(platform: Platform, s: Sample, prefix: str) -> None:
    """sme1's purchase order from the core enterprise, awaiting its delivery."""
    with platform.uow(s.actors["sme1"]) as uow:
        s.order_number = f"{prefix}{ORDER_NUMBER}"
        trade.record_orders(
            uow,
            [
                trade.OrderInput(
                    number=s.order_number,
                    seller_uscc=s.usccs["sme1"],
                    buyer_uscc=s.usccs["core"],
                    issue_date=uow.today(),
                    currency="CNY",
                    lines=[trade.LineInput("磷酸铁锂正极材料 LFP cathode", "20", "15000.00")],
                )
            ],
        )


def _receivables(platform: Platform, s: Sample, uscc_base: int) -> None:
    """Confirmed receivables up the chain, and one the core enterprise has yet to confirm."""
    base = 24440000000000000000 + uscc_base * 1_000_000
    s.receivables["sme1"] = _receivable(platform, s, "sme1", "core", "1000000.00", True, base)
    s.receivables["sme2"] = _receivable(platform, s, "sme2", "sme1", "400000.00", True, base)
    s.receivables["sme1_short"] = _receivable(platform, s, "sme1", "core", "50000.00", True, base)
    s.receivables["pending"] = _receivable(platform, s, "sme1", "core", "200000.00", False, base)


def _issue(
    platform: Platform, s: Sample, line_id: str, receivable: str, face: str, days: int
) -> str:
    """The core enterprise issues sme1 a certificate maturing in `days`."""
    with platform.uow(s.actors["core"]) as uow:
        return certificates.issue_certificate(
            uow,
            line_id=line_id,
            supplier_org_id=s.orgs["sme1"],
            receivable_ids=[s.receivables[receivable]],
            face=Money.of(face, "CNY"),
            maturity_on=uow.today() + timedelta(days=days),
        ).id


def _certificates(platform: Platform, s: Sample) -> None:
    """The bank's credit line to the core enterprise, and two certificates issued on it."""
    with platform.uow(s.actors["bank"]) as uow:
        line = certificates.grant_line(
            uow, s.orgs["core"], Money.of("5000000.00", "CNY"), uow.today() + timedelta(days=365)
        )
    s.certificate_id = _issue(platform, s, line.id, "sme1", "600000.00", 150)
    s.short_certificate_id = _issue(platform, s, line.id, "sme1_short", "50000.00", 20)


def _certificate_piece(uow: UnitOfWork, certificate_id: str) -> str:
    """The piece of the certificate that the user of `uow` holds."""
    return next(p.id for p in certificates.list_pieces(uow) if p.certificate_id == certificate_id)


def _pass_up_and_finance(platform: Platform, s: Sample) -> None:
    """sme1 passes part of the certificate to sme2, which gets it financed at the bank; sme1
    offers the rest, which stays open."""
    with platform.uow(s.actors["sme1"]) as uow:
        piece2_id = certificates.transfer_piece(
            uow,
            _certificate_piece(uow, s.certificate_id),
            s.orgs["sme2"],
            amount=Money.of("300000.00", "CNY"),
        ).id
    with platform.uow(s.actors["sme2"]) as uow:
        offer_id = certificates.offer_financing(
            uow, piece2_id, s.orgs["bank"], Decimal("0.036"), amount=Money.of("200000.00", "CNY")
        ).id
    with platform.uow(s.actors["bank"]) as uow:
        s.financing_id = certificates.accept_financing(uow, offer_id).id
    with platform.uow(s.actors["sme1"]) as uow:
        s.open_offer_id = certificates.offer_financing(
            uow,
            _certificate_piece(uow, s.certificate_id),
            s.orgs["bank"],
            Decimal("0.038"),
            amount=Money.of("100000.00", "CNY"),
        ).id


def _application(platform: Platform, s: Sample) -> None:
    """sme1, on a key chain, applies to both funders at once."""
    with platform.uow(s.actors["sme1"]) as uow:
        s.application_id = financing.submit_application(
            uow,
            financing.ApplicationInput(
                scenario="receivables_factoring",
                amount=Money.of("100000.00", "CNY"),
                asset={"receivable_id": s.receivables["sme1"]},
                funder_org_ids=[s.orgs["bank"], s.orgs["factoring"]],
            ),
        ).id


def load_sample(platform: Platform, prefix: str = "", uscc_base: int = 700) -> Sample:
    """Load the sample chain; usernames are the keys above with the prefix."""
    s = Sample()
    for i, (key, name, district, role, size, chains, licence) in enumerate(ORGS):
        org = _organization(
            uscc_base + i,
            name,
            district,
            role,
            size,
            founded_on=date(2012 + i, 1 + i, 1),
            capital=10_000_000 * (i + 1),
            licence=licence,
            chains=chains,
        )
        _register(platform, s, key, org, prefix)
    regulator = "深圳市地方金融管理局"
    _list(platform, s, "white", "bank", "持牌银行，准入平台", regulator)
    _list(platform, s, "white", "factoring", "持牌商业保理公司，准入平台", regulator)
    _products(platform, s)
    _list(platform, s, "black", "shell", "虚构贸易背景，伪造发票", regulator)
    _order(platform, s, prefix)
    _receivables(platform, s, uscc_base)
    _certificates(platform, s)
    _pass_up_and_finance(platform, s)
    _application(platform, s)
    _list(platform, s, "red", "sme2", "专精特新中小企业", "深圳市工业和信息化局")
    return s


def run_maturity(platform: Platform) -> list[Any]:
    """Mark unpaid matured certificates overdue (as the nightly job does)."""
    with platform.uow(Actor(None, None, frozenset({"operator"}), "operator")) as uow:
        return certificates.run_maturity(uow)


# key, name, district, role, size, licence: the platform operator, an insurer, a distributor
# and a marketplace, loaded apart so that the sample chain's figures stay as they are.
MORE_ORGS: list[tuple[str, str, str, str, str, str | None]] = [
    ("operator", "深圳市供应链金融公共服务平台运营有限公司", "futian", "operator", "large", None),
    ("insurer", "深圳前海信用保险股份有限公司", "qianhai", "insurer", "large", "I0003H244030003"),
    ("distributor", "罗湖新能源汽车销售有限公司", "luohu", "distributor", "small", None),
    ("marketplace", "南山产业互联网交易平台有限公司", "nanshan", "marketplace", "medium", None),
]


def load_more_roles(platform: Platform, s: Sample, prefix: str = "", uscc_base: int = 700) -> None:
    """The operator, an insurer with a cover policy on sme1's receivables from the core
    enterprise, a distributor owing the core enterprise a payable to confirm, a marketplace."""
    for i, (key, name, district, role, size, licence) in enumerate(MORE_ORGS):
        org = _organization(
            uscc_base + 50 + i,
            name,
            district,
            role,
            size,
            founded_on=date(2015, 1 + i, 1),
            capital=50_000_000 * (i + 1),
            licence=licence,
        )
        _register(platform, s, key, org, prefix)
    with platform.uow(s.actors["insurer"]) as uow:
        s.policy_id = financing.write_cover(
            uow,
            insured_org_id=s.orgs["sme1"],
            debtor_org_id=s.orgs["core"],
            kind="insurance",
            cover_ratio=Decimal("0.90"),
            premium_rate=Decimal("0.0080"),
            limit=Money.of("2000000.00", "CNY"),
            expires_on=uow.today() + timedelta(days=365),
        ).id
    base = 24450000000000000000 + uscc_base * 1_000_000
    s.receivables["distributor"] = _receivable(
        platform, s, "core", "distributor", "300000.00", False, base
    )
