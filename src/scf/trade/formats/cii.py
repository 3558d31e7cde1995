"""UN/CEFACT Cross Industry Invoice D16B (EN 16931 CII syntax, XRechnung)."""

from __future__ import annotations

from decimal import Decimal

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

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT}
CREDIT_NOTE_CODES = {"381", "396", "532"}
AGREEMENT = "ram:ApplicableHeaderTradeAgreement/"
SETTLEMENT = "ram:ApplicableHeaderTradeSettlement/"
SUMMATION = SETTLEMENT + "ram:SpecifiedTradeSettlementHeaderMonetarySummation/"


def is_cii(root: etree._Element) -> bool:
    return namespace(root) == RSM


_FIND = Finder(NS)
text, texts, _first = _FIND.text, _FIND.texts, _FIND.first


def _party(el: etree._Element | None) -> PartyInfo:
    if el is None:
        return PartyInfo()
    vat = text(el, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") or text(
        el, "ram:SpecifiedTaxRegistration/ram:ID"
    )
    return PartyInfo(
        name=text(el, "ram:Name"),
        legal_id=text(el, "ram:SpecifiedLegalOrganization/ram:ID"),
        tax_id=vat,
        ids=tuple(
            texts(el, "ram:ID")
            + texts(el, "ram:GlobalID")
            + texts(el, "ram:URIUniversalCommunication/ram:URIID")
        ),
        country=text(el, "ram:PostalTradeAddress/ram:CountryID"),
    )


def read_cii(root: etree._Element) -> ParsedDocument:
    """Read a CII invoice (or credit note, by type code) as it states itself."""
    tx = _transaction(root)
    type_code = text(root, "rsm:ExchangedDocument/ram:TypeCode")
    currency = text(tx, SETTLEMENT + "ram:InvoiceCurrencyCode")
    lines = tuple(
        _line(ln, f"lines[{i}]")
        for i, ln in enumerate(xp(tx, "ram:IncludedSupplyChainTradeLineItem", NS), 1)
    )
    tax_total = _tax_total(tx, currency)
    payee_el = _first(tx, SETTLEMENT + "ram:PayeeTradeParty")
    issue = text(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString")
    due = text(
        tx, SETTLEMENT + "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"
    )
    return ParsedDocument(
        syntax="cii",
        kind="credit_note" if type_code in CREDIT_NOTE_CODES else "invoice",
        number=text(root, "rsm:ExchangedDocument/ram:ID"),
        type_code=type_code,
        issue_date=parse_date(issue, "issue_date"),
        due_date=parse_date(due, "due_date"),
        currency=currency,
        seller=_party(_first(tx, AGREEMENT + "ram:SellerTradeParty")),
        buyer=_party(_first(tx, AGREEMENT + "ram:BuyerTradeParty")),
        payee=_party(payee_el) if payee_el is not None else None,
        **read_totals(lambda path: text(tx, SUMMATION + path), "cii"),
        tax_total=tax_total,
        order_ref=text(tx, AGREEMENT + "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        contract_ref=text(tx, AGREEMENT + "ram:ContractReferencedDocument/ram:IssuerAssignedID"),
        billing_refs=tuple(
            texts(tx, SETTLEMENT + "ram:InvoiceReferencedDocument/ram:IssuerAssignedID")
        ),
        delivery_date=parse_date(
            text(
                tx,
                "ram:ApplicableHeaderTradeDelivery/ram:ActualDeliverySupplyChainEvent/"
                "ram:OccurrenceDateTime/udt:DateTimeString",
            ),
            "delivery_date",
        ),
        lines=lines,
        customization_id=text(
            root,
            "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        ),
    )


def _transaction(root: etree._Element) -> etree._Element:
    """Return the invoice's trade transaction, refusing any other document."""
    name = local(root.tag)
    if name != "CrossIndustryInvoice" or namespace(root) != RSM:
        raise InvalidInput(
            f"not a CII D16B invoice: root <{name}> in namespace {namespace(root) or '(none)'!r}",
            field="file",
            code="wrong_namespace",
        )
    tx = _first(root, "rsm:SupplyChainTradeTransaction")
    if tx is None:
        raise InvalidInput(
            "the CII invoice has no SupplyChainTradeTransaction", field="file", code="invalid_cii"
        )
    return tx


def _line(ln: etree._Element, where: str) -> ParsedLine:
    """Read one included line item; `where` names it in an error."""
    qty_el = _first(ln, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
    return ParsedLine(
        line_id=text(ln, "ram:AssociatedDocumentLineDocument/ram:LineID"),
        item=text(ln, "ram:SpecifiedTradeProduct/ram:Name"),
        quantity=parse_decimal(qty_el.text if qty_el is not None else None, where),
        unit=qty_el.get("unitCode") if qty_el is not None else None,
        unit_price=parse_decimal(
            text(
                ln,
                "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount",
            ),
            where,
        ),
        net_amount=parse_decimal(
            text(
                ln,
                "ram:SpecifiedLineTradeSettlement/"
                "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
            ),
            where,
        ),
        order_line_ref=text(
            ln, "ram:SpecifiedLineTradeAgreement/ram:BuyerOrderReferencedDocument/ram:LineID"
        ),
    )


def _tax_total(tx: etree._Element, currency: str | None) -> Decimal | None:
    """Read the VAT total stated in the invoice's currency, else the first one stated."""
    tax_values = [
        parse_decimal(v, "tax_total")
        for v in xp(
            tx, SUMMATION + f"ram:TaxTotalAmount[@currencyID='{currency or ''}']/text()", NS
        )
    ] or [parse_decimal(text(tx, SUMMATION + "ram:TaxTotalAmount"), "tax_total")]
    return next((t for t in tax_values if t is not None), None)
