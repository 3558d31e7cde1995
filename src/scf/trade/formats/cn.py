"""The platform's own rules for Chinese parties and VAT e-invoices, named SCF-CN-<n>.

EN 16931 knows nothing of China; these add what the platform relies on when it files a
Chinese invoice: parties named by a valid unified social credit code (the USCC is how an
e-invoice finds its organization) and the fully digitalized VAT e-invoice number.
"""

from __future__ import annotations

from scf.core.errors import InvalidInput
from scf.trade.formats import ParsedDocument, PartyInfo
from scf.trade.formats.official import Finding
from scf.trade.model import check_vat_invoice_number

RULE_TEXT = {
    "SCF-CN-01": "A Chinese party's legal registration identifier shall be a valid unified "
    "social credit code (GB 32100-2015).",
    "SCF-CN-02": "A Chinese seller's invoice number should be the 20-digit number of a fully "
    "digitalized VAT e-invoice.",
}


def _uscc_ok(value: str) -> bool:
    from stdnum.cn import uscc

    return bool(uscc.is_valid(value.upper().removeprefix("CN")))


def _party_findings(party: PartyInfo, where: str) -> list[Finding]:
    if party.country != "CN" or not party.legal_id or _uscc_ok(party.legal_id):
        return []
    return [Finding("SCF-CN-01", "fatal", where, RULE_TEXT["SCF-CN-01"], "scf")]


def cn_findings(doc: ParsedDocument) -> list[Finding]:
    """Check the Chinese fields of an e-invoice: the parties' USCCs, the invoice number."""
    out = _party_findings(doc.seller, "seller") + _party_findings(doc.buyer, "buyer")
    if doc.seller.country == "CN" and doc.kind == "invoice" and doc.number:
        try:
            check_vat_invoice_number(doc.number, None)
        except InvalidInput:
            out.append(Finding("SCF-CN-02", "warning", "number", RULE_TEXT["SCF-CN-02"], "scf"))
    return out
