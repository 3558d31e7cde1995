"""A deterministic synthetic Shenzhen supply chain with labelled fraud, streamed as records.

`generate(size, seed)` yields the population (people, organizations, ownership, credit
lines), then month by month the trades and the financing that rides on them, then the
injected frauds' labels and the defaults. Only the population and a few counters per
enterprise are kept; trades are produced a chunk of relationships at a time and never
retained, so the large size (100,000+ enterprises, 10 million documents) streams in bounded
memory. Everything is drawn from one `numpy.random.Generator` per stage, each seeded from
`(seed, stage)`, so a seed always gives the same set.
"""

from __future__ import annotations

import calendar as _cal
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from scf.parties.model import make_uscc
from scf.sim.model import (
    CIRCULAR_TRADE,
    DUPLICATE_FINANCING,
    EMPTY_RECEIPT,
    FICTITIOUS_INVOICE,
    NEAR_DUPLICATE,
    SELF_FINANCING,
    SHELL_COMPANY,
    SIZES,
    CertFinance,
    CertIssue,
    CertTransfer,
    CreditLine,
    Default,
    DiscountBid,
    DiscountProgram,
    Goods,
    Holding,
    InvoiceFinance,
    KeyPerson,
    Label,
    Line,
    Org,
    Person,
    Pledge,
    Record,
    Size,
    Trade,
)

START = date(2025, 1, 1)
VAT_PERMILLE = 130  # 13 % VAT on goods
# Roles that carry a financial licence number.
LICENSED_ROLES = (
    "bank",
    "factoring_company",
    "insurer",
    "local_financial_org",
    "guarantee_company",
)
CNY_HOLIDAY = (date(2025, 1, 28), date(2025, 2, 4))
# The default model (see `Generator._health_paths`): the share of SMEs whose health slides
# from some month on, the monthly default hazard logit(alpha + beta * health), and the first
# month a default can happen (a firm needs a record before it can fail on it).
SLIDE_SHARE = 0.4
HAZARD_ALPHA = -6.6
HAZARD_BETA = -2.2
FIRST_DEFAULT_MONTH = 3
# Dynamic discounting: at most this many receivables a month are offered per programme, the
# buyer's hurdle rate, and the days between the month's end and the early payment.
DD_MAX_BIDS = 8
DD_HURDLE = "0.0700"
DD_PAY_AFTER_DAYS = 5
# Orders by calendar month: stocking up before Chinese New Year (29 January 2025), the
# holiday trough in February, and the year-end peak.
SEASON = np.array([1.25, 0.55, 0.95, 1.0, 1.0, 0.95, 0.95, 1.0, 1.05, 1.0, 1.1, 1.2])

# district -> (Chinese name, six-digit administrative code used in USCCs and ID numbers)
DISTRICTS: dict[str, tuple[str, str]] = {
    "futian": ("福田", "440304"),
    "luohu": ("罗湖", "440303"),
    "nanshan": ("南山", "440305"),
    "yantian": ("盐田", "440308"),
    "baoan": ("宝安", "440306"),
    "longgang": ("龙岗", "440307"),
    "longhua": ("龙华", "440309"),
    "pingshan": ("坪山", "440310"),
    "guangming": ("光明", "440311"),
    "dapeng": ("大鹏", "440307"),
    "qianhai": ("前海", "440305"),
    "shenshan": ("深汕", "440300"),
}


@dataclass(frozen=True)
class Chain:
    tag: str
    core_districts: tuple[str, ...]
    sme_districts: tuple[str, ...]
    core_word: str
    sme_words: tuple[str, ...]
    items: tuple[tuple[str, str, int, int], ...]  # (item, unit, min price, max price) in yuan
    currencies: tuple[str, ...] = ("CNY",)
    weight: float = 1.0


CHAINS: tuple[Chain, ...] = (
    Chain(
        "new_energy_vehicles",
        ("pingshan", "baoan"),
        ("pingshan", "baoan", "longgang", "guangming", "longhua"),
        "新能源汽车",
        ("动力电池", "电驱科技", "汽车零部件", "精密模具", "线束"),
        (
            ("动力电池模组", "套", 8000, 30000),
            ("电机控制器", "台", 2000, 9000),
            ("车身结构件", "件", 80, 900),
            ("高压线束总成", "套", 300, 2000),
        ),
        weight=1.6,
    ),
    Chain(
        "consumer_electronics",
        ("baoan", "longhua", "nanshan"),
        ("baoan", "longhua", "longgang", "guangming"),
        "智能终端",
        ("电子", "精密五金", "显示科技", "电路板", "塑胶制品"),
        (
            ("手机主板", "片", 150, 900),
            ("显示模组", "片", 60, 600),
            ("锂电池电芯", "只", 15, 80),
            ("精密结构件", "件", 5, 60),
        ),
        weight=1.5,
    ),
    Chain(
        "semiconductors",
        ("nanshan",),
        ("nanshan", "baoan", "longhua", "futian"),
        "半导体",
        ("微电子", "封测", "芯片设计", "材料科技"),
        (
            ("晶圆", "片", 1500, 12000),
            ("封装基板", "片", 20, 200),
            ("光刻胶", "升", 800, 4000),
            ("芯片测试服务", "批", 5000, 50000),
        ),
    ),
    Chain(
        "gold_jewelry",
        ("luohu",),
        ("luohu", "futian", "longgang"),
        "珠宝黄金",
        ("珠宝", "金饰加工", "首饰设计"),
        (
            ("足金饰品", "克", 520, 640),
            ("K金镶嵌饰品", "件", 800, 6000),
            ("黄金原料", "克", 480, 560),
        ),
    ),
    Chain(
        "port_logistics",
        ("yantian",),
        ("yantian", "longgang", "luohu"),
        "国际港航",
        ("货运代理", "集装箱服务", "报关"),
        (
            ("集装箱运输服务", "箱", 1500, 6000),
            ("报关代理服务", "票", 200, 1500),
            ("堆场仓储服务", "天", 300, 2000),
        ),
    ),
    Chain(
        "bonded_fuel",
        ("yantian",),
        ("yantian", "nanshan"),
        "保税燃料",
        ("石油化工", "船舶供应", "能源贸易"),
        (("保税船用燃料油", "吨", 3800, 5200), ("润滑油", "桶", 800, 2400)),
        weight=0.6,
    ),
    Chain(
        "cross_border_ecommerce",
        ("longgang",),
        ("longgang", "longhua", "baoan"),
        "跨境电商",
        ("数码", "家居用品", "电商供应链", "智能穿戴"),
        (
            ("蓝牙耳机", "只", 30, 180),
            ("智能手表", "只", 120, 600),
            ("家居收纳用品", "件", 10, 90),
        ),
    ),
    Chain(
        "food_tourism",
        ("dapeng",),
        ("dapeng", "longgang", "yantian"),
        "文旅食品",
        ("海产", "食品", "文旅服务", "农业"),
        (
            ("海鲜干货礼盒", "盒", 80, 600),
            ("预制菜", "箱", 60, 300),
            ("文旅套票", "张", 100, 800),
        ),
        weight=0.7,
    ),
    Chain(
        "cross_border_trade",
        ("qianhai",),
        ("qianhai", "futian", "nanshan"),
        "跨境贸易",
        ("国际贸易", "供应链管理", "电子元器件"),
        (
            ("电子元器件", "千只", 300, 3000),
            ("大宗商品（铜）", "吨", 60000, 75000),
            ("供应链管理服务", "项", 10000, 80000),
        ),
        currencies=("HKD", "USD"),
        weight=0.8,
    ),
)
CHAIN_BY_TAG = {c.tag: c for c in CHAINS}

