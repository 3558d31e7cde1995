"""Rules of the trade room: invoice numbers, fingerprints, matching tolerances and scoring."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import statistics
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from scf.core.errors import InvalidInput
from scf.core.money import Money


class DocKind(StrEnum):
    CONTRACT = "contract"
    PURCHASE_ORDER = "purchase_order"
    DELIVERY = "delivery"
    RECEIPT = "receipt"
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class FingerprintState(StrEnum):
    SUBMITTED = "submitted"
    REGISTERED = "registered"
    FINANCED = "financed"


STATE_RANK = {"submitted": 1, "registered": 2, "financed": 3}

REASON_CODES = (
    "NO_ORDER",
    "NO_DELIVERY",
    "NO_RECEIPT",
    "QUANTITY_MISMATCH",
    "AMOUNT_MISMATCH",
    "DATE_INCONSISTENT",
    "DUPLICATE_INVOICE",
    "NEAR_DUPLICATE_INVOICE",
    "INVOICE_CREDITED",
    "DEBTOR_NOT_CONFIRMED",
    "RELATED_PARTIES",
    "PRICE_OUTLIER",
    "SELLER_TOO_NEW",
)

# Points taken off 100 per reason; operators override them (SCF_TRADE_WEIGHTS as JSON).
DEFAULT_WEIGHTS: dict[str, int] = {
    "NO_ORDER": 20,
    "NO_DELIVERY": 20,
    "NO_RECEIPT": 15,
    "QUANTITY_MISMATCH": 15,
    "AMOUNT_MISMATCH": 15,
    "DATE_INCONSISTENT": 10,
    "DUPLICATE_INVOICE": 60,
    "NEAR_DUPLICATE_INVOICE": 30,
    "INVOICE_CREDITED": 10,
    "DEBTOR_NOT_CONFIRMED": 20,
    "RELATED_PARTIES": 25,
    "PRICE_OUTLIER": 10,
    "SELLER_TOO_NEW": 10,
}


@dataclass(frozen=True)
class Tolerances:
    """How far documents may differ and still match."""

    quantity_pct: Decimal = Decimal("0.02")
    price_pct: Decimal = Decimal("0.01")
    date_days: int = 3
    near_duplicate_pct: Decimal = Decimal("0.01")
    near_duplicate_days: int = 7
    seller_min_age_days: int = 365
    price_outlier_pct: Decimal = Decimal("0.30")


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "evidence": self.evidence}


@dataclass(frozen=True)
class Assessment:
    receivable_id: str
    score: int
    reasons: tuple[Reason, ...]
    summary: str

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def as_dict(self) -> dict[str, Any]:
        return {
            "receivable_id": self.receivable_id,
            "score": self.score,
            "reasons": [r.as_dict() for r in self.reasons],
            "summary": self.summary,
        }


def score(reasons: list[Reason], weights: dict[str, int]) -> int:
    return max(0, 100 - sum(weights.get(r.code, 0) for r in reasons))


def explain(score_value: int, reasons: list[Reason]) -> str:
    """Write the verdict the way a credit officer reads it."""
    if not reasons:
        return (
            f"Score {score_value}/100: order, delivery, receipt and invoice agree, the debtor "
            "confirmed the amount, and no duplicate or related-party signal was found."
        )
    worst = ", ".join(r.code for r in reasons)
    return f"Score {score_value}/100. Check before funding: {worst}. " + " ".join(
        r.message for r in reasons
    )


# ---------------------------------------------------------------- invoice numbers


def check_vat_invoice_number(number: str, code: str | None, field: str = "number") -> None:
    """A fully digitalized e-invoice has a 20-digit number; older ones a code plus 8 digits."""
    if code:
        if not (code.isdigit() and len(code) in (10, 12)):
            raise InvalidInput("an invoice code has 10 or 12 digits", field="invoice_code")
        if not (number.isdigit() and len(number) == 8):
            raise InvalidInput("with an invoice code the number has 8 digits", field=field)
    elif not (number.isdigit() and len(number) == 20):
        raise InvalidInput(
            "a fully digitalized e-invoice number has 20 digits "
            "(or give the older invoice_code with an 8-digit number)",
            field=field,
        )


_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def normalize_number(number: str) -> str:
    """Case, width, spaces and separators do not make a different invoice."""
    if number.isascii() and number.isalnum():
        # Plain ASCII letters and digits (nearly every number): NFKC leaves them as they are
        # and nothing is stripped, so upper-casing is the whole normalization.
        return number.upper()
    text = unicodedata.normalize("NFKC", number).upper()
    return _NOT_ALNUM.sub("", text)


def number_stem(number: str) -> str:
    """The number without a trailing re-issue suffix (-1, R, A, V2 ...)."""
    n = normalize_number(number)
    return re.sub(r"(R|A|B|V\d|REV\d*|\d)$", "", n) if len(n) > 4 else n


def fingerprint_payload(
    seller_uscc: str, buyer_uscc: str, number: str, issue_date: date, total: Money
) -> str:
    return "|".join(
        [
            normalize_number(seller_uscc),
            normalize_number(buyer_uscc),
            normalize_number(number),
            issue_date.isoformat(),
            total.currency,
            str(total.minor),
        ]
    )


def invoice_digest(
    seller_uscc: str, buyer_uscc: str, number: str, issue_date: date, total: Money
) -> str:
    """The public, unkeyed digest an institution computes itself: 'sha256:<hex>'."""
    payload = fingerprint_payload(seller_uscc, buyer_uscc, number, issue_date, total)
    return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()


def keyed_fingerprint(secret: str, digest: str) -> str:
    """HMAC the digest with the platform secret, so stored fingerprints reveal nothing."""
    if not digest.startswith("sha256:") or len(digest) != 71:
        raise InvalidInput("a digest looks like 'sha256:' plus 64 hex digits", field="digest")
    return hmac.digest(secret.encode(), digest.encode(), "sha256").hex()


def is_fingerprint(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{64}", value))


def near_duplicate(
    a_total: Money, b_total: Money, a_date: date, b_date: date, tol: Tolerances
) -> bool:
    """Same pair, total within 1% and dates within days (the numbers may differ)."""
    if a_total.currency != b_total.currency:
        return False
    if abs((a_date - b_date).days) > tol.near_duplicate_days:
        return False
    big = max(abs(a_total.minor), abs(b_total.minor), 1)
    return Decimal(abs(a_total.minor - b_total.minor)) / Decimal(big) <= tol.near_duplicate_pct


# ---------------------------------------------------------------- matching


@dataclass(frozen=True)
class OrderLine:
    line_no: int
    item: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class InvLine:
    line_no: int
    item: str
    quantity: Decimal
    unit_price: Decimal
    order_line_no: int | None


@dataclass(frozen=True)
class MatchResult:
    status: str  # matched, exceptions, no_order
    issues: tuple[Reason, ...]
    lines: tuple[dict[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "issues": [i.as_dict() for i in self.issues],
            "lines": list(self.lines),
        }


_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=4096)
def _key(item: str) -> str:
    # Cached: a batch match asks for the same few item names thousands of times.
    text = item if item.isascii() else unicodedata.normalize("NFKC", item)
    return _SPACES.sub(" ", text.strip().lower())


def match_lines(
    inv_lines: list[InvLine],
    order_lines: list[OrderLine],
    delivered: dict[int, Decimal],
    received: dict[int, Decimal],
    invoiced_before: dict[int, Decimal],
    tol: Tolerances,
) -> tuple[list[Reason], list[dict[str, Any]]]:
    """Match invoice lines to order lines, then check cumulative quantities and prices.

    Several invoices may bill one order (partial deliveries): the invoiced quantity so far
    plus this invoice may not exceed what was received (or delivered, when no receipt
    exists) by more than the quantity tolerance; the price may not differ from the order
    price by more than the price tolerance.
    """
    by_no = {ol.line_no: ol for ol in order_lines}
    by_item = {_key(ol.item): ol for ol in order_lines}
    issues: list[Reason] = []
    report: list[dict[str, Any]] = []
    for il in inv_lines:
        ol = by_no.get(il.order_line_no) if il.order_line_no is not None else None
        ol = ol or by_item.get(_key(il.item))
        if ol is None:
            issues.append(
                Reason(
                    "QUANTITY_MISMATCH",
                    f"Invoice line {il.line_no} ({il.item}) is on no line of the order.",
                    {"invoice_line": il.line_no, "item": il.item},
                )
            )
            report.append({"invoice_line": il.line_no, "order_line": None, "status": "unmatched"})
            continue
        base = received.get(ol.line_no)
        basis = "received"
        if base is None:
            base, basis = delivered.get(ol.line_no), "delivered"
        if base is None:
            base, basis = ol.quantity, "ordered"
        billed = invoiced_before.get(ol.line_no, Decimal(0)) + il.quantity
        limit = base * (1 + tol.quantity_pct)
        line_status = "matched"
        if billed > limit:
            line_status = "quantity"
            issues.append(
                Reason(
                    "QUANTITY_MISMATCH",
                    f"Line {il.line_no} ({il.item}) bills {billed} in total against {base} "
                    f"{basis}.",
                    {
                        "invoice_line": il.line_no,
                        "order_line": ol.line_no,
                        "billed_total": str(billed),
                        basis: str(base),
                        "tolerance": str(tol.quantity_pct),
                    },
                )
            )
        if ol.unit_price and abs(il.unit_price - ol.unit_price) > ol.unit_price * tol.price_pct:
            line_status = "price"
            issues.append(
                Reason(
                    "AMOUNT_MISMATCH",
                    f"Line {il.line_no} ({il.item}) is priced {il.unit_price} against "
                    f"{ol.unit_price} on the order.",
                    {
                        "invoice_line": il.line_no,
                        "order_line": ol.line_no,
                        "invoice_price": str(il.unit_price),
                        "order_price": str(ol.unit_price),
                        "tolerance": str(tol.price_pct),
                    },
                )
            )
        report.append(
            {
                "invoice_line": il.line_no,
                "order_line": ol.line_no,
                "status": line_status,
                "billed_total": str(billed),
                basis: str(base),
            }
        )
    return issues, report


def check_dates(
    order_date: date | None,
    delivery_dates: list[date],
    receipt_dates: list[date],
    invoice_date: date,
    due_date: date,
    tol: Tolerances,
) -> list[Reason]:
    """Documents must follow each other: order, delivery, receipt, invoice, due date."""
    out: list[Reason] = []
    slack = tol.date_days

    def bad(message: str, **evidence: Any) -> None:
        out.append(
            Reason(
                "DATE_INCONSISTENT",
                message,
                {k: v.isoformat() if isinstance(v, date) else v for k, v in evidence.items()},
            )
        )

    if due_date < invoice_date:
        bad("The due date is before the invoice date.", invoice_date=invoice_date, due=due_date)
    if order_date is not None:
        if invoice_date < order_date:
            bad("The invoice predates its order.", order_date=order_date, invoice=invoice_date)
        for d in delivery_dates:
            if d < order_date:
                bad("A delivery predates its order.", order_date=order_date, delivery=d)
    if delivery_dates and receipt_dates and min(receipt_dates) < min(delivery_dates):
        bad(
            "Goods were received before they were shipped.",
            delivery=min(delivery_dates),
            receipt=min(receipt_dates),
        )
    if delivery_dates and (min(delivery_dates) - invoice_date).days > slack:
        bad(
            f"The invoice is dated more than {slack} days before the first delivery.",
            invoice=invoice_date,
            delivery=min(delivery_dates),
        )
    return out


def price_outliers(
    lines: list[tuple[str, Decimal]], history: dict[str, list[Decimal]], tol: Tolerances
) -> list[Reason]:
    """Flag unit prices far from the pair's own history of the same item (median, 3+ points)."""
    out = []
    for item, price in lines:
        past = history.get(_key(item), [])
        if len(past) < 3:
            continue
        med = statistics.median(past)
        if med > 0 and abs(price - med) / med > tol.price_outlier_pct:
            out.append(
                Reason(
                    "PRICE_OUTLIER",
                    f"{item} is priced {price}, {((price - med) / med * 100):.0f}% away from "
                    f"the median {med} of {len(past)} earlier invoices between these parties.",
                    {
                        "item": item,
                        "price": str(price),
                        "median": str(med),
                        "history_size": len(past),
                    },
                )
            )
    return out


