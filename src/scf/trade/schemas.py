"""Documented answers of the trade API: what each route sends back, field by field.

The routes keep returning their own JSON; these models only describe it in the OpenAPI
document (`scf.core.schema.answers`), where the tests' DocumentedClient and the fuzzing
run check every real answer against them."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict, Field

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
    confirmed: MoneyOut = Field(description="the amount the debtor confirmed it owes")
    debtor_org_id: str
    due_date: date
    fingerprints: list[str] = Field(
        description="platform fingerprints of the invoices behind it (64 hex each)"
    )
    id: str
    invoice_ids: list[str]
    paid: MoneyOut | None
    seller_org_id: str
    status: str
    unused_confirmed: MoneyOut = Field(
        description="confirmed by the debtor and not yet used for financing"
    )
    used: MoneyOut = Field(
        description="the part of the confirmed amount already used for financing or certificates"
    )


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
    evidence: dict[str, Any] = Field(
        description="the figures behind the reason (an open object, per reason code)"
    )
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
    score: int = Field(description="0 to 100; 100 when nothing speaks against it")
    summary: str


class TradeIdsOut(Answer):
    """The ids of the documents recorded, in the order they were sent."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"ids": ["inv_01M914ZQFCK592BW965YEP20FH"]}]},
    )

    ids: list[str] = Field(description="one id per document sent (inv_, ord_, shp_ ...)")


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
    fingerprint: str = Field(description="the platform fingerprint of the invoice (64 hex)")
    institutions: int = Field(description="how many distinct institutions marked it (never which)")
    known: bool = Field(description="whether the platform has seen this fingerprint at all")
    on_platform: bool = Field(
        description="whether an invoice with this fingerprint was filed on the platform"
    )
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
    invoice_id: str | None = Field(description="the invoice it was matched to; null if none")
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


class TradeConfirmBatchOut(Answer):
    items: list[TradeReceivableOut] = Field(description="the confirmed receivables, in order")


class TradeInvoiceLineOut(Answer):
    line_no: int
    item: str
    quantity: str = Field(description="a decimal string")
    unit_price: str = Field(description="a decimal string, before tax")
    order_line_no: int | None = Field(description="the purchase order line it bills, if named")


class TradeInvoicePayeeOut(Answer):
    name: str | None
    id: str | None = Field(description="the payee's identifier as the invoice gives it")


class TradeInvoiceOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "inv_01M914ZQ9WDSGHPXNTJWV20FN4",
                    "kind": "invoice",
                    "number": "24440000000000000042",
                    "invoice_code": None,
                    "seller_org_id": "org_01M914ZQ9WDSGHPXNTJWV20FN5",
                    "buyer_org_id": "org_01M914ZQ9WDSGHPXNTJWV20FN6",
                    "seller_uscc": "91440300000000211X",
                    "buyer_uscc": "91440300000000212Y",
                    "issue_date": "2025-03-01",
                    "due_date": "2025-06-01",
                    "amount_without_tax": {"amount": "1000.00", "currency": "CNY"},
                    "tax": {"amount": "130.00", "currency": "CNY"},
                    "total": {"amount": "1130.00", "currency": "CNY"},
                    "payable": {"amount": "1130.00", "currency": "CNY"},
                    "order_number": None,
                    "credited_invoice_id": None,
                    "payee": None,
                    "source": "api",
                    "fingerprint": "e11992d653d01f868dd3738ed02df6f3485599cc50f2d1ec2882a0300d9211a2",  # noqa: E501
                    "lines": [
                        {
                            "line_no": 1,
                            "item": "battery cells",
                            "quantity": "10",
                            "unit_price": "100.00",
                            "order_line_no": None,
                        }
                    ],
                }
            ]
        },
    )

    id: str
    kind: str = Field(description="invoice or credit_note")
    number: str
    invoice_code: str | None = Field(description="the VAT invoice code of a paper-era fapiao")
    seller_org_id: str
    buyer_org_id: str
    seller_uscc: str
    buyer_uscc: str
    issue_date: date
    due_date: date
    amount_without_tax: MoneyOut
    tax: MoneyOut
    total: MoneyOut
    payable: MoneyOut = Field(description="what is still to pay after credit notes")
    order_number: str | None
    credited_invoice_id: str | None = Field(description="for a credit note, the invoice it credits")
    payee: TradeInvoicePayeeOut | None = Field(description="a payee other than the seller, if any")
    source: str = Field(description="how it arrived: api, csv, ubl, cii, ...")
    fingerprint: str = Field(description="the platform fingerprint of the invoice (64 hex)")
    lines: list[TradeInvoiceLineOut]


class TradeMatchOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "status": "matched",
                    "issues": [
                        {
                            "code": "NO_ORDER",
                            "message": "No contract or purchase order backs the invoice.",
                            "evidence": {"invoice": "24440000000000000042"},
                        }
                    ],
                    "lines": [],
                }
            ]
        },
    )

    status: str = Field(
        description="how far the documents agree (matched, partial, unmatched, ...)"
    )
    issues: list[TradeAssessmentReasonOut] = Field(
        description="each disagreement: a stable code, a sentence and its evidence"
    )
    lines: list[dict[str, Any]] = Field(
        description="per invoice line, the order line it matched and the quantities compared "
        "(an open object: its fields follow the match rules)"
    )


class TradeSummaryOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "org_id": "org_01M914ZQ9WDSGHPXNTJWV20FN5",
                    "invoices_issued": 12,
                    "invoices_received": 3,
                    "sales_by_month": {"2025-02": {"CNY": "113000.00"}},
                    "customers": 2,
                    "suppliers": 1,
                    "top_customer_share": "0.75",
                    "receivables": 12,
                    "confirmation_rate": "0.5",
                    "dispute_rate": "0",
                    "credit_notes": 0,
                    "payments_matched": 4,
                    "median_days_to_pay": 58,
                    "first_invoice": "2024-09-02",
                    "last_invoice": "2025-02-27",
                }
            ]
        },
    )

    org_id: str
    invoices_issued: int
    invoices_received: int
    sales_by_month: dict[str, dict[str, str]] = Field(
        description="per month (YYYY-MM), per currency, the amount invoiced as a decimal string"
    )
    customers: int
    suppliers: int
    top_customer_share: str = Field(description="the largest customer's share of sales, 0 to 1")
    receivables: int
    confirmation_rate: str = Field(description="share of receivables the debtor confirmed")
    dispute_rate: str = Field(description="share of receivables the debtor disputed")
    credit_notes: int
    payments_matched: int
    median_days_to_pay: int | None = Field(description="from issue to payment; null if none paid")
    first_invoice: date | None
    last_invoice: date | None


class TradeUploadFileOut(Answer):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"invoice_ids": ["inv_01M914ZQ9WDSGHPXNTJWV20FN4"], "payments": []}]
        },
    )

    invoice_ids: list[str] = Field(description="the invoices recorded from an e-invoice")
    payments: list[TradeFilePaymentsPaymentOut] = Field(
        description="the payments recorded from a camt statement's credit entries"
    )


class TradeFindingOut(Answer):
    rule: str = Field(description="the rule id (an official EN 16931 rule or the platform's)")
    flag: str = Field(description="fatal, error or warning")
    location: str = Field(description="where in the document (an XPath)")
    message: str
    source: str = Field(description="which rule set raised it")


class TradeValidateFileOut(Answer):
    """What the platform read from the file and every rule it broke. The document's own
    fields (parties, totals, lines, references) are open objects as the file gives them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "einvoice",
                    "failed_rules": [],
                    "failures": [],
                    "warnings": [],
                    "validation": {"valid": True, "mode": "quick", "artifacts": {}},
                }
            ]
        },
    )

    kind: str = Field(description="einvoice or camt")
    syntax: str | None = Field(default=None, description="UBL or CII (e-invoices only)")
    document_kind: str | None = Field(default=None, description="invoice or credit_note")
    number: str | None = None
    issue_date: str | None = Field(default=None, json_schema_extra={"format": "date"})
    due_date: str | None = Field(default=None, json_schema_extra={"format": "date"})
    currency: str | None = None
    parties: dict[str, Any] | None = Field(default=None, description="seller, buyer and payee")
    assigned_to_factor: bool | None = None
    totals: dict[str, Any] | None = None
    lines: list[dict[str, Any]] | None = None
    order_ref: str | None = None
    billing_refs: list[str] | None = None
    entries: list[dict[str, Any]] | None = Field(
        default=None, description="a statement's booked entries (camt only)"
    )
    failed_rules: list[str]
    failures: list[TradeFindingOut] = Field(description="findings that refuse the document")
    warnings: list[TradeFindingOut]
    validation: dict[str, Any] | None = Field(
        default=None,
        description="e-invoices: valid, mode (quick or official) and the artifacts' versions",
    )
