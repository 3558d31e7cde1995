"""The records of an adversarial world, the labelled cases planted in it, and the builder the
family modules share.

A world is small and explicit: firms, who holds them and who runs them, invoices (with the
buyer's confirmation), factoring applications, warehouse confirmations and pledges. Each
planted fraud or legitimate look-alike is a `Case`: the firms it uses (no firm serves two
cases, so whatever a detector says about those firms belongs to that case), the record that
is put to the platform's decision (a financing or a pledge) where there is one, the family's
parameters and the band each parameter falls in. Amounts are integer minor units of CNY and
per-hop margins integer basis points: nothing here is a float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

import numpy as np

from scf.parties.model import make_uscc

# The families, in report order.
CIRCULAR: Final = "circular_trade"
RETURNING: Final = "returning_funds"
NEAR_DUPLICATE: Final = "near_duplicate_invoice"
RELATED: Final = "related_party"
GOODS: Final = "goods_identity"
SHELL: Final = "shell_company"
FAMILIES: Final = (CIRCULAR, RETURNING, NEAR_DUPLICATE, RELATED, GOODS, SHELL)

END: Final = date(2025, 12, 31)  # the day the detectors look at the world
START: Final = END - timedelta(days=400)  # the first trade day (room for a year-long ring)
VAT_PERCENT: Final = 13
AREA_CODES: Final = {"nanshan": "440305", "futian": "440304", "baoan": "440306"}


@dataclass(frozen=True)
class AdvSize:
    """How many cases of each family a world holds: `planted` frauds and `lookalikes`."""

    name: str
    planted: int
    lookalikes: int
    fan_suppliers: int  # the core enterprise's suppliers in the fan-in look-alike


ADV_SIZES: Final[dict[str, AdvSize]] = {
    "tiny": AdvSize("tiny", 4, 2, 12),
    "small": AdvSize("small", 24, 12, 100),
    "large": AdvSize("large", 96, 48, 300),
}


def adv_size(name: str) -> AdvSize:
    if name not in ADV_SIZES:
        raise ValueError(f"unknown size {name!r}; use one of {', '.join(ADV_SIZES)}")
    return ADV_SIZES[name]


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Firm:
    key: str
    uscc: str
    name: str
    district: str
    roles: tuple[str, ...]
    founded_on: date
    capital_minor: int
    address: str
    phone: str
    size_class: str = "small"
    bank_account: str = ""  # the settlement account, filed with the firm


@dataclass(frozen=True)
class Share:
    """`holder_org` (or the person `person_id`) holds `share` of `org`."""

    org: str
    share: str
    holder_org: str | None = None
    person_id: str | None = None
    person_name: str = ""


@dataclass(frozen=True)
class Officer:
    org: str
    person_id: str
    person_name: str
    role: str = "legal_representative"


@dataclass(frozen=True)
class Invoice:
    key: str
    seller: str
    buyer: str
    number: str
    on: date
    net_minor: int
    item: str = "货物"
    quantity: int = 1
    order_no: str | None = None
    tax_minor: int | None = None  # None: VAT at 13% of the net
    due_days: int = 180
    confirmed: bool = True  # the buyer files it as its payable
    shipped: bool = False  # a delivery note and a goods receipt for its quantity are filed

    @property
    def tax(self) -> int:
        return self.net_minor * VAT_PERCENT // 100 if self.tax_minor is None else self.tax_minor

    @property
    def total_minor(self) -> int:
        return self.net_minor + self.tax


@dataclass(frozen=True)
class Order:
    """A purchase order the buyer files: one line of `quantity` at `unit_price_minor`."""

    key: str
    seller: str
    buyer: str
    number: str
    on: date
    item: str
    quantity: int
    unit_price_minor: int


@dataclass(frozen=True)
class Factoring:
    """The invoice's seller applies to factor its receivable at `funder` on day `on`."""

    key: str
    invoice: str
    funder: str
    on: date
    percent: int = 80