def item_key(item: str) -> str:
    return _key(item)


# Values the pages show that are not enums (see `scf.core.i18n`).
VOCABULARY: dict[str, tuple[str, ...]] = {
    # The reason codes of an authenticity assessment (`scf.trade.authenticity`).
    "trade.Reason": (
        "NO_ORDER",
        "NO_DELIVERY",
        "NO_RECEIPT",
        "DEBTOR_NOT_CONFIRMED",
        "AMOUNT_MISMATCH",
        "QUANTITY_MISMATCH",
        "PRICE_OUTLIER",
        "DATE_INCONSISTENT",
        "DUPLICATE_INVOICE",
        "NEAR_DUPLICATE_INVOICE",
        "INVOICE_CREDITED",
        "RELATED_PARTIES",
        "SELLER_TOO_NEW",
    ),
    # How much a finding of an e-invoice's validation weighs (`formats.official.Finding`).
    "trade.FindingFlag": ("fatal", "error", "warning"),
    # The CSV templates (`scf.trade.service.CSV_KINDS`).
    "trade.CsvKind": ("invoices", "orders", "shipments", "payments"),
    "trade.ReceivableStatus": (
        "open",
        "confirmed",
        "partially_used",
        "used",
        "financed",
        "disputed",
        "settled",
        "credited",
    ),
}
