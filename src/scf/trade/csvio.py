"""CSV templates and readers, one per document type; every bad row is reported with its line."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

from scf.core.errors import ErrorCollector, InvalidInput
from scf.trade.service import (
    InvoiceInput,
    LineInput,
    OrderInput,
    PaymentInput,
    ShipmentInput,
    ShipmentLineInput,
)

# The documented templates: column, meaning. Amounts are decimal strings ("1234.56").
TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "invoices": [
        ("kind", "invoice or credit_note"),
        ("number", "20-digit fully digitalized e-invoice number, or 8 digits with invoice_code"),
        ("invoice_code", "10 or 12 digits for older VAT invoices; empty otherwise"),
        ("seller_uscc", "seller's unified social credit code"),
        ("buyer_uscc", "buyer's unified social credit code"),
        ("issue_date", "YYYY-MM-DD"),
        ("due_date", "YYYY-MM-DD (empty: 30 days after issue)"),
        ("currency", "CNY, HKD, USD ..."),
        ("amount_without_tax", "decimal"),
        ("tax", "decimal"),
        ("total", "decimal = amount_without_tax + tax"),
        ("order_number", "purchase order or contract number (optional)"),
        ("credited_number", "for a credit note: the invoice it reduces"),
    ],
    "orders": [
        ("kind", "purchase_order or contract"),
        ("number", "order number; one row per line, rows of one order share it"),
        ("seller_uscc", "seller's USCC"),
        ("buyer_uscc", "buyer's USCC"),
        ("issue_date", "YYYY-MM-DD"),
        ("currency", "CNY, HKD, USD ..."),
        ("line_no", "order line number"),
        ("item", "item description"),
        ("quantity", "decimal > 0"),
        ("unit_price", "decimal >= 0"),
    ],
    "shipments": [
        ("kind", "delivery or receipt"),
        ("number", "delivery note, waybill or receipt number; one row per line"),
        ("order_number", "the order shipped against"),
        ("seller_uscc", "seller's USCC"),
        ("buyer_uscc", "buyer's USCC"),
        ("on_date", "YYYY-MM-DD"),
        ("order_line_no", "order line shipped"),
        ("quantity", "decimal > 0"),
    ],
    "payments": [
        ("reference", "bank reference, unique per payee"),
        ("payer_uscc", "payer's USCC (optional)"),
        ("amount", "decimal > 0"),
        ("currency", "CNY, HKD, USD ..."),
        ("value_date", "YYYY-MM-DD"),
        ("invoice_number", "invoice paid (optional; else found from the remittance)"),
        ("remittance", "remittance information"),
    ],
}


def template_header(kind: str) -> str:
    return ",".join(c for c, _ in TEMPLATES[kind]) + "\n"


def _date(
    value: str, field: str, errors: ErrorCollector, line: int, required: bool = True
) -> date | None:
    value = (value or "").strip()
    if not value:
        if required:
            errors.add(field, "is required", line)
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.add(field, f"{value!r} is not a date (YYYY-MM-DD)", line)
        return None


def _rows(text: str, kind: str) -> list[tuple[int, dict[str, str]]]:
    if kind not in TEMPLATES:
        raise InvalidInput(
            f"no CSV template {kind!r}; use one of {sorted(TEMPLATES)}", field="kind"
        )
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    need = {c for c, _ in TEMPLATES[kind]}
    have = set(reader.fieldnames or [])
    missing = sorted(need - have)
    if missing:
        raise InvalidInput(
            f"the header lacks columns {missing}; see the {kind} template", field="header"
        )
    return [
        (n, {k: (v or "").strip() for k, v in row.items() if k})
        for n, row in enumerate(reader, start=2)
    ]


def _int(value: str, field: str, errors: ErrorCollector, line: int) -> int | None:
    if not value.isdigit():
        errors.add(field, f"{value!r} is not a whole number", line)
        return None
    return int(value)


def parse_invoices(text: str) -> tuple[list[InvoiceInput], ErrorCollector]:
    errors = ErrorCollector()
    out = []
    for n, r in _rows(text, "invoices"):
        issue = _date(r["issue_date"], "issue_date", errors, n)
        due = _date(r["due_date"], "due_date", errors, n, required=False)
        if issue is None:
            continue
        out.append(
            InvoiceInput(
                kind=r["kind"] or "invoice",
                number=r["number"],
                invoice_code=r["invoice_code"] or None,
                seller_uscc=r["seller_uscc"],
                buyer_uscc=r["buyer_uscc"],
                issue_date=issue,
                due_date=due,
                currency=r["currency"],
                amount_without_tax=r["amount_without_tax"],
                tax=r["tax"],
                total=r["total"],
                order_number=r["order_number"] or None,
                credited_number=r["credited_number"] or None,
                source="csv",
                line=n,
            )
        )
    return out, errors


def parse_orders(text: str) -> tuple[list[OrderInput], ErrorCollector]:
    errors = ErrorCollector()
    orders: dict[tuple[str, str, str, str], OrderInput] = {}
    for n, r in _rows(text, "orders"):
        issue = _date(r["issue_date"], "issue_date", errors, n)
        no = _int(r["line_no"], "line_no", errors, n)
        if issue is None or no is None:
            continue
        key = (r["kind"], r["number"], r["seller_uscc"], r["buyer_uscc"])
        if key not in orders:
            orders[key] = OrderInput(
                kind=r["kind"] or "purchase_order",
                number=r["number"],
                seller_uscc=r["seller_uscc"],
                buyer_uscc=r["buyer_uscc"],
                issue_date=issue,
                currency=r["currency"],
                lines=[],
                line=n,
            )
        lines = orders[key].lines
        assert isinstance(lines, list)
        lines.append(LineInput(r["item"], r["quantity"], r["unit_price"], no))
    return list(orders.values()), errors


def parse_shipments(text: str) -> tuple[list[ShipmentInput], ErrorCollector]:
    errors = ErrorCollector()
    out: dict[tuple[str, str, str], ShipmentInput] = {}
    for n, r in _rows(text, "shipments"):
        d = _date(r["on_date"], "on_date", errors, n)
        no = _int(r["order_line_no"], "order_line_no", errors, n)
        if d is None or no is None:
            continue
        key = (r["kind"], r["number"], r["order_number"])
        if key not in out:
            out[key] = ShipmentInput(
                kind=r["kind"],
                number=r["number"],
                order_number=r["order_number"],
                seller_uscc=r["seller_uscc"],
                buyer_uscc=r["buyer_uscc"],
                on_date=d,
                lines=[],
                line=n,
            )
        lines = out[key].lines
        assert isinstance(lines, list)
        lines.append(ShipmentLineInput(no, r["quantity"]))
    return list(out.values()), errors


def parse_payments(text: str) -> tuple[list[PaymentInput], ErrorCollector]:
    errors = ErrorCollector()
    out = []
    for n, r in _rows(text, "payments"):
        d = _date(r["value_date"], "value_date", errors, n)
        if d is None:
            continue
        out.append(
            PaymentInput(
                amount=r["amount"],
                currency=r["currency"],
                value_date=d,
                reference=r["reference"],
                remittance=r["remittance"],
                payer_uscc=r["payer_uscc"] or None,
                invoice_number=r["invoice_number"] or None,
                source="csv",
                line=n,
            )
        )
    return out, errors


PARSERS: dict[str, Callable[[str], tuple[list[Any], ErrorCollector]]] = {
    "invoices": parse_invoices,
    "orders": parse_orders,
    "shipments": parse_shipments,
    "payments": parse_payments,
}


def import_csv(uow: Any, kind: str, text: str) -> dict[str, Any]:
    """Parse a CSV of one document type and record it whole or not at all.

    Rows that cannot be read and rows the rules refuse are reported together, each with
    its line number, so a clerk fixes the file once.
    """
    from scf.trade import service

    if kind not in PARSERS:
        raise InvalidInput(f"no CSV template {kind!r}; use one of {sorted(PARSERS)}", field="kind")
    items, errors = PARSERS[kind](text)
    out: dict[str, Any] = {}
    try:
        if kind == "invoices":
            out = {"ids": service.record_invoices(uow, items, commit=False)}
        elif kind == "orders":
            out = {"ids": service.record_orders(uow, items, commit=False)}
        elif kind == "shipments":
            out = {"ids": service.record_shipments(uow, items, commit=False)}
        else:
            out = {"payments": service.record_payments(uow, items, commit=False)}
    except InvalidInput as exc:
        errors.errors.extend(exc.errors)
    if errors.errors:
        uow.rollback()
        errors.errors.sort(key=lambda e: e.line or 0)
        errors.raise_if_any("the CSV was refused")
    uow.commit()
    return out