@dataclass(frozen=True)
class Confirmation:
    """A warehouse confirms it holds goods for a holder, under a receipt number."""

    key: str
    warehouse: str
    holder: str
    commodity: str
    grade: str
    unit: str
    lot: str
    quantity: int
    receipt_no: str
    on: date


@dataclass(frozen=True)
class PledgeAsk:
    """The holder asks `funder` for a pledge loan on (part of) a warehouse receipt."""

    key: str
    warehouse: str
    receipt_no: str
    grantor: str
    funder: str
    quantity: int
    amount_minor: int
    on: date


Record = Firm | Share | Officer | Order | Invoice | Factoring | Confirmation | PledgeAsk


@dataclass
class Case:
    """One planted fraud (`planted`) or legitimate look-alike, with its parameters and bands."""

    key: str
    family: str
    planted: bool
    variant: str
    firms: tuple[str, ...]
    params: dict[str, Any]
    bands: dict[str, str]
    decisions: tuple[str, ...] = ()  # keys of the financings/pledges/confirmations put to test
    subject: str | None = None  # the firm the detector should name (shells), else any


@dataclass
class World:
    seed: int
    size: AdvSize
    records: list[Record] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    funders: tuple[str, ...] = ()
    warehouses: tuple[str, ...] = ()
    commodities: tuple[tuple[str, str, str], ...] = ()  # (name, unit, CNY price)

    def of(self, kind: type) -> list[Any]:
        return [r for r in self.records if isinstance(r, kind)]

    def case(self, key: str) -> Case:
        return next(c for c in self.cases if c.key == key)


def band(value: int, bands: tuple[tuple[int, int], ...], unit: str = "") -> str:
    """Name the band (inclusive `lo`-`hi` pairs, ascending) that `value` falls in."""
    for lo, hi in bands:
        if lo <= value <= hi:
            return f"{lo}-{hi}{unit}"
    raise ValueError(f"{value} is outside the bands {bands}")


def sweep(rng: np.random.Generator, n: int, bands: tuple[tuple[int, int], ...]) -> list[int]:
    """`n` values spread over every band in turn (shuffled), each drawn inside its band."""
    order = rng.permutation(np.arange(n) % len(bands))
    return [int(rng.integers(bands[i][0], bands[i][1] + 1)) for i in order.tolist()]


# ---------------------------------------------------------------- the builder


