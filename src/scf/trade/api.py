"""HTTP API of the trade room: intake (JSON, CSV, XML), confirmation, matching, fingerprints."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import ConfigDict, Field, field_validator

from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.core.schema import (
    Amount,
    BoundedDate,
    DecimalText,
    Identifier,
    Name,
    Note,
    RequestModel,
    Text,
    answers,
)
from scf.deps import IdempotencyKey, Paging, Uow, roles_allowed
from scf.parties.model import Role
from scf.trade import csvio, schemas, service
from scf.trade.common import ENTERPRISE, INSTITUTIONS, LOGISTICS

router = APIRouter(prefix="/trade", tags=["trade"])

ENTERPRISES = Depends(roles_allowed(*ENTERPRISE))
SHIPPERS = Depends(roles_allowed(*ENTERPRISE, *LOGISTICS))
CHECKERS = Depends(roles_allowed(*INSTITUTIONS, Role.REGULATOR, Role.OPERATOR))
SUBMITTERS = Depends(roles_allowed(*INSTITUTIONS))
SUMMARY_READERS = Depends(roles_allowed(*INSTITUTIONS, Role.REGULATOR, Role.OPERATOR))
MAX_BATCH = 10_000


def _no_float(v: Any) -> Any:
    if isinstance(v, float | bool):
        raise ValueError('must be a decimal string such as "1234.56", not a JSON number')
    if isinstance(v, int):
        return str(v)
    return v


class Strict(RequestModel):
    model_config = ConfigDict(extra="forbid")


class LineIn(Strict):
    item: Name = Field(min_length=1, max_length=200)
    quantity: DecimalText
    unit_price: DecimalText
    order_line_no: int | None = Field(default=None, ge=1)

    _f = field_validator("quantity", "unit_price", mode="before")(_no_float)


class InvoiceIn(Strict):
    kind: Name = "invoice"
    number: Identifier = Field(min_length=1, max_length=80)
    invoice_code: Identifier | None = None
    seller_uscc: Identifier
    buyer_uscc: Identifier
    issue_date: BoundedDate
    due_date: BoundedDate | None = None
    currency: str
    amount_without_tax: Amount
    tax: Amount
    total: Amount
    order_number: Identifier | None = None
    credited_number: Identifier | None = None
    lines: list[LineIn] = Field(default_factory=list)

    _f = field_validator("amount_without_tax", "tax", "total", mode="before")(_no_float)

    def to_input(self, line: int | None = None) -> service.InvoiceInput:
        return service.InvoiceInput(
            **self.model_dump(exclude={"lines"}),
            lines=[service.LineInput(**ln.model_dump()) for ln in self.lines],
            line=line,
        )


class InvoiceBatch(Strict):
    items: list[InvoiceIn] = Field(min_length=1, max_length=MAX_BATCH)


class OrderIn(Strict):
    kind: Name = "purchase_order"
    number: Identifier = Field(min_length=1, max_length=80)
    seller_uscc: Identifier
    buyer_uscc: Identifier
    issue_date: BoundedDate
    currency: str
    contract_number: Identifier | None = None
    lines: list[LineIn] = Field(default_factory=list)


class OrderBatch(Strict):
    items: list[OrderIn] = Field(min_length=1, max_length=MAX_BATCH)


class ShipmentLineIn(Strict):
    order_line_no: int = Field(ge=1)
    quantity: DecimalText

    _f = field_validator("quantity", mode="before")(_no_float)


class ShipmentIn(Strict):
    kind: Name
    number: Identifier = Field(min_length=1, max_length=80)
    order_number: Identifier
    seller_uscc: Identifier
    buyer_uscc: Identifier
    on_date: BoundedDate
    lines: list[ShipmentLineIn] = Field(min_length=1)


class ShipmentBatch(Strict):
    items: list[ShipmentIn] = Field(min_length=1, max_length=MAX_BATCH)


class PaymentIn(Strict):
    amount: Amount
    currency: str
    value_date: BoundedDate
    reference: Identifier = Field(min_length=1, max_length=140)
    remittance: Annotated[str, Text(500)] = ""
    payer_uscc: Identifier | None = None
    invoice_number: Identifier | None = None

    _f = field_validator("amount", mode="before")(_no_float)


class PaymentBatch(Strict):
    items: list[PaymentIn] = Field(min_length=1, max_length=MAX_BATCH)


class ConfirmIn(Strict):
    amount: Amount | None = Field(default=None, description="omit to confirm in full")
    currency: str | None = None

    _f = field_validator("amount", mode="before")(_no_float)

    def money(self) -> Money | None:
        if self.amount is None:
            return None
        if not self.currency:
            raise InvalidInput("give the currency with the amount", field="currency")
        return Money.of(self.amount, self.currency)


class ConfirmItem(ConfirmIn):
    receivable_id: Identifier


class ConfirmBatch(Strict):
    items: list[ConfirmItem] = Field(min_length=1, max_length=MAX_BATCH)


class DisputeIn(Strict):
    reason: Note = Field(min_length=1, max_length=500)


class FingerprintIn(Strict):
    fingerprint: str = Field(
        description="the platform fingerprint (64 hex) or the public digest 'sha256:<64 hex>'"
    )


# ---------------------------------------------------------------- intake


@router.post(
    "/invoices",
    status_code=status.HTTP_201_CREATED,
    dependencies=[ENTERPRISES],
    **answers(schemas.TradeIdsOut, 201),
)
def file_invoice(body: InvoiceIn, uow: Uow, key: IdempotencyKey = None) -> dict[str, Any]:
    """File one invoice or credit note."""

    def run() -> dict[str, Any]:
        return {"ids": service.record_invoices(uow, [body.to_input()])}

    return service.idempotent.answer(uow, key, "invoice", body, run)


@router.post(
    "/invoices/batch",
    status_code=status.HTTP_201_CREATED,
    dependencies=[ENTERPRISES],
    **answers(schemas.TradeFileInvoicesOut, 201),
)
def file_invoices(body: InvoiceBatch, uow: Uow, key: IdempotencyKey = None) -> dict[str, Any]:
    """File a batch of invoices: all land or none; every bad item is reported with its line."""

    def run() -> dict[str, Any]:
        ids = service.record_invoices(uow, [it.to_input(i) for i, it in enumerate(body.items, 1)])
        return {"ids": ids, "count": len(ids)}

    return service.idempotent.answer(uow, key, "invoices", body, run)


@router.post(
    "/orders",
    status_code=status.HTTP_201_CREATED,
    dependencies=[ENTERPRISES],
    **answers(schemas.TradeIdsOut, 201),
)
def file_orders(body: OrderBatch, uow: Uow, key: IdempotencyKey = None) -> dict[str, Any]:
    """File contracts and purchase orders."""
    items = [
        service.OrderInput(
            **it.model_dump(exclude={"lines"}),
            lines=[service.LineInput(**ln.model_dump()) for ln in it.lines],
            line=i,
        )
        for i, it in enumerate(body.items, 1)
    ]
    return service.idempotent.answer(
        uow, key, "orders", body, lambda: {"ids": service.record_orders(uow, items)}
    )


@router.post(
    "/shipments",
    status_code=status.HTTP_201_CREATED,
    dependencies=[SHIPPERS],
    **answers(schemas.TradeIdsOut, 201),
)
def file_shipments(body: ShipmentBatch, uow: Uow, key: IdempotencyKey = None) -> dict[str, Any]:
    """File delivery notes or waybills, and goods receipts."""
    items = [
        service.ShipmentInput(
            **it.model_dump(exclude={"lines"}),
            lines=[service.ShipmentLineInput(**ln.model_dump()) for ln in it.lines],
            line=i,
        )
        for i, it in enumerate(body.items, 1)
    ]
    return service.idempotent.answer(
        uow, key, "shipments", body, lambda: {"ids": service.record_shipments(uow, items)}
    )


@router.post(
    "/payments",
    status_code=status.HTTP_201_CREATED,
    dependencies=[ENTERPRISES],
    **answers(schemas.TradeFilePaymentsOut, 201),
)
def file_payments(body: PaymentBatch, uow: Uow, key: IdempotencyKey = None) -> dict[str, Any]:
    """Record payments received, each matched to an invoice by remittance and amount."""
    items = [service.PaymentInput(**it.model_dump(), line=i) for i, it in enumerate(body.items, 1)]
    return service.idempotent.answer(
        uow, key, "payments", body, lambda: {"payments": service.record_payments(uow, items)}
    )


@router.get("/csv-templates", **answers(schemas.TradeCsvTemplatesOut))
def csv_templates() -> dict[str, Any]:
    """The CSV templates, one per document type, with what each column means."""
    return {
        kind: {"header": csvio.template_header(kind).strip(), "columns": dict(cols)}
        for kind, cols in csvio.TEMPLATES.items()
    }


@router.post(
    "/csv/{kind}",
    status_code=status.HTTP_201_CREATED,
    dependencies=[SHIPPERS],
    **answers(schemas.TradeIdsOut | schemas.TradeFilePaymentsOut, 201),
)
async def upload_csv(
    kind: str, request: Request, uow: Uow, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Upload a CSV (text/csv body) of invoices, orders, shipments or payments."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV must be UTF-8", field="file") from None
    return service.idempotent.answer(
        uow, key, f"csv:{kind}", raw, lambda: csvio.import_csv(uow, kind, text)
    )


@router.post(
    "/files",
    status_code=status.HTTP_201_CREATED,
    dependencies=[ENTERPRISES],
    **answers(schemas.TradeUploadFileOut, 201),
)
async def upload_file(
    request: Request,
    uow: Uow,
    seller_org_id: Annotated[str | None, Query()] = None,
    buyer_org_id: Annotated[str | None, Query()] = None,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Import one UBL / CII e-invoice or camt.053 statement (the XML is the request body)."""
    raw = await request.body()

    def run() -> dict[str, Any]:
        return service.import_files(
            uow, [("upload", raw)], seller_org_id=seller_org_id, buyer_org_id=buyer_org_id
        )

    command = f"file:{seller_org_id or ''}:{buyer_org_id or ''}"
    return service.idempotent.answer(uow, key, command, raw, run)


