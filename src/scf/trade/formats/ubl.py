"""UBL 2.1 invoices and credit notes (EN 16931, Peppol BIS Billing 3.0)."""

from __future__ import annotations

from lxml import etree

from scf.core.errors import InvalidInput
from scf.trade.formats import (
    ParsedDocument,
    ParsedLine,
    PartyInfo,
    parse_date,
    parse_decimal,
    read_totals,
)
from scf.trade.formats.xmlsafe import Finder, local, namespace, xp

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}


def is_ubl(root: etree._Element) -> bool:
    return namespace(root) in (INVOICE_NS, CREDIT_NOTE_NS)


def check_root(root: etree._Element) -> str:
    """Return invoice or credit_note, refusing a wrong root element or namespace."""
    name, ns = local(root.tag), namespace(root)
    if name == "Invoice" and ns == INVOICE_NS:
        return "invoice"
    if name == "CreditNote" and ns == CREDIT_NOTE_NS:
        return "credit_note"
    raise InvalidInput(
        f"not a UBL 2.1 invoice or credit note: root <{name}> in namespace {ns or '(none)'!r}",
        field="file",
        code="wrong_namespace",
    )


_FIND = Finder(NS)
text, texts, _first = _FIND.text, _FIND.texts, _FIND.first


def _party(el: etree._Element | None) -> PartyInfo:
    if el is None:
        return PartyInfo()
    name = text(el, "cac:PartyLegalEntity/cbc:RegistrationName") or text(
        el, "cac:PartyName/cbc:Name"
    )
    return PartyInfo(
        name=name,
        legal_id=text(el, "cac:PartyLegalEntity/cbc:CompanyID"),
        tax_id=text(el, "cac:PartyTaxScheme/cbc:CompanyID"),
        ids=tuple(texts(el, "cac:PartyIdentification/cbc:ID") + texts(el, "cbc:EndpointID")),
        country=text(el, "cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
    )


def read_ubl(root: etree._Element) -> ParsedDocument:
    """Read a UBL invoice or credit note as it states itself."""
    kind = check_root(root)
    line_tag = "cac:InvoiceLine" if kind == "invoice" else "cac:CreditNoteLine"
    qty_tag = "cbc:InvoicedQuantity" if kind == "invoice" else "cbc:CreditedQuantity"
    lines = []
    for i, ln in enumerate(xp(root, line_tag, NS), start=1):
        where = f"lines[{i}]"
        qty_el = _first(ln, qty_tag)
        lines.append(
            ParsedLine(
                line_id=text(ln, "cbc:ID"),
                item=text(ln, "cac:Item/cbc:Name"),
                quantity=parse_decimal(qty_el.text if qty_el is not None else None, where),
                unit=qty_el.get("unitCode") if qty_el is not None else None,
                unit_price=parse_decimal(text(ln, "cac:Price/cbc:PriceAmount"), where),
                net_amount=parse_decimal(text(ln, "cbc:LineExtensionAmount"), where),
                order_line_ref=text(ln, "cac:OrderLineReference/cbc:LineID"),
            )
        )
    currency = text(root, "cbc:DocumentCurrencyCode")
    tax_amounts = [
        parse_decimal(t, "tax_total")
        for t in xp(root, f"cac:TaxTotal/cbc:TaxAmount[@currencyID='{currency or ''}']/text()", NS)
    ]
    payee_el = _first(root, "cac:PayeeParty")
    return ParsedDocument(
        syntax="ubl",
        kind=kind,
        number=text(root, "cbc:ID"),
        type_code=text(root, "cbc:InvoiceTypeCode") or text(root, "cbc:CreditNoteTypeCode"),
        issue_date=parse_date(text(root, "cbc:IssueDate"), "issue_date"),
        due_date=parse_date(
            text(root, "cbc:DueDate") or text(root, "cac:PaymentMeans/cbc:PaymentDueDate"),
            "due_date",
        ),
        currency=currency,
        seller=_party(_first(root, "cac:AccountingSupplierParty/cac:Party")),
        buyer=_party(_first(root, "cac:AccountingCustomerParty/cac:Party")),
        payee=_party(payee_el) if payee_el is not None else None,
        **read_totals(lambda path: text(root, "cac:LegalMonetaryTotal/" + path), "ubl"),
        tax_total=next((t for t in tax_amounts if t is not None), None),
        order_ref=text(root, "cac:OrderReference/cbc:ID"),
        contract_ref=text(root, "cac:ContractDocumentReference/cbc:ID"),
        billing_refs=tuple(texts(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID")),
        delivery_date=parse_date(text(root, "cac:Delivery/cbc:ActualDeliveryDate"), "delivery"),
        lines=tuple(lines),
        customization_id=text(root, "cbc:CustomizationID"),
    )
