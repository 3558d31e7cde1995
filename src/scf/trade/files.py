"""E-invoice files: UBL, Peppol BIS and CII invoices read, validated (EN 16931) and filed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
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
from scf.trade.formats.camt import is_camt, read_camt
from scf.trade.formats.cii import is_cii, read_cii
from scf.trade.formats.en16931 import RuleFailure, validate_model, validate_ubl
from scf.trade.formats.ubl import is_ubl, read_ubl
from scf.trade.formats.xmlsafe import parse_xml
from scf.trade.intake import record_invoices
from scf.trade.payments import record_statement

# ---------------------------------------------------------------- e-invoice files


@dataclass(frozen=True)
class FileReport:
    """What a file says, and the EN 16931 rules it fails."""

    kind: str
    document: ParsedDocument | None
    failures: tuple[RuleFailure, ...]
    entries: tuple[Any, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.document is not None:
            d = self.document.as_dict()
            out.update(
                {
                    "syntax": d["syntax"],
                    "document_kind": d["kind"],
                    "number": d["number"],
                    "issue_date": d["issue_date"],
                    "due_date": d["due_date"],
                    "currency": d["currency"],
                    "parties": {"seller": d["seller"], "buyer": d["buyer"], "payee": d["payee"]},
                    "assigned_to_factor": d["assigned_to_factor"],
                    "totals": d["totals"],
                    "lines": d["lines"],
                    "order_ref": d["order_ref"],
                    "billing_refs": d["billing_refs"],
                }
            )
        if self.entries:
            out["entries"] = [e.as_dict() for e in self.entries]
        out["failed_rules"] = sorted({f.rule for f in self.failures})
        out["failures"] = [f.as_dict() for f in self.failures]
        return out


def read_file(content: bytes) -> FileReport:
    """Parse and check one UBL, CII or camt file without storing anything."""
    root = parse_xml(content)
    if is_ubl(root):
        return FileReport("einvoice", read_ubl(root), tuple(validate_ubl(root)))
    if is_cii(root):
        doc = read_cii(root)
        return FileReport("einvoice", doc, tuple(validate_model(doc)))
    if is_camt(root):
        return FileReport("camt", None, (), tuple(read_camt(root)))
    raise InvalidInput(
        "not a UBL 2.1 invoice or credit note, a CII D16B invoice or an ISO 20022 camt "
        f"statement (root element {root.tag!r})",
        field="file",
        code="wrong_namespace",
    )


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