@router.post("/validate", **answers(schemas.TradeValidateFileOut))
async def validate_file(
    request: Request, uow: Uow, quick: Annotated[bool, Query()] = False
) -> dict[str, Any]:
    """Read and check an e-invoice or statement without storing it (`quick`: pre-check only)."""
    return service.read_file(await request.body(), quick=quick).as_dict()


# ---------------------------------------------------------------- receivables


@router.get("/receivables", **answers(schemas.TradeListReceivablesOut))
def list_receivables(
    uow: Uow, page: Paging, org_id: Annotated[str | None, Query()] = None
) -> dict[str, Any]:
    """Receivables the caller is party to (or may read by consent; all for the platform)."""
    items, total = service.list_receivables(uow, org_id, page.limit, page.offset)
    return {
        "items": [i.as_dict() for i in items],
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
    }


@router.get("/receivables/{receivable_id}", **answers(schemas.TradeReceivableOut))
def get_receivable(receivable_id: str, uow: Uow) -> dict[str, Any]:
    """One receivable the caller is party to (or may read under a trade consent; all for the
    platform). Strangers get 404."""
    return service.get_receivable(uow, receivable_id).as_dict()


@router.post(
    "/receivables/confirm", dependencies=[ENTERPRISES], **answers(schemas.TradeConfirmBatchOut)
)
def confirm_batch(body: ConfirmBatch, uow: Uow) -> dict[str, Any]:
    """The debtor confirms several receivables; all or none."""
    items = [(it.receivable_id, it.money()) for it in body.items]
    return {"items": [i.as_dict() for i in service.confirm_receivables(uow, items)]}


