"""Records of a synthetic Shenzhen supply chain, and the sizes it comes in.

Every amount is integer minor units of the record's currency; every date is a plain date
(the loader turns the simulated day into a UTC timestamp). Records are small frozen
dataclasses so that the large size can stream them without keeping any.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

# Fraud types the generator injects and the evaluation scores, in report order.
DUPLICATE_FINANCING: Final = "duplicate_financing"
FICTITIOUS_INVOICE: Final = "fictitious_invoice"
NEAR_DUPLICATE: Final = "near_duplicate_invoice"
CIRCULAR_TRADE: Final = "circular_trade"
EMPTY_RECEIPT: Final = "empty_or_over_pledged_receipt"
SELF_FINANCING: Final = "self_financing"
SHELL_COMPANY: Final = "shell_company"
FRAUD_TYPES: Final = (
    DUPLICATE_FINANCING,
    FICTITIOUS_INVOICE,
    NEAR_DUPLICATE,
    CIRCULAR_TRADE,
    EMPTY_RECEIPT,
    SELF_FINANCING,
    SHELL_COMPANY,
)


@dataclass(frozen=True)
class Size:
    """How big a generated set is."""

    name: str
    suppliers: int  # SMEs over all tiers
    cores: int
    distributors: int
    banks: int
    factors: int
    insurers: int
    warehouses: int
    logistics: int
    orders_per_link_month: float  # mean orders a supplier relationship places a month
    months: int = 12
    fraud_rate: float = 1.0  # scales the number of injected frauds


SIZES: Final[dict[str, Size]] = {
    "tiny": Size("tiny", 24, 4, 2, 3, 2, 1, 2, 2, 0.25, fraud_rate=0.5),
    "small": Size("small", 200, 10, 16, 5, 3, 2, 2, 3, 0.48),
    "large": Size("large", 96_000, 400, 3_000, 60, 40, 20, 240, 240, 1.75, fraud_rate=100.0),
}


def size_of(size: str | Size) -> Size:
    """Return the size named, or the size given."""
    if isinstance(size, Size):
        return size
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; use one of {', '.join(SIZES)}")
    return SIZES[size]


@dataclass(frozen=True, slots=True)
class Org:
    key: str
    uscc: str
    name: str
    district: str
    roles: tuple[str, ...]
    size_class: str
    chains: tuple[str, ...]
    founded_on: date
    capital_minor: int  # CNY
    address: str
    phone: str
    licence_no: str | None = None
    tier: int = -1  # 0 core, 1..4 supplier tiers, -1 not in a supply tree
    currency: str = "CNY"


@dataclass(frozen=True, slots=True)
class Person:
    key: str
    id_number: str  # resident identity number with a valid check digit
    name: str


@dataclass(frozen=True, slots=True)
class Holding:
    org: str
    share: str  # decimal fraction as a string, e.g. "0.60"
    holder_org: str | None = None
    person: str | None = None


@dataclass(frozen=True, slots=True)
class KeyPerson:
    org: str
    person: str
    role: str


@dataclass(frozen=True, slots=True)
class Line:
    item: str
    quantity: int
    unit_price_minor: int


@dataclass(frozen=True, slots=True)
class Trade:
    """One order and what followed it: delivery, receipt, invoice, payment (each optional)."""

    key: str
    seller: str
    buyer: str
    currency: str
    order_no: str | None  # None: an invoice with no order behind it
    order_date: date
    lines: tuple[Line, ...]
    delivery_date: date | None
    receipt_date: date | None
    invoice_no: str
    invoice_date: date
    due_date: date
    net_minor: int
    tax_minor: int
    payment_date: date | None
    confirmed: bool = True  # the buyer confirms the receivable
    order_by_seller: bool = False  # the seller filed the order itself
    new_order: bool = True  # False: a re-issued invoice on an order already on file
    fraud: str | None = None

    @property
    def total_minor(self) -> int:
        return self.net_minor + self.tax_minor

    def documents(self) -> int:
        return (
            (self.order_no is not None and self.new_order)
            + (self.delivery_date is not None)
            + (self.receipt_date is not None)
            + 1
            + (self.payment_date is not None)
        )


@dataclass(frozen=True, slots=True)
class CreditLine:
    key: str
    funder: str
    core: str
    currency: str
    limit_minor: int
    on: date
    expires_on: date


@dataclass(frozen=True, slots=True)
class CertIssue:
    key: str
    line: str
    core: str
    supplier: str
    trade: str  # the confirmed receivable it pays
    face_minor: int
    currency: str
    on: date
    maturity_on: date


@dataclass(frozen=True, slots=True)
class CertTransfer:
    key: str
    cert: str
    holder: str
    to: str
    trade: str  # the receivable the holder owes the recipient (trade background)
    amount_minor: int
    on: date


@dataclass(frozen=True, slots=True)
class CertFinance:
    key: str
    cert: str
    holder: str
    funder: str
    rate: str  # annual discount rate, decimal string
    on: date


@dataclass(frozen=True, slots=True)
class InvoiceFinance:
    """A funder takes an assignment of an invoice receivable (factoring)."""

    key: str
    trade: str
    funder: str
    on: date
    fraud: str | None = None


@dataclass(frozen=True, slots=True)
class DiscountBid:
    """A supplier bids an annualized discount to be paid one of its receivables early."""

    supplier: str
    trade: str  # the confirmed receivable from the programme's buyer
    rate: str  # annual discount rate, decimal string


@dataclass(frozen=True, slots=True)
class DiscountProgram:
    """Dynamic discounting: a core enterprise offers its own cash to pay suppliers early on
    `pay_on`, clearing the bids at or above its hurdle rate that earn it the most."""

    key: str
    buyer: str
    currency: str
    cash_minor: int
    hurdle_rate: str  # annual, decimal string
    pay_on: date
    on: date
    bids: tuple[DiscountBid, ...]


@dataclass(frozen=True, slots=True)
class Bill:
    """A core enterprise pays a supplier's invoice with a commercial acceptance bill it draws
    on itself and accepts (a splittable supply chain bill, at most six months); the supplier
    discounts it at `funder` on `discount_on`, or keeps it (`funder` None)."""

    key: str
    acceptor: str
    holder: str
    trade: str
    package_no: str
    face_minor: int
    on: date  # issued
    due_on: date
    funder: str | None = None
    discount_on: date | None = None


@dataclass(frozen=True, slots=True)
class Goods:
    key: str
    warehouse: str
    holder: str
    commodity: str
    grade: str
    location: str
    quantity: int
    unit: str
    lot: str
    receipt_no: str
    on: date


@dataclass(frozen=True, slots=True)
class Pledge:
    key: str
    funder: str
    grantor: str
    warehouse: str
    receipt_no: str
    quantity: int | None
    amount_minor: int
    on: date
    fraud: str | None = None


@dataclass(frozen=True, slots=True)
class Default:
    org: str
    on: date


@dataclass(frozen=True, slots=True)
class Label:
    """Ground truth: `subject` (a trade, financing, pledge or org key) is fraud of `kind`."""

    kind: str
    subject: str
    detail: str = ""


Record = (
    Org
    | Person
    | Holding
    | KeyPerson
    | Trade
    | CreditLine
    | CertIssue
    | CertTransfer
    | CertFinance
    | InvoiceFinance
    | DiscountProgram
    | Bill
    | Goods
    | Pledge
    | Default
    | Label
)