class Builder:
    """Allocates keys, USCCs, firms and documents; one seeded random stream per family."""

    def __init__(self, seed: int, size: AdvSize) -> None:
        self.world = World(seed, size)
        self._n = 0
        self._cases = 0
        self._person = 0
        self.rng = np.random.default_rng([seed, 0])

    def stream(self, family: str) -> np.random.Generator:
        """The random stream of a family: the same seed gives the same family whatever else
        the world holds."""
        self.rng = np.random.default_rng([self.world.seed, FAMILIES.index(family) + 1])
        return self.rng

    def key(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n:06d}"

    def uscc(self, district: str) -> str:
        body = f"91{AREA_CODES[district]}{(self._n * 104_729 + 7_919) % 1_000_000_000:09d}"
        return make_uscc(body)

    def person(self) -> tuple[str, str]:
        """A person's identity number (a made-up, well-formed resident id) and name."""
        from stdnum.cn import ric

        self._person += 1
        born = date(1960, 1, 1) + timedelta(days=self._person * 97 % (365 * 35))
        body = f"440300{born:%Y%m%d}{self._person % 1000:03d}"
        return body + ric.calc_check_digit(body + "0"), f"人员{self._person:05d}"

    def firm(
        self,
        label: str,
        *,
        founded_on: date | None = None,
        capital_cny: int = 5_000_000,
        address: str | None = None,
        phone: str | None = None,
        roles: tuple[str, ...] = ("supplier",),
        size_class: str = "small",
        bank_account: str = "",
    ) -> str:
        key = self.key("F")
        district = ("nanshan", "futian", "baoan")[self._n % 3]
        founded = founded_on or START - timedelta(days=int(self.rng.integers(800, 5000)))
        self.world.records.append(
            Firm(
                key=key,
                uscc=self.uscc(district),
                name=f"深圳市{label}{key[1:]}有限公司",
                district=district,
                roles=roles,
                founded_on=founded,
                capital_minor=capital_cny * 100,
                address=address or f"深圳市{district}区{key[1:]}路{self._n % 97 + 1}号",
                phone=phone or f"0755{(self._n * 7_919) % 100_000_000:08d}",
                size_class=size_class,
                bank_account=bank_account or f"6222{self._n:012d}",
            )
        )
        return key

    def firms(self, label: str, n: int, **kw: Any) -> list[str]:
        return [self.firm(label, **kw) for _ in range(n)]

    def invoice(self, seller: str, buyer: str, on: date, net_minor: int, **kw: Any) -> Invoice:
        key = self.key("I")
        number = kw.pop("number", None) or invoice_number(int(key[1:]) * 37)
        inv = Invoice(key, seller, buyer, number, on, net_minor, **kw)
        self.world.records.append(inv)
        return inv

    def ordered(
        self, seller: str, buyer: str, on: date, pieces: int, price: int, item: str
    ) -> Order:
        """A purchase order the buyer files `on` that day."""
        key = self.key("O")
        order = Order(key, seller, buyer, f"PO{key[1:]}", on, item, pieces, price)
        self.add(order)
        return order

    def backed(
        self, seller: str, buyer: str, on: date, net_minor: int, item: str = "货物", **kw: Any
    ) -> Invoice:
        """An invoice with its whole trade background: the buyer's order for it, a delivery
        note and the buyer's goods receipt (so only what a case plants is odd about it)."""
        pieces = int(self.rng.integers(10, 1_000))
        price = max(net_minor // pieces, 1)
        order = self.ordered(seller, buyer, on, pieces, price, item)
        return self.invoice(
            seller,
            buyer,
            on,
            pieces * price,
            item=item,
            quantity=pieces,
            order_no=order.number,
            shipped=True,
            **kw,
        )

    def factoring(self, invoice: Invoice, funder: str, on: date | None = None) -> str:
        key = self.key("A")
        self.world.records.append(Factoring(key, invoice.key, funder, on or invoice.on))
        return key

    def add(self, *records: Record) -> None:
        self.world.records.extend(records)

    def case(
        self,
        family: str,
        planted: bool,
        variant: str,
        firms: list[str] | tuple[str, ...],
        params: dict[str, Any],
        bands: dict[str, str],
        decisions: tuple[str, ...] = (),
        subject: str | None = None,
    ) -> Case:
        self._cases += 1
        c = Case(
            f"{family}:{self._cases:04d}",
            family,
            planted,
            variant,
            tuple(firms),
            params,
            {"variant": variant, **bands},
            decisions,
            subject,
        )
        self.world.cases.append(c)
        return c

    def day(self, lo: int = 0, hi: int | None = None) -> date:
        """A trade day between START + lo and END - (hi or 0) days."""
        span = (END - START).days - (hi or 0)
        return START + timedelta(days=int(self.rng.integers(lo, max(span, lo + 1))))

    def amount(self, lo_cny: int = 200_000, hi_cny: int = 5_000_000) -> int:
        return int(self.rng.integers(lo_cny, hi_cny)) * 100


def invoice_number(n: int) -> str:
    """A fully digitalized e-invoice number (20 digits) of sequence `n`."""
    return f"25447000{n % 10**12:012d}"


def less(minor: int, bp: int) -> int:
    """`minor` less `bp` basis points, in whole minor units."""
    return minor * (10_000 - bp) // 10_000
