"""Use cases of the trade room: intake, confirmation, matching, authenticity and fingerprints.

The room's public entry: other rooms, the API and the CLI import from here only. The use
cases live in modules of their own: `intake` (orders, shipments, invoices), `files`
(e-invoice files), `payments`, `receivables` (confirmation and use), `matching`,
`authenticity`, `fingerprints` (the duplicate financing guard) and `features` (for risk);
`common` holds the input and result types.

Intake functions take a batch and land it whole or not at all: every bad item is collected
with its line number and reason, and nothing is written unless all items pass.
"""

from __future__ import annotations

from typing import Any

from scf.core.idempotency import KeyedCommands
from scf.core.uow import UnitOfWork
from scf.trade.authenticity import assess_authenticity, assess_receivable
from scf.trade.background import trade_background
from scf.trade.common import (
    ENTERPRISE,
    INSTITUTIONS,
    LOGISTICS,
    FingerprintStatus,
    InvoiceInput,
    LineInput,
    OrderInput,
    PaymentInput,
    ReceivableInfo,
    ShipmentInput,
    ShipmentLineInput,
)
from scf.trade.features import (
    confirmed_orders,
    order_info,
    receivable_claims,
    trade_edges,
    trade_features,
    trade_summary,
)
from scf.trade.files import FileReport, import_files, read_file
from scf.trade.fingerprints import (
    check_fingerprint,
    invoice_fingerprint,
    mark_fingerprint,
    submit_fingerprint,
)
from scf.trade.formats import StatementEntry
from scf.trade.formats.camt import read_statement
from scf.trade.intake import record_invoices, record_orders, record_shipments
from scf.trade.matching import match_invoice, match_invoices
from scf.trade.payments import record_payments, record_statement
from scf.trade.quality import InvoiceFact, PaymentFact, invoice_facts, payment_facts
from scf.trade.receivables import (
    FINANCING_PURPOSES,
    Used,
    UseRequest,
    confirm_receivable,
    confirm_receivables,
    consume_receivable,
    consume_receivables,
    dispute_receivable,
    get_invoice,
    get_receivable,
    insert_uses,
    invoice_receivable,
    list_receivables,
    receivable_info,
    receivables_between,
    release_receivable,
    use_receivable,
    used_entry,
)
from scf.trade.tables import TradeIdempotencyRow

# Commands that move money or file records run once per Idempotency-Key.
idempotent = KeyedCommands(TradeIdempotencyRow)
# The CSV templates, one per document type (`scf.trade.csvio.TEMPLATES`).
CSV_KINDS = ("invoices", "orders", "shipments", "payments")

__all__ = [
    "CSV_KINDS",
    "ENTERPRISE",
    "FINANCING_PURPOSES",
    "INSTITUTIONS",
    "LOGISTICS",
    "FileReport",
    "FingerprintStatus",
    "InvoiceFact",
    "InvoiceInput",
    "LineInput",
    "OrderInput",
    "PaymentFact",
    "PaymentInput",
    "ReceivableInfo",
    "ShipmentInput",
    "ShipmentLineInput",
    "StatementEntry",
    "UseRequest",
    "Used",
    "assess_authenticity",
    "assess_receivable",
    "check_fingerprint",
    "confirm_receivable",
    "confirm_receivables",
    "confirmed_orders",
    "consume_receivable",
    "consume_receivables",
    "dispute_receivable",
    "get_invoice",
    "get_receivable",
    "idempotent",
    "import_csv",
    "import_files",
    "insert_uses",
    "invoice_facts",
    "invoice_fingerprint",
    "invoice_receivable",
    "list_receivables",
    "mark_fingerprint",
    "match_invoice",
    "match_invoices",
    "order_info",
    "payment_facts",
    "read_file",
    "read_statement",
    "receivable_claims",
    "receivable_info",
    "receivables_between",
    "record_invoices",
    "record_orders",
    "record_payments",
    "record_shipments",
    "record_statement",
    "release_receivable",
    "submit_fingerprint",
    "trade_background",
    "trade_edges",
    "trade_features",
    "trade_summary",
    "use_receivable",
    "used_entry",
]


def import_csv(uow: UnitOfWork, kind: str, text: str) -> dict[str, Any]:
    """Import a CSV of one document type (`CSV_KINDS`); every row lands or none does, and each
    bad row is refused with its line (see `scf.trade.csvio`)."""
    from scf.trade import csvio  # csvio reads its input types from this module

    return csvio.import_csv(uow, kind, text)