BIRTHPLACES = (
    "440300",
    "440300",
    "440100",
    "440600",
    "430100",
    "360100",
    "420100",
    "450100",
    "350100",
    "510100",
)
SYLLABLES = "华鑫恒创达兴盛通瑞泰宏博新源嘉信安鸿富海金联汇捷凯晟宇明德润辉"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华慧建国志红"
STREETS = (
    "科技园路",
    "工业大道",
    "创业路",
    "深南大道",
    "宝安大道",
    "龙岗大道",
    "沿港路",
    "前海大道",
)


def size_of(size: str | Size) -> Size:
    if isinstance(size, Size):
        return size
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; use one of {', '.join(SIZES)}")
    return SIZES[size]


def _month_of(d: date) -> int:
    return (d.year - START.year) * 12 + d.month - START.month


def end_of(size: Size) -> date:
    """The last simulated day (the platform's 'today' after loading)."""
    y, m = START.year + (START.month - 1 + size.months - 1) // 12, (size.months - 1) % 12 + 1
    return date(y, m, _cal.monthrange(y, m)[1])


def month_start(i: int) -> date:
    return date(START.year + (START.month - 1 + i) // 12, (START.month - 1 + i) % 12 + 1, 1)


@dataclass
class Stats:
    """Per-enterprise counters kept while trades stream past (for the default study)."""

    sales_by_month: dict[str, np.ndarray] = field(default_factory=dict)
    invoices: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    debtors: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    confirmed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    delivered: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    late_days: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    first_core_trade: dict[str, date] = field(default_factory=dict)


class Generator:
    """Holds the population and streams everything else; see `generate`."""

    def __init__(self, size: str | Size, seed: int, *, keep_stats: bool = True) -> None:
        self.size = size_of(size)
        self.seed = int(seed)
        self.end = end_of(self.size)
        self.orgs: dict[str, Org] = {}
        self.health: dict[str, float] = {}  # what registration data hints at (static)
        # The latent financial health of each SME month by month (see `_health_paths`), the
        # month it defaults in, and its main buyer (the relationship it keeps longest).
        self.path_row: dict[str, int] = {}
        self.path = np.zeros((0, self.size.months))
        self.noise = np.ones((0, self.size.months))
        self.default_month: dict[str, int] = {}
        self.main_buyer: dict[str, str] = {}
        self.discount_cores: list[str] = []
        self._dd: dict[str, list[Trade]] = defaultdict(list)  # a month's early-pay candidates
        self._dd_set: set[str] = set()
        self.injected: dict[str, int] = defaultdict(int)  # fraud injected so far, by type
        self._late = max(self.size.months - 5, 0)  # from this month, make sure of each type
        self.people: list[Person] = []
        self.links: list[tuple[str, str, str, float, int]] = []  # seller, buyer, cur, rate, term
        self.lines: dict[str, CreditLine] = {}
        self.funders: list[str] = []
        self.factors: list[str] = []
        self.lenders: list[str] = []  # local financial organizations (not in `funders`)
        self.guarantors: list[str] = []
        self.warehouses: list[str] = []
        self.logistics: list[str] = []
        self.by_role: dict[str, list[str]] = defaultdict(list)
        self.keep_stats = keep_stats
        self.stats = Stats()
        self._n = 0
        self._inv = 0
        self._ord = 0
        self._person_seq = 0
        self._rcpt = 0
        self._uscc_seq = 0
        self.documents = 0
        self.trades = 0
        self.special: list[Record] = []  # population-level fraud structures

    def rng(self, *stage: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, *stage])

    # ------------------------------------------------------------ identities

    def _key(self, prefix: str) -> str:
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
        p = Person(self._key("p"), number, name)
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
        key = self._key("o")
        h = float(rng.normal()) if health is None else health
        if founded_on is None:
            # Healthier firms are a little older: static data carries a weak signal.
            years = float(np.clip(rng.gamma(2.0, 4.0) + 1.5 + 0.8 * h, 2.2, 35))
            founded_on = START - timedelta(days=int(years * 365))
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

    # ------------------------------------------------------------ population

    def population(self) -> Iterator[Record]:
        s = self.size
        rng = self.rng(1)
        yield from self._institutions(rng)
        weights = np.array([c.weight for c in CHAINS])
        core_chain = [CHAINS[i % len(CHAINS)] for i in range(min(s.cores, len(CHAINS)))]
        extra = s.cores - len(core_chain)
        if extra > 0:
            picks = rng.choice(len(CHAINS), size=extra, p=weights / weights.sum())
            core_chain += [CHAINS[int(i)] for i in picks]
        cores: list[Org] = []
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
            cores.append(o)
            yield o
            yield from self._owners(rng, o)
        # Suppliers: spread over the cores' chains, 2 to 4 tiers deep per chain.
        by_chain: dict[str, list[Org]] = defaultdict(list)
        for c in cores:
            by_chain[c.chains[0]].append(c)
        chain_tags = sorted(by_chain)
        depth = {tg: int(rng.integers(2, 5)) for tg in chain_tags}
        share = np.array([CHAIN_BY_TAG[tg].weight * len(by_chain[tg]) for tg in chain_tags])
        n_by_chain = rng.multinomial(s.suppliers, share / share.sum())
        for tag, n in zip(chain_tags, n_by_chain, strict=True):
            ch = CHAIN_BY_TAG[tag]
            levels = depth[tag]
            # Fewer firms near the core: tier sizes grow geometrically up the chain.
            tiers = np.array([1.8**k for k in range(levels)])
            per_tier = np.maximum(rng.multinomial(int(n), tiers / tiers.sum()), 1)
            prev: list[Org] = by_chain[tag]
            for t, count in enumerate(per_tier, start=1):
                layer: list[Org] = []
                # Buyers' attractiveness is Pareto: a few hubs buy from many suppliers.
                attract = rng.pareto(1.3, size=len(prev)) + 1.0
                attract /= attract.sum()
                for _ in range(int(count)):
                    sc = (
                        "small"
                        if rng.random() < 0.55
                        else ("micro" if rng.random() < 0.5 else "medium")
                    )
                    o = self.org(
                        rng,
                        role="supplier",
                        district=ch.sme_districts[int(rng.integers(len(ch.sme_districts)))],
                        word=ch.sme_words[int(rng.integers(len(ch.sme_words)))],
                        size_class=sc,
                        chains=(tag,),
                        tier=t,
                    )
                    layer.append(o)
                    yield o
                    yield from self._owners(rng, o)
                    k = min(int(rng.zipf(2.4)), len(prev), 6)
                    buyers = rng.choice(len(prev), size=k, replace=False, p=attract)
                    for b in buyers:
                        self._link(rng, o, prev[int(b)])
                prev = layer
        # Distributors buy from the cores.
        for _ in range(s.distributors):
            core = cores[int(rng.integers(len(cores)))]
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
            yield from self._owners(rng, o)
            self._link(rng, core, o)
        yield from self._credit_lines(rng, cores)
        yield from self._fraud_population(rng, cores)
        yield from self._other_institutions()
        self._health_paths()
        # Core enterprises that run dynamic-discounting programmes with their own cash.
        self.discount_cores = [
            k for k in self.by_role["core_enterprise"] if self.orgs[k].currency == "CNY"
        ][::2]
        self._dd_set = set(self.discount_cores)

    # ------------------------------------------------------------ financial health

    def _health_paths(self) -> None:
        """Each SME's latent financial health month by month, and the month it defaults.

        Health starts at a level that registration data (age, capital) hints at only weakly,
        wanders month to month, and for some firms turns into a slide (a lost customer, a
        margin squeeze) from a random month on. The chance of defaulting in a month rises
        steeply as health falls, so the slide shows in the firm's trade - falling and more
        irregular sales, orders left only from its main buyer, debtors paying later, fewer
        confirmed and received invoices - months before the default. Its own random stream:
        the rest of the set does not move with it.
        """
        rng = self.rng(11)
        months = self.size.months
        # The fraud schemes' companies run on their controller's plan, not on their health.
        schemers = {k for ring in self.rings for k in ring}
        schemers |= {k for pair in self.self_pairs for k in pair}
        schemers |= {shell for shell, _buyer in self.shells}
        keys = [
            k
            for k, o in self.orgs.items()
            if o.roles[0] in ("supplier", "distributor") and k not in schemers
        ]
        self.path_row = {k: i for i, k in enumerate(keys)}
        n = len(keys)
        h0 = np.array([self.health[k] for k in keys], dtype=float)
        level = 0.25 * h0 + rng.normal(0.0, 0.45, n)
        steps = rng.normal(0.0, 0.15, (n, months))
        sliding = rng.random(n) < SLIDE_SHARE
        onset = rng.integers(0, max(months - 5, 1), n)
        slope = rng.uniform(0.15, 0.4, n)
        t = np.arange(months)[None, :]
        slide = np.where(sliding[:, None] & (t >= onset[:, None]), t - onset[:, None] + 1, 0)
        x = level[:, None] + np.cumsum(steps, axis=1) - slope[:, None] * slide
        self.path = x
        # Irregular sales: the worse off, the more a month's orders swing.
        sigma = 0.12 + 0.3 * np.clip(-x, 0.0, 2.5)
        self.noise = np.exp(rng.normal(0.0, 1.0, (n, months)) * sigma - sigma**2 / 2)
        hazard = 1.0 / (1.0 + np.exp(-(HAZARD_ALPHA + HAZARD_BETA * x)))
        hazard[:, :FIRST_DEFAULT_MONTH] = 0.0
        hit = rng.random((n, months)) < hazard
        self.default_month = {
            keys[i]: int(hit[i].argmax()) for i in np.flatnonzero(hit.any(axis=1))
        }
        rates: dict[str, float] = {}
        for seller, buyer, _cur, rate, _term in self.links:
            if rate > rates.get(seller, -1.0):
                rates[seller] = rate
                self.main_buyer[seller] = buyer

    def health_at(self, org: str, m: int) -> float:
        """An SME's latent health in month `m` (0 for firms outside the study)."""
        i = self.path_row.get(org)
        if i is None:
            return 0.0
        return float(self.path[i, min(max(m, 0), self.size.months - 1)])

    def _activity(self, seller: str, buyer: str, m: int) -> float:
        """How much a relationship orders this month, against its usual rate."""
        d = self.default_month.get(buyer)
        if d is not None and m > d:
            return 0.0  # a defaulted buyer stops ordering
        i = self.path_row.get(seller)
        if i is None:
            return 1.0
        d = self.default_month.get(seller)
        if d is not None and m >= d:
            return 0.0 if m > d else 0.3
        x = float(self.path[i, m])
        f = float(np.exp(0.15 * min(max(x, -3.0), 1.5))) * float(self.noise[i, m])
        if buyer != self.main_buyer.get(seller):
            f *= float(np.exp(0.35 * min(x, 0.0)))  # smaller customers leave first
        return f

    def _other_institutions(self) -> Iterator[Record]:
        """A microcredit company (a local financial organization), a financing guarantee
        company and a cross-border e-commerce marketplace, drawn from their own random stream
        so the rest of the set does not move."""
        rng = self.rng(8)
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

    def _institutions(self, rng: np.random.Generator) -> Iterator[Record]:
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

    def _owners(self, rng: np.random.Generator, o: Org) -> Iterator[Record]:
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

    def _link(self, rng: np.random.Generator, seller: Org, buyer: Org) -> None:
        cur = buyer.currency if buyer.currency != "CNY" else seller.currency
        rate = self.size.orders_per_link_month * float(rng.lognormal(0.0, 0.5))
        term = int(rng.choice([30, 60, 90, 120, 180] if buyer.tier == 0 else [30, 45, 60]))
        self.links.append((seller.key, buyer.key, cur, rate, term))

    def _credit_lines(self, rng: np.random.Generator, cores: list[Org]) -> Iterator[Record]:
        banks = self.by_role["bank"]
        for core in cores:
            if core.currency != "CNY":
                continue
            funder = banks[int(rng.integers(len(banks)))]
            line = CreditLine(
                self._key("l"),
                funder,
                core.key,
                "CNY",
                int(rng.integers(50, 400)) * 1_000_000_00,
                START,
                START + timedelta(days=730),
            )
            self.lines[core.key] = line
            yield line

    # ------------------------------------------------------------ fraud structures

    def _count(self, base: float) -> int:
        return max(1, round(base * self.size.fraud_rate))

    def _shell(
        self, rng: np.random.Generator, host: Org, word: str, district: str, chain: str
    ) -> Org:
        """A shell: new, tiny capital, registered at another firm's address and phone."""
        founded = self.end - timedelta(days=int(rng.integers(150, 300)))
        return self.org(
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

    def _fraud_population(self, rng: np.random.Generator, cores: list[Org]) -> Iterator[Record]:
        smes = self.by_role["supplier"]
        # Circular trade rings: 3-4 companies under one controller, half of them shells.
        self.rings: list[list[str]] = []
        for _ in range(self._count(3)):
            ch = CHAINS[int(rng.integers(len(CHAINS)))]
            boss = self.person(rng, ch.sme_districts[0])
            yield boss
            n = int(rng.integers(3, 5))
            members: list[Org] = []
            for j in range(n):
                if j % 2 == 0:
                    host = self.orgs[smes[int(rng.integers(len(smes)))]]
                    o = self._shell(rng, host, "贸易", ch.sme_districts[0], ch.tag)
                    self.special.append(Label(SHELL_COMPANY, o.key, "ring member"))
                else:
                    o = self.org(
                        rng,
                        role="supplier",
                        district=ch.sme_districts[0],
                        word="实业",
                        size_class="small",
                        chains=(ch.tag,),
                        health=-0.5,
                    )
                members.append(o)
                yield o
                yield Holding(o.key, "0.80", person=boss.key)
                yield KeyPerson(o.key, boss.key, "legal_representative")
            self.rings.append([m.key for m in members])
            for m in members:
                self.special.append(Label(CIRCULAR_TRADE, m.key, f"ring of {n}"))
        # Self-financing pairs: one person controls both the seller and its debtor.
        self.self_pairs: list[tuple[str, str]] = []
        for _ in range(self._count(6)):
            ch = CHAINS[int(rng.integers(len(CHAINS) - 1))]  # CNY chains
            boss = self.person(rng, ch.sme_districts[0])
            yield boss
            pair = []
            for word in ("科技", "贸易"):
                o = self.org(
                    rng,
                    role="supplier" if word == "科技" else "distributor",
                    district=ch.sme_districts[-1],
                    word=word,
                    size_class="small",
                    chains=(ch.tag,),
                    health=-0.8,
                )
                pair.append(o)
                yield o
                yield Holding(o.key, "0.75", person=boss.key)
            self.self_pairs.append((pair[0].key, pair[1].key))
        # Stand-alone shells that sell a little to a real buyer.
        self.shells: list[tuple[str, str]] = []
        for _ in range(self._count(5)):
            host = self.orgs[smes[int(rng.integers(len(smes)))]]
            buyer = self.orgs[smes[int(rng.integers(len(smes)))]]
            ch = CHAIN_BY_TAG[buyer.chains[0]]
            if buyer.currency != "CNY":
                continue
            o = self._shell(rng, host, "商贸", host.district, ch.tag)
            yield o
            p = self.person(rng, host.district)
            yield p
            yield Holding(o.key, "1.00", person=p.key)
            self.special.append(Label(SHELL_COMPANY, o.key, "stand-alone"))
            self.shells.append((o.key, buyer.key))
        # Legitimate look-alikes: family firms sharing a phone (a related but honest pair).
        for _ in range(self._count(4)):
            a = self.orgs[smes[int(rng.integers(len(smes)))]]
            o = self.org(
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
            yield from self._owners(rng, o)
            buyers = [b for (sl, b, *_r) in self.links if sl == a.key]
            if buyers:
                self._link(rng, o, self.orgs[buyers[0]])

    # ------------------------------------------------------------ documents

    def _invoice_no(self) -> str:
        self._inv += 1
        return f"2544{(self._inv * 2_654_435_761 + 97_531) % 10**16:016d}"

    def _order_no(self) -> str:
        self._ord += 1
        return f"PO2025{self._ord:09d}"

    def _date_in(self, rng: np.random.Generator, m: int) -> date:
        first = month_start(m)
        days = _cal.monthrange(first.year, first.month)[1]
        d = first + timedelta(days=int(rng.integers(days)))
        if CNY_HOLIDAY[0] <= d <= CNY_HOLIDAY[1] and rng.random() < 0.85:
            d = CNY_HOLIDAY[1] + timedelta(days=int(rng.integers(1, 10)))
        return d

    def _trade(
        self,
        rng: np.random.Generator,
        seller: str,
        buyer: str,
        cur: str,
        term: int,
        on: date,
        *,
        scale: float = 1.0,
        deliver: bool = True,
        late_mean: float = 5.0,
        fraud: str | None = None,
        with_order: bool = True,
        order_by_seller: bool = False,
        confirmed: bool = True,
        received: bool = True,
        lag: int | None = None,
    ) -> Trade | None:
        s_org = self.orgs[seller]
        chain = CHAIN_BY_TAG.get((s_org.chains or self.orgs[buyer].chains or ("",))[0])
        items = chain.items if chain else (("服务", "项", 1000, 20000),)
        lines = []
        budget = {"micro": 4e4, "small": 1.5e5, "medium": 6e5, "large": 2e6}[
            self.orgs[buyer].size_class
        ] * scale
        for i in rng.choice(
            len(items), size=int(rng.integers(1, min(3, len(items)) + 1)), replace=False
        ):
            item, unit, lo, hi = items[int(i)]
            price = int(rng.integers(lo * 100, hi * 100 + 1))
            qty = max(1, int(budget * float(rng.lognormal(0, 0.6)) / max(price / 100, 1) / 2))
            lines.append(Line(f"{item}（{unit}）", qty, price))
        net = sum(ln.quantity * ln.unit_price_minor for ln in lines)
        tax = (net * VAT_PERMILLE + 500) // 1000
        ship = (
            on + timedelta(days=int(rng.integers(2, 15)))
            if lag is None
            else on + timedelta(days=lag)
        )
        receipt = ship + timedelta(days=int(rng.integers(0, 3)))
        inv_date = ship + timedelta(days=int(rng.integers(0, 4)))
        due = inv_date + timedelta(days=term)
        late = int(max(0, rng.normal(late_mean, 6)))
        pay = due + timedelta(days=late - int(rng.integers(0, 5)))
        if inv_date > self.end:
            return None
        t = Trade(
            key=self._key("t"),
            seller=seller,
            buyer=buyer,
            currency=cur,
            order_no=self._order_no() if with_order else None,
            order_date=on,
            lines=tuple(lines),
            delivery_date=ship if deliver else None,
            receipt_date=receipt if deliver and received and receipt <= self.end else None,
            invoice_no=self._invoice_no(),
            invoice_date=inv_date,
            due_date=due,
            net_minor=net,
            tax_minor=tax,
            payment_date=(
                pay if pay <= self.end and fraud is None and self._pays(buyer, pay) else None
            ),
            confirmed=confirmed,
            order_by_seller=order_by_seller,
            fraud=fraud,
        )
        self._count_trade(t)
        return t

    def _gone(self, org: str, m: int) -> bool:
        """The firm defaulted before month `m`."""
        d = self.default_month.get(org)
        return d is not None and m > d

    def _pays(self, buyer: str, on: date) -> bool:
        """A buyer that has defaulted pays nothing due after its default month."""
        d = self.default_month.get(buyer)
        return d is None or on < month_start(d + 1)

    def _count_trade(self, t: Trade) -> None:
        self.documents += t.documents()
        self.trades += 1
        if not self.keep_stats:
            return
        st = self.stats
        arr = st.sales_by_month.get(t.seller)
        if arr is None:
            arr = st.sales_by_month[t.seller] = np.zeros(self.size.months, dtype=np.int64)
        m = (t.invoice_date.year - START.year) * 12 + t.invoice_date.month - START.month
        if 0 <= m < len(arr):
            arr[m] += t.total_minor if t.currency == "CNY" else t.total_minor * 9 // 10
        st.invoices[t.seller] += 1
        st.debtors[t.seller][t.buyer] = st.debtors[t.seller].get(t.buyer, 0) + t.total_minor
        st.confirmed[t.seller] += t.confirmed
        st.delivered[t.seller] += t.delivery_date is not None
        if t.payment_date is not None:
            acc = st.late_days[t.seller]
            acc[0] += (t.payment_date - t.due_date).days
            acc[1] += 1
        if self.orgs[t.buyer].tier == 0 and t.seller not in st.first_core_trade:
            st.first_core_trade[t.seller] = t.invoice_date

    def months(self) -> Iterator[Record]:
        """Stream trades and financing month by month, a chunk of relationships at a time."""
        s = self.size
        expected = sum(r for *_x, r, _t in self.links) * sum(SEASON[: s.months])
        p_fict = self._count(10) / max(expected, 1)
        p_near = self._count(8) / max(expected, 1)
        p_dup = self._count(8) / max(expected * 0.06, 1)
        # Buyers nearer the core first, so a month's certificates exist before they travel.
        order = sorted(
            range(len(self.links)),
            key=lambda i: (max(self.orgs[self.links[i][1]].tier, 0), self.links[i][1]),
        )
        chunk = 4_000
        for m in range(s.months):
            rng = self.rng(2, m)
            held: dict[str, list[CertIssue]] = defaultdict(list)
            for c0 in range(0, len(order), chunk):
                idx = order[c0 : c0 + chunk]
                counts = rng.poisson(
                    [
                        self.links[i][3]
                        * SEASON[m % 12]
                        * self._activity(self.links[i][0], self.links[i][1], m)
                        for i in idx
                    ]
                )
                for i, n in zip(idx, counts, strict=True):
                    seller, buyer, cur, _rate, term = self.links[i]
                    for _ in range(int(n)):
                        yield from self._one(
                            rng, seller, buyer, cur, term, m, held, p_fict, p_near, p_dup
                        )
            yield from self._month_end_finance(rng, held, m)
            yield from self._month_discounting(m)
            yield from self._month_fraud(rng, m)
            yield from self._goods_month(rng, m)

    def _one(
        self,
        rng: np.random.Generator,
        seller: str,
        buyer: str,
        cur: str,
        term: int,
        m: int,
        held: dict[str, list[CertIssue]],
        p_fict: float,
        p_near: float,
        p_dup: float,
    ) -> Iterator[Record]:
        on = self._date_in(rng, m)
        # Debtors pay later when they are in trouble themselves, and when the seller is:
        # a weak supplier cannot insist, and quarrels over its goods hold payments up.
        hb = self.health_at(buyer, m) if buyer in self.path_row else self.health.get(buyer, 0.0)
        hs = self.health_at(seller, m)
        late = 3.0 - 4.0 * min(hb, 1.0) + 9.0 * max(-hb, 0.0) + 12.0 * max(-hs, 0.0)
        # ... and its buyers confirm and book the receipt of fewer of its invoices.
        shaky = min(0.85, 0.7 * max(-hs - 0.2, 0.0))
        u = rng.random()
        # Late in the year a set that has drawn no fictitious invoice yet gets one, so that
        # every fraud type is there to score even in the tiny size.
        if (u < p_fict or (not self.injected[FICTITIOUS_INVOICE] and m >= self._late)) and (
            self.orgs[seller].tier > 0
        ):
            no_order = rng.random() < 0.3
            t = self._trade(
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
            return
        confirmed = not shaky or rng.random() >= shaky
        received = not shaky or rng.random() >= shaky
        t = self._trade(
            rng,
            seller,
            buyer,
            cur,
            term,
            on,
            late_mean=max(late, 0.0),
            confirmed=confirmed,
            received=received,
        )
        if t is None:
            return
        yield t
        if u < p_fict + p_near:
            d = t.invoice_date + timedelta(days=int(rng.integers(1, 6)))
            if d <= self.end:
                bump = int(rng.integers(-8, 9)) or 3  # within 1 % of the total
                net = t.net_minor + t.net_minor * bump // 1000
                no = t.invoice_no[:-1] + str((int(t.invoice_no[-1]) + 1) % 10)
                lines = (Line(t.lines[0].item, 1, net),)
                r = Trade(
                    key=self._key("t"),
                    seller=seller,
                    buyer=buyer,
                    currency=cur,
                    order_no=t.order_no,
                    order_date=t.order_date,
                    lines=lines,
                    delivery_date=None,
                    receipt_date=None,
                    invoice_no=no,
                    invoice_date=d,
                    due_date=d + timedelta(days=term),
                    net_minor=net,
                    tax_minor=(net * VAT_PERMILLE + 500) // 1000,
                    payment_date=None,
                    confirmed=False,
                    new_order=False,
                    fraud=NEAR_DUPLICATE,
                )
                self._count_trade(r)
                yield r
                yield Label(NEAR_DUPLICATE, r.key, f"re-issue of {t.key}")
                yield Label(NEAR_DUPLICATE, t.key, f"re-issued as {r.key}")
                return
        s_org, b_org = self.orgs[seller], self.orgs[buyer]
        if cur != "CNY" or not t.confirmed:
            return  # nothing is financed on a receivable its debtor has not confirmed
        if b_org.tier == 0 and buyer in self.lines and rng.random() < 0.3:
            issue_on = t.invoice_date + timedelta(days=int(rng.integers(2, 12)))
            maturity = max(t.due_date, issue_on + timedelta(days=45))
            maturity = min(maturity, issue_on + timedelta(days=175))
            if issue_on <= self.end - timedelta(days=3):
                c = CertIssue(
                    self._key("c"),
                    self.lines[buyer].key,
                    buyer,
                    seller,
                    t.key,
                    t.total_minor,
                    "CNY",
                    issue_on,
                    maturity,
                )
                yield c
                held[seller].append(c)
            return
        if s_org.tier >= 2 and held.get(buyer) and rng.random() < 0.6:
            c = held[buyer].pop()
            amount = min(c.face_minor // 2, t.total_minor)
            on2 = max(c.on, t.invoice_date) + timedelta(days=int(rng.integers(1, 6)))
            if amount > 0 and on2 <= self.end and on2 < c.maturity_on - timedelta(days=20):
                x = CertTransfer(self._key("x"), c.key, buyer, seller, t.key, amount, on2)
                yield x
                if rng.random() < 0.5:
                    yield CertFinance(
                        self._key("f"),
                        c.key,
                        seller,
                        self._pick(rng, self.funders),
                        f"0.0{int(rng.integers(28, 45))}",
                        on2,
                    )
            return
        factored = False
        need_dup = not self.injected[DUPLICATE_FINANCING] and m >= self._late
        if (
            s_org.tier > 0
            and b_org.tier in (0, 1)
            and (rng.random() < 0.06 or need_dup)
            and t.invoice_date + timedelta(days=25) <= self.end
        ):
            f = InvoiceFinance(
                self._key("i"),
                t.key,
                self._pick(rng, self.funders),
                t.invoice_date + timedelta(days=int(rng.integers(3, 15))),
            )
            yield f
            factored = True
            if rng.random() < p_dup or need_dup:
                other = self._pick(rng, [x for x in self.funders if x != f.funder])
                g = InvoiceFinance(
                    self._key("i"),
                    t.key,
                    other,
                    f.on + timedelta(days=int(rng.integers(2, 10))),
                    fraud=DUPLICATE_FINANCING,
                )
                # The platform sees the month's applications at its end: a second financing
                # of a receivable that is due by then would be refused as due, not caught.
                if month_start(_month_of(g.on) + 1) - timedelta(days=1) < t.due_date:
                    yield g
                    self.injected[DUPLICATE_FINANCING] += 1
                    yield Label(DUPLICATE_FINANCING, g.key, f"second funder of {t.key}")
        if not factored and buyer in self._dd_set and len(self._dd[buyer]) < DD_MAX_BIDS:
            self._dd[buyer].append(t)

    @staticmethod
    def _pick(rng: np.random.Generator, keys: list[str]) -> str:
        return keys[int(rng.integers(len(keys)))]

    def _month_end_finance(
        self, rng: np.random.Generator, held: dict[str, list[CertIssue]], m: int
    ) -> Iterator[Record]:
        for holder in sorted(held):
            for c in held[holder]:
                if rng.random() < 0.4:
                    on = c.on + timedelta(days=int(rng.integers(1, 8)))
                    if on <= self.end:
                        yield CertFinance(
                            self._key("f"),
                            c.key,
                            holder,
                            self._pick(rng, self.funders),
                            f"0.0{int(rng.integers(25, 40))}",
                            on,
                        )

    def _month_discounting(self, m: int) -> Iterator[Record]:
        """At the month's end each programme core offers cash to pay the month's confirmed
        receivables early; a supplier short of cash is likelier to bid, and bids a steeper
        discount (its own random stream, so the rest of the set does not move)."""
        rng = self.rng(12, m)
        last = month_start(m + 1) - timedelta(days=1)
        pay_on = last + timedelta(days=DD_PAY_AFTER_DAYS)
        for buyer in self.discount_cores:
            cands = self._dd.pop(buyer, [])
            bids = []
            for t in cands:
                if (
                    _month_of(t.invoice_date) != m
                    or t.due_date <= pay_on + timedelta(days=15)
                    or pay_on > self.end
                ):
                    continue
                need = max(-self.health_at(t.seller, m), 0.0)
                if rng.random() >= 0.3 + 0.3 * min(need, 1.0):
                    continue
                bp = int(rng.integers(500, 1100)) + int(300 * min(need, 2.0))
                bids.append(DiscountBid(t.seller, t.key, f"0.{bp:04d}"))
            if not bids:
                continue
            faces = [self._face(b.trade, cands) for b in bids]
            # Cash for the biggest receivable at least, and often not for every bid.
            cash = max(max(faces), sum(faces) * int(rng.integers(50, 100)) // 100)
            yield DiscountProgram(
                self._key("d"),
                buyer,
                "CNY",
                cash,
                DD_HURDLE,
                pay_on,
                last,
                tuple(bids),
            )
        self._dd.clear()

    @staticmethod
    def _face(key: str, trades: list[Trade]) -> int:
        return next(t.total_minor for t in trades if t.key == key)

    def _month_fraud(self, rng: np.random.Generator, m: int) -> Iterator[Record]:
        last = self.size.months - 1
        # Circular trade: in the last months each ring sends goods round within days.
        if m >= last - 3:
            for ring in self.rings:
                if rng.random() < 0.5 and m != last - 1:
                    continue
                on = self._date_in(rng, m)
                amount_scale = float(rng.uniform(2.0, 6.0))
                # The lines are drawn once and passed round with a small mark-up at each hop.
                base = self._trade(
                    rng, ring[0], ring[1], "CNY", 30, on, scale=amount_scale, lag=2, late_mean=0
                )
                if base is None:
                    continue
                yield base
                prev = base
                for j in range(1, len(ring)):
                    s_, b_ = ring[j], ring[(j + 1) % len(ring)]
                    d = prev.invoice_date + timedelta(days=int(rng.integers(1, 4)))
                    up = 1000 + int(rng.integers(5, 40))
                    lines = tuple(
                        Line(x.item, x.quantity, x.unit_price_minor * up // 1000)
                        for x in prev.lines
                    )
                    net = sum(x.quantity * x.unit_price_minor for x in lines)
                    if d + timedelta(days=3) > self.end:
                        break
                    t = Trade(
                        key=self._key("t"),
                        seller=s_,
                        buyer=b_,
                        currency="CNY",
                        order_no=self._order_no(),
                        order_date=d - timedelta(days=1),
                        lines=lines,
                        delivery_date=d,
                        receipt_date=d + timedelta(days=1),
                        invoice_no=self._invoice_no(),
                        invoice_date=d + timedelta(days=1),
                        due_date=d + timedelta(days=31),
                        net_minor=net,
                        tax_minor=(net * VAT_PERMILLE + 500) // 1000,
                        payment_date=None,
                    )
                    self._count_trade(t)
                    yield t
                    prev = t
        # Self-financing: the seller invoices its sister company and factors the receivable.
        if m in (last - 4, last - 2):
            for seller, buyer in self.self_pairs:
                on = self._date_in(rng, m)
                st = self._trade(rng, seller, buyer, "CNY", 60, on, scale=3.0, late_mean=0, lag=3)
                if st is None:
                    continue
                yield st
                if m == last - 2 or rng.random() < 0.5:
                    f = InvoiceFinance(
                        self._key("i"),
                        st.key,
                        self._pick(rng, self.factors or self.funders),
                        st.invoice_date + timedelta(days=3),
                        fraud=SELF_FINANCING,
                    )
                    yield f
                    yield Label(SELF_FINANCING, f.key, f"{seller} -> {buyer}")
        # Stand-alone shells sell a little in their last months.
        if m >= last - 2:
            for shell, buyer in self.shells:
                b = self.orgs[buyer]
                sh = self._trade(
                    rng, shell, buyer, b.currency, 30, self._date_in(rng, m), scale=0.5
                )
                if sh is not None:
                    yield sh
        # Legitimate toll processing: a core sends materials out and buys the parts back.
        if m % 3 == 1:
            for seller, buyer, cur, _r, term in self.links[: self._count(6)]:
                if self.orgs[buyer].tier != 0 or cur != "CNY" or self._gone(seller, m):
                    continue
                on = self._date_in(rng, m)
                out = self._trade(rng, buyer, seller, cur, 30, on, lag=2)
                if out is None:
                    continue
                yield out
                up = 1000 + int(rng.integers(100, 700))
                lines = tuple(
                    Line(x.item, x.quantity, x.unit_price_minor * up // 1000) for x in out.lines
                )
                net = sum(x.quantity * x.unit_price_minor for x in lines)
                d = out.invoice_date + timedelta(days=int(rng.integers(8, 25)))
                if d + timedelta(days=4) > self.end:
                    continue
                back = Trade(
                    key=self._key("t"),
                    seller=seller,
                    buyer=buyer,
                    currency=cur,
                    order_no=self._order_no(),
                    order_date=d - timedelta(days=2),
                    lines=lines,
                    delivery_date=d,
                    receipt_date=d + timedelta(days=1),
                    invoice_no=self._invoice_no(),
                    invoice_date=d + timedelta(days=2),
                    due_date=d + timedelta(days=term),
                    net_minor=net,
                    tax_minor=(net * VAT_PERMILLE + 500) // 1000,
                    payment_date=None,
                )
                self._count_trade(back)
                yield back

    def _goods_month(self, rng: np.random.Generator, m: int) -> Iterator[Record]:
        """Warehouse receipts (gold in Luohu, bonded fuel in Yantian) and pledges on them."""
        if not self.warehouses or m % 2:
            return
        holders = [
            k
            for k, o in self.orgs.items()
            if o.chains
            and o.chains[0] in ("gold_jewelry", "bonded_fuel", "port_logistics")
            and o.tier > 0
        ][:200]
        if not holders:
            return
        n = max(2, round(3 * max(1.0, self.size.fraud_rate / 4)))
        for _ in range(n):
            holder = self._pick(rng, holders)
            gold = self.orgs[holder].chains[0] == "gold_jewelry"
            wh = self.warehouses[1 % len(self.warehouses)] if gold else self.warehouses[0]
            self._rcpt += 1
            on = self._date_in(rng, m)
            qty = int(rng.integers(5, 50)) * (1000 if gold else 100)
            g = Goods(
                self._key("g"),
                wh,
                holder,
                "黄金" if gold else "保税燃料油",
                "Au99.99" if gold else "RMG380",
                "罗湖仓" if gold else "盐田保税仓",
                qty,
                "克" if gold else "吨",
                f"LOT{self._rcpt:06d}",
                f"WR{self._rcpt:06d}",
                on,
            )
            yield g
            unit_price = 55_000 if gold else 450_000
            amount = qty * unit_price * 6 // 10
            first = Pledge(
                self._key("k"),
                self._pick(rng, self.funders),
                holder,
                wh,
                g.receipt_no,
                qty // 2,
                amount // 2,
                on + timedelta(days=2),
            )
            if first.on > self.end:
                continue
            yield first
            r = rng.random()
            if r < 0.35:  # a legitimate second pledge of the other half
                yield Pledge(
                    self._key("k"),
                    self._pick(rng, self.funders),
                    holder,
                    wh,
                    g.receipt_no,
                    qty - qty // 2,
                    amount // 2,
                    first.on,
                )
            elif r < 0.6:  # over-pledge: the whole lot again at another bank
                p = Pledge(
                    self._key("k"),
                    self._pick(rng, self.funders),
                    holder,
                    wh,
                    g.receipt_no,
                    qty,
                    amount,
                    first.on,
                    fraud=EMPTY_RECEIPT,
                )
                yield p
                yield Label(EMPTY_RECEIPT, p.key, "over-pledged")
            elif r < 0.8:  # empty: a receipt no warehouse ever issued
                self._rcpt += 1
                p = Pledge(
                    self._key("k"),
                    self._pick(rng, self.funders),
                    holder,
                    wh,
                    f"WR{self._rcpt:06d}",
                    qty,
                    amount,
                    first.on,
                    fraud=EMPTY_RECEIPT,
                )
                yield p
                yield Label(EMPTY_RECEIPT, p.key, "empty receipt")

    def closing(self) -> Iterator[Record]:
        """The population-level labels and the defaults of the year."""
        yield from self.special
        rng = self.rng(3)
        for key in sorted(self.default_month):
            first = month_start(self.default_month[key])
            days = _cal.monthrange(first.year, first.month)[1]
            yield Default(key, first + timedelta(days=int(rng.integers(days))))

    def stream(self) -> Iterator[Record]:
        yield from self.population()
        yield from self.months()
        yield from self.closing()


def generate(size: str | Size, seed: int, *, keep_stats: bool = False) -> Iterator[Record]:
    """Yield a synthetic data set lazily; the same (size, seed) always gives the same records."""
    return Generator(size, seed, keep_stats=keep_stats).stream()


@dataclass
class SimData:
    """A generated set held in memory (tiny and small sizes)."""

    size: Size
    seed: int
    end: date
    records: list[Record]
    generator: Generator

    def of(self, cls: type[Any]) -> list[Any]:
        return [r for r in self.records if isinstance(r, cls)]


def build(size: str | Size, seed: int, *, progress: bool = False) -> SimData:
    """Generate a whole set into memory, with a progress bar when asked."""
    gen = Generator(size, seed, keep_stats=True)
    records: list[Record] = []
    if progress:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task(f"generating {gen.size.name} (seed {seed})", total=None)
            for r in gen.stream():
                records.append(r)
                if len(records) % 500 == 0:
                    bar.update(task, completed=len(records))
    else:
        records = list(gen.stream())
    return SimData(gen.size, gen.seed, gen.end, records, gen)
