"""A supply chain of four tiers under one core enterprise, for the certificates tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from scf.certificates import service as certs
from scf.certificates.iso20022 import build_camt053
from scf.core.actor import Actor
from scf.core.money import Money
from scf.platform import Platform
from tests.factories import add_org, confirmed_receivable


def actor(platform: Platform, org_id: str) -> Actor:
    from scf.parties import service as parties

    with platform.uow(Actor.system()) as uow:
        org = parties.find_organization(uow, org_id)
        return Actor(None, org.id, frozenset(org.roles), org.name)


@dataclass
class Chain:
    """core <- s1 <- s2 <- s3 <- s4: each owes the next tier up a confirmed receivable."""

    platform: Platform
    core: str = ""
    bank: str = ""
    tiers: list[str] = field(default_factory=list)
    receivables: dict[str, str] = field(default_factory=dict)  # creditor -> receivable id
    actors: dict[str, Actor] = field(default_factory=dict)
    line_id: str = ""

    @classmethod
    def build(cls, platform: Platform, *, line: str = "5000000.00") -> Chain:
        c = cls(platform)
        c.core = add_org(platform, "core_enterprise", size_class="large")
        c.bank = add_org(platform, "bank")
        c.tiers = [add_org(platform, "supplier", size_class="small") for _ in range(4)]
        debtor = c.core
        for s in c.tiers:
            c.receivables[s] = confirmed_receivable(platform, s, debtor, amount="1000000.00")
            debtor = s
        for org in [c.core, c.bank, *c.tiers]:
            c.actors[org] = actor(platform, org)
        with platform.uow(c.actors[c.bank]) as uow:
            c.line_id = certs.grant_line(uow, c.core, Money.of(line, "CNY"), date(2026, 3, 1)).id
        return c

    def uow(self, org: str) -> object:
        return self.platform.uow(self.actors[org])

    def issue(self, face: str = "600000.00", maturity: date = date(2025, 8, 29)) -> str:
        with self.platform.uow(self.actors[self.core]) as uow:
            cert = certs.issue_certificate(
                uow,
                line_id=self.line_id,
                supplier_org_id=self.tiers[0],
                receivable_ids=[self.receivables[self.tiers[0]]],
                face=Money.of(face, "CNY"),
                maturity_on=maturity,
            )
            return cert.id

    def live(self, holder: str) -> list[tuple[str, Money]]:
        with self.platform.uow(self.actors[holder]) as uow:
            return [(p.id, p.face) for p in certs.list_pieces(uow)]


def camt053(payments: list[tuple[str, Money]], booked_on: date) -> bytes:
    """A camt.053.001.08 statement of the issuer's account debiting each payment."""
    return build_camt053(payments, booked_on)
