"""E-invoice files: UBL, Peppol BIS and CII invoices read, validated (EN 16931) and filed.

A file lands with the verdict of the official artifacts stored in its document: every
finding (rule id, flag, location, message) and the artifacts' versions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from scf.core.errors import ErrorCollector, InvalidInput
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.trade.common import (
    ENTERPRISE,
    InvoiceInput,
    LineInput,
)
from scf.trade.formats import ParsedDocument

# re-exported: scf.trade.service shows both
from scf.trade.formats.report import FileReport as FileReport
from scf.trade.formats.report import read_file as read_file
from scf.trade.intake import record_invoices
from scf.trade.payments import record_statement

# ---------------------------------------------------------------- e-invoice files


def _as_input(doc: ParsedDocument, seller_uscc: str, buyer_uscc: str) -> InvoiceInput:
    errors = ErrorCollector()
    for name, value in (
        ("number", doc.number),
        ("issue_date", doc.issue_date),
        ("currency", doc.currency),
        ("tax_inclusive", doc.tax_inclusive),
        ("tax_exclusive", doc.tax_exclusive),
    ):
        if value is None:
            errors.add(name, "the document does not state it", None)
    errors.raise_if_any("the e-invoice lacks required fields")
    assert (
        doc.number
        and doc.issue_date
        and doc.currency
        and doc.tax_inclusive is not None
        and doc.tax_exclusive is not None
    )
    # A negative invoice is a credit in disguise (Peppol allows it); store it as a credit note.
    sign = -1 if doc.tax_inclusive < 0 else 1
    kind = "credit_note" if (doc.kind == "credit_note" or sign < 0) else "invoice"
    total = doc.tax_inclusive * sign
    net = doc.tax_exclusive * sign
    tax = total - net
    payable = (doc.payable if doc.payable is not None else doc.tax_inclusive) * sign
    lines = []
    for ln in doc.lines:
        q = (ln.quantity or Decimal(1)) * sign
        price = ln.unit_price if ln.unit_price is not None else (ln.net_amount or Decimal(0)) / q
        if q < 0:
            q, price = -q, price
        lines.append(
            LineInput(
                ln.item or ln.line_id or "",
                q if q != 0 else Decimal(1),
                abs(price),
                _int(ln.order_line_ref),
            )
        )
    return InvoiceInput(
        number=doc.number,
        seller_uscc=seller_uscc,
        buyer_uscc=buyer_uscc,
        issue_date=doc.issue_date,
        due_date=doc.due_date if doc.due_date and doc.due_date >= doc.issue_date else None,
        currency=doc.currency,
        amount_without_tax=net,
        tax=tax,
        total=total,
        payable=payable,
        kind=kind,
        credited_number=doc.billing_refs[0] if doc.billing_refs else None,
        lines=[ln for ln in lines if ln.quantity],
        payee_name=doc.payee.name if doc.payee else None,
        payee_id=next(iter(doc.payee.identifiers()), None) if doc.payee else None,
        source=doc.syntax,
        document=doc.as_dict(),
    )


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _resolve_doc_party(uow: UnitOfWork, ids: list[str], explicit: str | None, side: str) -> str:
    if explicit:
        return parties.find_organization(uow, explicit).uscc
    for ident in ids:
        cand = re.sub(r"^CN", "", ident.strip().upper())
        if len(cand) == 18 and parties.find_by_uscc(uow, cand) is not None:
            return cand
    raise InvalidInput(
        f"the {side} ({', '.join(ids) or 'no identifier'}) is not on the platform; give "
        f"{side}_org_id to say which organization it is",
        field=f"{side}_org_id",
        code="unknown_party",
    )


def import_files(
    uow: UnitOfWork,
    files: Sequence[tuple[str, bytes]],
    *,
    seller_org_id: str | None = None,
    buyer_org_id: str | None = None,
    commit: bool = True,
) -> dict[str, Any]:
    """Import e-invoices (UBL, CII) and camt statements; every file lands or none does."""
    parties.require_role(uow.actor, *ENTERPRISE)
    invoices: list[InvoiceInput] = []
    camt: list[tuple[str, Any]] = []
    errors = ErrorCollector()
    for n, (name, content) in enumerate(files, start=1):
        try:
            rep = read_file(content)
            if rep.kind == "camt":
                camt.append((name, rep.entries))
                continue
            assert rep.document is not None
            if rep.failures:
                raise InvalidInput(
                    "fails EN 16931 rules " + ", ".join(sorted({f.rule for f in rep.failures})),
                    field="file",
                    code="en16931_rules_failed",
                )
            seller = _resolve_doc_party(
                uow, rep.document.seller.identifiers(), seller_org_id, "seller"
            )
            buyer = _resolve_doc_party(uow, rep.document.buyer.identifiers(), buyer_org_id, "buyer")
            inp = _as_input(rep.document, seller, buyer)
            inp.document = {**(inp.document or {}), "validation": rep.verdict()}
            inp.line = n
            invoices.append(inp)
        except InvalidInput as exc:
            reasons = exc.errors or []
            errors.add(
                name,
                exc.message
                + (
                    ""
                    if not reasons or reasons[0].reason == exc.message
                    else f" ({reasons[0].field}: {reasons[0].reason})"
                ),
                n,
            )
    errors.raise_if_any("the files were refused")
    ids = record_invoices(uow, invoices, commit=False) if invoices else []
    matched: list[dict[str, Any]] = []
    for name, entries in camt:
        matched += record_statement(uow, entries, source_name=name, commit=False)
    if commit:
        uow.commit()
    return {"invoice_ids": ids, "payments": matched}
