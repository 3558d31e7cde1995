"""UN/CEFACT Cross Industry Invoice D16B (EN 16931 CII syntax, XRechnung)."""

from __future__ import annotations

from lxml import etree

from scf.core.errors import InvalidInput
from scf.trade.formats import ParsedDocument, ParsedLine, PartyInfo, parse_date, parse_decimal
from scf.trade.formats.xmlsafe import local, namespace, xp

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT}
CREDIT_NOTE_CODES = {"381", "396", "532"}


def is_cii(root: etree._Element) -> bool:
    return namespace(root) == RSM


def text(el: etree._Element, path: str) -> str | None:
    found = xp(el, path, NS)
    if not found:
        return None
    first = found[0]
    value = str(first if isinstance(first, str) else (first.text or "")).strip()
    return value or None


def texts(el: etree._Element, path: str) -> list[str]:
    out = []
    for node in xp(el, path, NS):
        value = str(node if isinstance(node, str) else (node.text or "")).strip()
        if value:
            out.append(value)
    return out


def _first(el: etree._Element, path: str) -> etree._Element | None:
    found = xp(el, path, NS)
    return found[0] if found else None


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
    type_code = text(root, "rsm:ExchangedDocument/ram:TypeCode")
    agreement = "ram:ApplicableHeaderTradeAgreement/"
    settlement = "ram:ApplicableHeaderTradeSettlement/"
    summ = settlement + "ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    currency = text(tx, settlement + "ram:InvoiceCurrencyCode")
    lines = []
    for i, ln in enumerate(xp(tx, "ram:IncludedSupplyChainTradeLineItem", NS), 1):
        where = f"lines[{i}]"
        qty_el = _first(ln, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
        lines.append(
            ParsedLine(
                line_id=text(ln, "ram:AssociatedDocumentLineDocument/ram:LineID"),
                item=text(ln, "ram:SpecifiedTradeProduct/ram:Name"),
                quantity=parse_decimal(qty_el.text if qty_el is not None else None, where),
                unit=qty_el.get("unitCode") if qty_el is not None else None,
                unit_price=parse_decimal(
                    text(
                        ln,
                        "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/"
                        "ram:ChargeAmount",
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
                    ln,
                    "ram:SpecifiedLineTradeAgreement/ram:BuyerOrderReferencedDocument/ram:LineID",
                ),
            )
        )
    tax_values = [
        parse_decimal(v, "tax_total")
        for v in xp(tx, summ + f"ram:TaxTotalAmount[@currencyID='{currency or ''}']/text()", NS)
    ] or [parse_decimal(text(tx, summ + "ram:TaxTotalAmount"), "tax_total")]
    payee_el = _first(tx, settlement + "ram:PayeeTradeParty")
    issue = text(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString")
    due = text(
        tx,
        settlement + "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
    )
    return ParsedDocument(
        syntax="cii",
        kind="credit_note" if type_code in CREDIT_NOTE_CODES else "invoice",
        number=text(root, "rsm:ExchangedDocument/ram:ID"),
        type_code=type_code,
        issue_date=parse_date(issue, "issue_date"),
        due_date=parse_date(due, "due_date"),
        currency=currency,
        seller=_party(_first(tx, agreement + "ram:SellerTradeParty")),
        buyer=_party(_first(tx, agreement + "ram:BuyerTradeParty")),
        payee=_party(payee_el) if payee_el is not None else None,
        line_total=parse_decimal(text(tx, summ + "ram:LineTotalAmount"), "line_total"),
        allowance_total=parse_decimal(
            text(tx, summ + "ram:AllowanceTotalAmount"), "allowance_total"
        ),
        charge_total=parse_decimal(text(tx, summ + "ram:ChargeTotalAmount"), "charge_total"),
        tax_exclusive=parse_decimal(text(tx, summ + "ram:TaxBasisTotalAmount"), "tax_exclusive"),
        tax_total=next((t for t in tax_values if t is not None), None),
        tax_inclusive=parse_decimal(text(tx, summ + "ram:GrandTotalAmount"), "tax_inclusive"),
        prepaid=parse_decimal(text(tx, summ + "ram:TotalPrepaidAmount"), "prepaid"),
        rounding=parse_decimal(text(tx, summ + "ram:RoundingAmount"), "rounding"),
        payable=parse_decimal(text(tx, summ + "ram:DuePayableAmount"), "payable"),
        order_ref=text(tx, agreement + "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        contract_ref=text(tx, agreement + "ram:ContractReferencedDocument/ram:IssuerAssignedID"),
        billing_refs=tuple(
            texts(tx, settlement + "ram:InvoiceReferencedDocument/ram:IssuerAssignedID")
        ),
        delivery_date=parse_date(
            text(
                tx,
                "ram:ApplicableHeaderTradeDelivery/ram:ActualDeliverySupplyChainEvent/"
                "ram:OccurrenceDateTime/udt:DateTimeString",
            ),
            "delivery_date",
        ),
        lines=tuple(lines),
        customization_id=text(
            root,
            "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        ),
    )
