"""The enterprises of a simulated set and what ties them: institutions, core enterprises and
their supplier tiers, distributors, their owners, the trading relationships and the cores'
credit lines. Every key, USCC and identity number is drawn from counters kept here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np

from scf.parties.model import make_uscc
from scf.sim.model import CreditLine, Holding, KeyPerson, Org, Person, Record, Size
from scf.sim.places import (
    BIRTHPLACES,
    CHAIN_BY_TAG,
    CHAINS,
    DISTRICTS,
    GIVEN,
    STREETS,
    SURNAMES,
    SYLLABLES,
    Chain,
)
from scf.sim.timeline import Timeline

# Roles that carry a financial licence number.
LICENSED_ROLES = (
    "bank",
    "factoring_company",
    "insurer",
    "local_financial_org",
    "guarantee_company",
)

Link = tuple[str, str, str, float, int]
"""A trading relationship: seller, buyer, currency, mean orders a month, payment term days."""


def pick(rng: np.random.Generator, keys: list[str]) -> str:
    """Draw one of `keys`."""
    return keys[int(rng.integers(len(keys)))]


class Population:
    """The organizations, people, relationships and credit lines drawn so far."""

    def __init__(self, size: Size, timeline: Timeline) -> None:
        self.size = size
        self.timeline = timeline
        self.orgs: dict[str, Org] = {}
        self.health: dict[str, float] = {}  # what registration data hints at (static)
        self.people: list[Person] = []
        self.links: list[Link] = []
        self.lines: dict[str, CreditLine] = {}  # core key -> its credit line
        self.cores: list[Org] = []
        self.funders: list[str] = []
        self.factors: list[str] = []
        self.lenders: list[str] = []  # local financial organizations (not in `funders`)
        self.guarantors: list[str] = []
        self.warehouses: list[str] = []
        self.logistics: list[str] = []
        self.by_role: dict[str, list[str]] = defaultdict(list)
        self._n = 0
        self._person_seq = 0
        self._uscc_seq = 0

    # ------------------------------------------------------------ identities

    def key(self, prefix: str) -> str:
        """Number the next record of any kind (one sequence for them all)."""
        self._n += 1
        return f"{prefix}{self._n:07d}"

    def uscc(self, district: str) -> str:
        self._uscc_seq += 1
        code = DISTRICTS[district][1]
        # A 9-digit organization code from a bijective scramble of the sequence number.
        body = f"91{code}{(self._uscc_seq * 104_729 + 7_919) % 1_000_000_000:09d}"
        return make_uscc(body)

    def person(self, rng: np.random.Generator, district: str) -> Person:
        from stdnum.cn import ric

        self._person_seq += 1
        born = date(1958, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 38)))
        # Birthplaces: Shenzhen and the provinces most of its people come from.
        place = BIRTHPLACES[int(rng.integers(len(BIRTHPLACES)))]
        body = f"{place}{born:%Y%m%d}{self._person_seq % 1000:03d}"
        number = body + ric.calc_check_digit(body + "0")
        name = SURNAMES[int(rng.integers(len(SURNAMES)))] + "".join(
            GIVEN[int(i)] for i in rng.integers(len(GIVEN), size=int(rng.integers(1, 3)))
        )
        p = Person(self.key("p"), number, name)
        self.people.append(p)
        return p

    def brand(self, rng: np.random.Generator) -> str:
        return "".join(SYLLABLES[int(i)] for i in rng.integers(len(SYLLABLES), size=2))

    def org(
        self,
        rng: np.random.Generator,
        *,
        role: str,
        district: str,
        word: str,
        size_class: str,
        chains: tuple[str, ...] = (),
        tier: int = -1,
        founded_on: date | None = None,
        capital_minor: int | None = None,
        address: str | None = None,
        phone: str | None = None,
        currency: str = "CNY",
        health: float | None = None,
    ) -> Org:
        key = self.key("o")
        h = float(rng.normal()) if health is None else health
        if founded_on is None:
            # Healthier firms are a little older: static data carries a weak signal.
            years = float(np.clip(rng.gamma(2.0, 4.0) + 1.5 + 0.8 * h, 2.2, 35))
            founded_on = self.timeline.start - timedelta(days=int(years * 365))
        if capital_minor is None:
            base = {"micro": 3e5, "small": 2e6, "medium": 2e7, "large": 5e8}[size_class]
            capital_minor = int(base * float(np.exp(rng.normal(0.2 * h, 0.8)))) * 100
        dname = DISTRICTS[district][0]
        suffix = {
            "core_enterprise": "股份有限公司",
            "bank": "银行股份有限公司",
            "insurer": "保险股份有限公司",
            "local_financial_org": "股份有限公司",
        }.get(role, "有限公司")
        name = {
            "operator": "深圳市供应链金融公共服务平台运营有限公司",
            "regulator": "深圳市地方金融管理局",
        }.get(role, f"深圳市{self.brand(rng)}{word}{suffix}")
        idx = self._n
        street = STREETS[idx % len(STREETS)]
        o = Org(
            key=key,
            uscc=self.uscc(district),
            name=name,
            district=district,
            roles=(role,),
            size_class=size_class,
            chains=chains,
            founded_on=founded_on,
            capital_minor=capital_minor,
            address=address or f"深圳市{dname}区{street}{idx}号{idx % 37 + 1}栋{idx % 19 + 1}01室",
            phone=phone or f"0755-{(idx * 7_907 + 23_000_000) % 90_000_000 + 10_000_000:08d}",
            licence_no=(f"LIC-{district.upper()}-{idx:06d}" if role in LICENSED_ROLES else None),
            tier=tier,
            currency=currency,
        )
        self.orgs[key] = o
        self.health[key] = h
        self.by_role[role].append(key)
        return o

    def owners(self, rng: np.random.Generator, o: Org) -> Iterator[Record]:
        """Shareholders and a legal representative (a person, or for cores a holding)."""
        p = self.person(rng, o.district)
        yield p
        main = "0.60" if rng.random() < 0.7 else "0.35"
        yield Holding(o.key, main, person=p.key)
        yield KeyPerson(o.key, p.key, "legal_representative")
        if rng.random() < 0.4:
            q = self.person(rng, o.district)
            yield q
            yield Holding(o.key, "0.25", person=q.key)

    def link(self, rng: np.random.Generator, seller: Org, buyer: Org) -> None:
        """Let the seller start selling to the buyer, at a rate and term of their own."""
        cur = buyer.currency if buyer.currency != "CNY" else seller.currency
        rate = self.size.orders_per_link_month * float(rng.lognormal(0.0, 0.5))
        term = int(rng.choice([30, 60, 90, 120, 180] if buyer.tier == 0 else [30, 45, 60]))
        self.links.append((seller.key, buyer.key, cur, rate, term))

    # ------------------------------------------------------------ the enterprises

    def institutions(self, rng: np.random.Generator) -> Iterator[Record]:
        """Draw the operator, the regulator, funders, insurers, warehouses and logistics."""
        s = self.size
        plan = [
            ("operator", 1, "futian", "供应链金融公共服务平台运营", "medium"),
            ("regulator", 1, "futian", "地方金融监督管理", "large"),
            ("bank", s.banks, "futian", "", "large"),
            ("factoring_company", s.factors, "qianhai", "商业保理", "medium"),
            ("insurer", s.insurers, "futian", "信用", "large"),
            ("warehouse", s.warehouses, "yantian", "仓储物流", "medium"),
            ("logistics", s.logistics, "nanshan", "供应链物流", "medium"),
        ]
        for role, n, district, word, sc in plan:
            for i in range(n):
                d = district
                if role == "warehouse":
                    d = ("yantian", "luohu")[i % 2]
                o = self.org(rng, role=role, district=d, word=word, size_class=sc, health=1.0)
                if role in ("bank", "factoring_company"):
                    self.funders.append(o.key)
                if role == "factoring_company":
                    self.factors.append(o.key)
                if role == "warehouse":
                    self.warehouses.append(o.key)
                if role == "logistics":
                    self.logistics.append(o.key)
                yield o

    def core_enterprises(self, rng: np.random.Generator) -> Iterator[Record]:
        """Draw the cores: one for each chain first, the rest by the chains' weights."""
        s = self.size
        weights = np.array([c.weight for c in CHAINS])
        core_chain = [CHAINS[i % len(CHAINS)] for i in range(min(s.cores, len(CHAINS)))]
        extra = s.cores - len(core_chain)
        if extra > 0:
            picks = rng.choice(len(CHAINS), size=extra, p=weights / weights.sum())
            core_chain += [CHAINS[int(i)] for i in picks]
        for ch in core_chain:
            d = ch.core_districts[int(rng.integers(len(ch.core_districts)))]
            cur = ch.currencies[int(rng.integers(len(ch.currencies)))]
            o = self.org(
                rng,
                role="core_enterprise",
                district=d,
                word=ch.core_word,
                size_class="large",
                chains=(ch.tag,),
                tier=0,
                currency=cur,
                health=abs(float(rng.normal())) + 0.5,
            )
            self.cores.append(o)
            yield o
            yield from self.owners(rng, o)

    def suppliers(self, rng: np.random.Generator) -> Iterator[Record]:
        """Draw the suppliers over the cores' chains, 2 to 4 tiers deep per chain."""
        by_chain: dict[str, list[Org]] = defaultdict(list)
        for c in self.cores:
            by_chain[c.chains[0]].append(c)
        chain_tags = sorted(by_chain)
        depth = {tg: int(rng.integers(2, 5)) for tg in chain_tags}
        share = np.array([CHAIN_BY_TAG[tg].weight * len(by_chain[tg]) for tg in chain_tags])
        n_by_chain = rng.multinomial(self.size.suppliers, share / share.sum())
        for tag, n in zip(chain_tags, n_by_chain, strict=True):
            levels = depth[tag]
            # Fewer firms near the core: tier sizes grow geometrically up the chain.
            tiers = np.array([1.8**k for k in range(levels)])
            per_tier = np.maximum(rng.multinomial(int(n), tiers / tiers.sum()), 1)
            prev: list[Org] = by_chain[tag]
            for t, count in enumerate(per_tier, start=1):
                layer: list[Org] = []
                yield from self._tier(rng, CHAIN_BY_TAG[tag], t, int(count), prev, layer)
                prev = layer

    def _tier(
        self,
        rng: np.random.Generator,
        ch: Chain,
        t: int,
        count: int,
        buyers_below: list[Org],
        layer: list[Org],
    ) -> Iterator[Record]:
        """Draw `count` suppliers of tier `t`, each selling to a few firms of the tier below."""
        # Buyers' attractiveness is Pareto: a few hubs buy from many suppliers.
        attract = rng.pareto(1.3, size=len(buyers_below)) + 1.0
        attract /= attract.sum()
        for _ in range(count):
            sc = "small" if rng.random() < 0.55 else ("micro" if rng.random() < 0.5 else "medium")
            o = self.org(
                rng,
                role="supplier",
                district=ch.sme_districts[int(rng.integers(len(ch.sme_districts)))],
                word=ch.sme_words[int(rng.integers(len(ch.sme_words)))],
                size_class=sc,
                chains=(ch.tag,),
                tier=t,
            )
            layer.append(o)
            yield o
            yield from self.owners(rng, o)
            k = min(int(rng.zipf(2.4)), len(buyers_below), 6)
            buyers = rng.choice(len(buyers_below), size=k, replace=False, p=attract)
            for b in buyers:
                self.link(rng, o, buyers_below[int(b)])

    def distributors(self, rng: np.random.Generator) -> Iterator[Record]:
        """Draw the distributors, each buying from a core."""
        for _ in range(self.size.distributors):
            core = self.cores[int(rng.integers(len(self.cores)))]
            ch = CHAIN_BY_TAG[core.chains[0]]
            o = self.org(
                rng,
                role="distributor",
                district=ch.sme_districts[int(rng.integers(len(ch.sme_districts)))],
                word="商贸",
                size_class="small",
                chains=(ch.tag,),
                tier=-1,
            )
            yield o
            yield from self.owners(rng, o)
            self.link(rng, core, o)

    def credit_lines(self, rng: np.random.Generator) -> Iterator[Record]:
        """Grant each CNY core enterprise a bank's credit line."""
        banks = self.by_role["bank"]
        for core in self.cores:
            if core.currency != "CNY":
                continue
            funder = banks[int(rng.integers(len(banks)))]
            line = CreditLine(
                self.key("l"),
                funder,
                core.key,
                "CNY",
                int(rng.integers(50, 400)) * 1_000_000_00,
                self.timeline.start,
                self.timeline.start + timedelta(days=730),
            )
            self.lines[core.key] = line
            yield line

    def other_institutions(self, rng: np.random.Generator) -> Iterator[Record]:
        """A microcredit company (a local financial organization), a financing guarantee
        company and a cross-border e-commerce marketplace, drawn from a random stream of their
        own so the rest of the set does not move."""
        for role, district, word, sc in (
            ("local_financial_org", "qianhai", "小额贷款", "medium"),
            ("guarantee_company", "futian", "融资担保", "medium"),
            ("marketplace", "longgang", "跨境电商平台", "large"),
        ):
            o = self.org(rng, role=role, district=district, word=word, size_class=sc, health=1.0)
            if role == "local_financial_org":
                self.lenders.append(o.key)
            if role == "guarantee_company":
                self.guarantors.append(o.key)
            yield o

    def appraisers(self, rng: np.random.Generator) -> Iterator[Record]:
        """An appraiser organization that values pledged intellectual property, drawn last in
        the set (after every trade) from a random stream of its own, so no other record's
        number or draw moves."""
        yield self.org(
            rng,
            role="appraiser",
            district="nanshan",
            word="资产评估",
            size_class="medium",
            health=1.0,
        )
