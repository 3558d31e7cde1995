"""Documented answers of the trade API: what each route sends back, field by field.

The routes keep returning their own JSON; these models only describe it in the OpenAPI
document (`scf.core.schema.answers`), where the tests' DocumentedClient and the fuzzing
run check every real answer against them."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict

from scf.core.schema import Answer, MoneyOut


class TradeCsvTemplatesInvoiceColumnOut(Answer):
    amount_without_tax: str | None = None
    buyer_uscc: str | None = None
    credited_number: str | None = None
    currency: str | None = None
    due_date: str | None = None
    invoice_code: str | None = None
    issue_date: str | None = None
    kind: str | None = None
    number: str | None = None
    order_number: str | None = None
    seller_uscc: str | None = None
    tax: str | None = None
    total: str | None = None
    item: str | None = None
    line_no: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    amount: str | None = None
    invoice_number: str | None = None
    payer_uscc: str | None = None
    reference: str | None = None
    remittance: str | None = None
    value_date: str | None = None
    on_date: str | None = None
    order_line_no: str | None = None


class TradeCsvTemplatesInvoiceOut(Answer):
    columns: TradeCsvTemplatesInvoiceColumnOut
    header: str


class TradeCsvTemplatesOut(Answer):
    invoices: TradeCsvTemplatesInvoiceOut
    orders: TradeCsvTemplatesInvoiceOut
    payments: TradeCsvTemplatesInvoiceOut
    shipments: TradeCsvTemplatesInvoiceOut


class TradeReceivableOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "amount": {"amount": "150000.00", "currency": "CNY"},
                    "confirmed": {"amount": "150000.00", "currency": "CNY"},
                    "debtor_org_id": "org_01M914Y11TD7D0MB15RSJ76C33",
                    "due_date": "2025-06-01",
                    "fingerprints": ["553e93be59bddd22d03dde09fdefb832f4bcd9f4..."],
                    "id": "rcv_01M914Y1WB6M4M8FXTNPKRAAME",
                    "invoice_ids": ["inv_01M914Y1WBJ80KKQNCX0YE1J6H"],
                    "paid": None,
                    "seller_org_id": "org_01M914Y1N2J3X1BYYQBJ3J7KV3",
                    "status": "used",
                    "unused_confirmed": {"amount": "0.00", "currency": "CNY"},
                    "used": {"amount": "150000.00", "currency": "CNY"},
                }
            ]
        },
    )

    amount: MoneyOut
    confirmed: MoneyOut
    debtor_org_id: str
    due_date: date
    fingerprints: list[str]
    id: str
    invoice_ids: list[str]
    paid: MoneyOut | None
    seller_org_id: str
    status: str
    unused_confirmed: MoneyOut
    used: MoneyOut


class TradeListReceivablesOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "amount": {"amount": "1130.00", "currency": "CNY"},
                            "confirmed": {"amount": "0.00", "currency": "CNY"},
                            "debtor_org_id": "org_01M914ZPN7Y3EZ9NXRPGWRJ3VB",
                            "due_date": "2025-03-31",
                            "fingerprints": ["31170157a503af4ff6ed236a50b15daf6fd6fe90..."],
                            "id": "rcv_01M914ZQAE1QTE73VN5BV9R4S4",
                            "invoice_ids": ["inv_01M914ZQ9WDSGHPXNTJWV20FN4"],
                            "paid": None,
                            "seller_org_id": "org_01M914ZPQKJGC491PRQ1022TWK",
                            "status": "open",
                            "unused_confirmed": {"amount": "0.00", "currency": "CNY"},
                            "used": {"amount": "0.00", "currency": "CNY"},
                        }
                    ],
                    "limit": 50,
                    "offset": 0,
                    "total": 1,
                }
            ]
        },
    )

    items: list[TradeReceivableOut]
    limit: int
    offset: int
    total: int


class TradeAssessmentReasonOut(Answer):
    code: str
    evidence: dict[str, Any]  # OPEN
    message: str


class TradeAssessmentOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reasons": [
                        {
                            "code": "NO_ORDER",
                            "evidence": {"invoice": "24440000000000000042"},
                            "message": "No contract or purchase order backs the invoice.",
                        }
                    ],
                    "receivable_id": "rcv_01M914QX8T4W25ECNQB7JGVPSR",
                    "score": 60,
                    "summary": "Score 60/100. Check before funding: NO_O...",
                }
            ]
        },
    )

    reasons: list[TradeAssessmentReasonOut]
    receivable_id: str
    score: int
    summary: str


class TradeUploadCsvOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"ids": ["inv_01M914ZQFCK592BW965YEP20FH"]}]},
    )

    ids: list[str]


class TradeCheckOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "financed": False,
                    "fingerprint": "e11992d653d01f868dd3738ed02df6f3485599cc...",
                    "institutions": 0,
                    "known": True,
                    "on_platform": True,
                    "registered": False,
                    "submitted": True,
                }
            ]
        },
    )

    financed: bool
    fingerprint: str
    institutions: int
    known: bool
    on_platform: bool
    registered: bool
    submitted: bool


class TradeFileInvoicesOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"count": 2, "ids": ["inv_01M914ZQCJS8JFN2WJ94M2R1GF"]}]},
    )

    count: int
    ids: list[str]


class TradeFilePaymentsPaymentOut(Answer):
    amount: MoneyOut
    invoice_id: str
    matched: bool
    payment_id: str


class TradeFilePaymentsOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "payments": [
                        {
                            "amount": {"amount": "1130.00", "currency": "CNY"},
                            "invoice_id": "inv_01M914ZQ9WDSGHPXNTJWV20FN4",
                            "matched": True,
                            "payment_id": "pay_01M914ZQE8B36FYRTB0B2MCAGQ",
                        }
                    ]
                }
            ]
        },
    )

    payments: list[TradeFilePaymentsPaymentOut]