@router.post(
    "/receivables/{receivable_id}/confirm",
    dependencies=[ENTERPRISES],
    **answers(schemas.TradeReceivableOut),
)
def confirm(receivable_id: str, body: ConfirmIn, uow: Uow) -> dict[str, Any]:
    """The debtor confirms a receivable in full (no amount) or in part."""
    return service.confirm_receivable(uow, receivable_id, body.money()).as_dict()


@router.post(
    "/receivables/{receivable_id}/dispute",
    dependencies=[ENTERPRISES],
    **answers(schemas.TradeReceivableOut),
)
def dispute(receivable_id: str, body: DisputeIn, uow: Uow) -> dict[str, Any]:
    """The debtor (an enterprise) disputes a receivable it owes, giving a reason; strangers
    get 404."""
    return service.dispute_receivable(uow, receivable_id, body.reason).as_dict()


@router.get("/receivables/{receivable_id}/assessment", **answers(schemas.TradeAssessmentOut))
def assessment(receivable_id: str, uow: Uow) -> dict[str, Any]:
    """Authenticity score 0..100 with reasons and evidence, for a credit officer."""
    return service.assess_receivable(uow, receivable_id).as_dict()


@router.get("/invoices/{invoice_id}", **answers(schemas.TradeInvoiceOut))
def get_invoice(invoice_id: str, uow: Uow) -> dict[str, Any]:
    """One invoice or credit note with its lines. Only its seller, its buyer, a consent holder
    or the platform see it; anyone else gets 404."""
    return service.get_invoice(uow, invoice_id)


@router.get("/invoices/{invoice_id}/match", **answers(schemas.TradeMatchOut))
def match(invoice_id: str, uow: Uow) -> dict[str, Any]:
    """Three- and four-way match of the invoice to order, deliveries, receipts, payments."""
    service.get_invoice(uow, invoice_id)
    return service.match_invoice(uow, invoice_id).as_dict()


@router.get("/summary/{org_id}", dependencies=[SUMMARY_READERS], **answers(schemas.TradeSummaryOut))
def summary(org_id: str, uow: Uow) -> dict[str, Any]:
    """Trade aggregates of an organization (regulator, operator, institutions by consent)."""
    from scf.parties import service as parties
    from scf.parties.model import ConsentScope

    parties.authorize_read(uow, org_id, ConsentScope.TRADE, f"organization/{org_id}/trade")
    out = service.trade_summary(uow, org_id)
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in out.items()}


# ---------------------------------------------------------------- fingerprints


@router.post("/fingerprints/check", dependencies=[CHECKERS], **answers(schemas.TradeCheckOut))
def check(body: FingerprintIn, uow: Uow) -> dict[str, Any]:
    """Was this invoice submitted, registered or financed anywhere? Never says where."""
    return service.check_fingerprint(uow, body.fingerprint).as_dict()


@router.post("/fingerprints/submit", dependencies=[SUBMITTERS], **answers(schemas.TradeCheckOut))
def submit(body: FingerprintIn, uow: Uow) -> dict[str, Any]:
    """An institution records that an invoice was offered to it, and learns if it was elsewhere."""
    return service.submit_fingerprint(uow, body.fingerprint).as_dict()
