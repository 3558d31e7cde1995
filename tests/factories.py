"""Test data built through the platform's own services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from scf.core.actor import Actor
from scf.core.money import Money
from scf.parties import service as parties
from scf.parties.model import Role, make_uscc
from scf.platform import Platform

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def next_uscc() -> str:
    return make_uscc(f"91440300{next(_counter):09d}")


FINANCIAL = {"bank", "factoring_company", "local_financial_org", "insurer", "guarantee_company"}


def add_org(
    platform: Platform,
    role: str,
    *,
    name: str | None = None,
    size_class: str = "small",
    district: str = "nanshan",
    chain_tags: list[str] | None = None,
    address: str = "",
    phone: str = "",
    founded_on: date = date(2015, 6, 1),
    whitelist: bool = True,
) -> str:
    """Register an organization (and white-list funders); return its id."""
    with platform.uow(Actor.system()) as uow:
        org = parties.register_organization(
            uow,
            parties.OrganizationInput(
                uscc=next_uscc(),
                name=name or f"{role} {next(_counter)} 有限公司",
                district=district,
                roles=[role],
                size_class=size_class,
                founded_on=founded_on,
                registered_capital=Money.of("5000000", "CNY"),
                chain_tags=chain_tags or [],
                address=address,
                phone=phone,
                licence_no=f"LIC-{next(_counter)}" if role in FINANCIAL else None,
            ),
        )
    if whitelist and role in {"bank", "factoring_company", "local_financial_org"}:
        with platform.uow(Actor.system()) as uow:
            uow.actor = Actor(None, None, frozenset({"regulator"}), "regulator")
            parties.add_list_entry(uow, "white", org.id, "licensed")
    return org.id


def add_user(platform: Platform, org_id: str, username: str, *, admin: bool = True) -> Actor:
    with platform.uow(Actor.system()) as uow:
        user = parties.create_user(uow, org_id, username, PASSWORD, is_admin=admin)
        org = parties.find_organization(uow, org_id)
        return Actor(user.id, org_id, frozenset(org.roles), user.username, admin)


def token(client: TestClient, username: str) -> str:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


@dataclass
class World:
    """One organization and one admin user per role."""

    platform: Platform
    orgs: dict[str, str] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    subject: str = ""  # a supplier no test user belongs to: "another tenant"

    @classmethod
    def build(cls, platform: Platform) -> World:
        w = cls(platform)
        for role in Role:
            org_id = add_org(
                platform,
                role.value,
                size_class="large" if role == Role.CORE_ENTERPRISE else "small",
            )
            w.orgs[role.value] = org_id
            w.actors[role.value] = add_user(platform, org_id, role.value)
        w.subject = add_org(platform, "supplier", name="他人供应商有限公司")
        return w

    def uow(self, role: str) -> Any:
        return self.platform.uow(self.actors[role])

    def headers(self, client: TestClient, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(client, role)}"}


_invoice_counter = itertools.count(1)


def confirmed_receivable(
    platform: Platform,
    seller_org_id: str,
    debtor_org_id: str,
    amount: str = "100000.00",
    currency: str = "CNY",
    due_in_days: int = 90,
    invoice_number: str | None = None,
) -> str:
    """An invoice-backed receivable filed by the seller and confirmed in full by the debtor."""
    from datetime import timedelta
    from decimal import Decimal

    from scf.trade import service as trade

    with platform.uow(Actor.system()) as uow:
        seller = parties.find_organization(uow, seller_org_id)
        debtor = parties.find_organization(uow, debtor_org_id)
        seller_actor = Actor(None, seller.id, frozenset(seller.roles), "seller")
        debtor_actor = Actor(None, debtor.id, frozenset(debtor.roles), "debtor")
        seller_uscc, debtor_uscc = seller.uscc, debtor.uscc
    number = invoice_number or f"{24440000000000000000 + next(_invoice_counter) * 7919:020d}"
    gross = Decimal(amount)
    net = (gross / Decimal("1.13")).quantize(Decimal("0.01"))
    with platform.uow(seller_actor) as uow:
        today = uow.today()
        (invoice_id,) = trade.record_invoices(
            uow,
            [
                trade.InvoiceInput(
                    number=number,
                    seller_uscc=seller_uscc,
                    buyer_uscc=debtor_uscc,
                    issue_date=today,
                    due_date=today + timedelta(days=due_in_days),
                    currency=currency,
                    amount_without_tax=str(net),
                    tax=str(gross - net),
                    total=amount,
                )
            ],
        )
    with platform.uow(debtor_actor) as uow:
        rcv = next(
            info
            for info in trade.receivables_between(
                uow, seller_org_id, debtor_org_id, with_unused_confirmed=False
            )
            if info.invoice_ids == (invoice_id,)
        )
        trade.confirm_receivable(uow, rcv.id)
        return rcv.id


# ---------------------------------------------------------------- registry helpers

# A fixed Ed25519 test key (base64 of 32 raw bytes), so that tests never write ./var.
REGISTRY_TEST_KEY = "c2NmLXJlZ2lzdHJ5LXRlc3Qta2V5LTAxMjM0NTY3ODk="


def use_registry_key(platform: Platform, key: str = REGISTRY_TEST_KEY) -> None:
    """Sign the registry log with a fixed key in this platform."""
    platform.settings.registry_signing_key = key


def fingerprint(n: int) -> str:
    """A well-formed invoice fingerprint (64 hex digits) for registry tests."""
    import hashlib

    return hashlib.sha256(f"invoice-{n}".encode()).hexdigest()


def overlapping_pledge(secured_party_org_id: str, grantor_org_id: str, n: int, spread: int) -> Any:
    """A six-month pledge filing on receivable `n % spread`: concurrent writers filing these
    keep landing on the same collateral (prior conflicts, one log)."""
    from scf.registry.service import CollateralRef, FilingInput

    return FilingInput(
        kind="pledge",
        grantor_org_ids=[grantor_org_id],
        secured_party_org_id=secured_party_org_id,
        collateral=[CollateralRef("receivable", fingerprint(n % spread))],
        collateral_descriptions=None,
        amount=None,
        period_months=6,
    )
