"""The fast pre-check: a subset of the EN 16931 rules in Python, named SCF-PRE-<rule>.

The verdict the platform reports and stores comes from the official artifacts
(`scf.trade.formats.official`); this pre-check mirrors the mandatory-element and
calculation rules of the CEN Schematron (EN16931-UBL-model.sch: the same contexts and the
same arithmetic, including XPath's round-half-up at two decimals) for `scf trade validate
--quick`, which answers in well under a millisecond without Saxon. Mirrored: BR-01 to BR-16,
BR-21 to BR-27, BR-31 to BR-33, BR-36 to BR-38, BR-52 and BR-CO-03 to BR-CO-26.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal

from lxml import etree

from scf.trade.formats import ParsedDocument
from scf.trade.formats.official import Finding
from scf.trade.formats.ubl import NS, check_root
from scf.trade.formats.xmlsafe import xp

# ISO 3166-1 alpha-2, plus EL (Greece) and XI (Northern Ireland), as BR-CO-09 allows.
COUNTRY_CODES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK
    DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR
    GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM
    KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP
    MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL
    PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST
    SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG
    VI VN VU WF WS YE YT ZA ZM ZW EL XI 1A""".split()
)

RULE_TEXT: dict[str, str] = {
    "BR-01": "An Invoice shall have a Specification identifier (BT-24).",
    "BR-02": "An Invoice shall have an Invoice number (BT-1).",
    "BR-03": "An Invoice shall have an Invoice issue date (BT-2).",
    "BR-04": "An Invoice shall have an Invoice type code (BT-3).",
    "BR-05": "An Invoice shall have an Invoice currency code (BT-5).",
    "BR-06": "An Invoice shall contain the Seller name (BT-27).",
    "BR-07": "An Invoice shall contain the Buyer name (BT-44).",
    "BR-08": "An Invoice shall contain the Seller postal address (BG-5).",
    "BR-09": "The Seller postal address shall contain a Seller country code (BT-40).",
    "BR-10": "An Invoice shall contain the Buyer postal address (BG-8).",
    "BR-11": "The Buyer postal address shall contain a Buyer country code (BT-55).",
    "BR-12": "An Invoice shall have the Sum of Invoice line net amount (BT-106).",
    "BR-13": "An Invoice shall have the Invoice total amount without VAT (BT-109).",
    "BR-14": "An Invoice shall have the Invoice total amount with VAT (BT-112).",
    "BR-15": "An Invoice shall have the Amount due for payment (BT-115).",
    "BR-16": "An Invoice shall have at least one Invoice line (BG-25).",
    "BR-21": "Each Invoice line shall have an Invoice line identifier (BT-126).",
    "BR-22": "Each Invoice line shall have an Invoiced quantity (BT-129).",
    "BR-23": "An Invoice line shall have an Invoiced quantity unit of measure code (BT-130).",
    "BR-24": "Each Invoice line shall have an Invoice line net amount (BT-131).",
    "BR-25": "Each Invoice line shall contain the Item name (BT-153).",
    "BR-26": "Each Invoice line shall contain the Item net price (BT-146).",
    "BR-27": "The Item net price (BT-146) shall NOT be negative.",
    "BR-31": "Each Document level allowance shall have an allowance amount (BT-92).",
    "BR-32": "Each Document level allowance shall have a VAT category code (BT-95).",
    "BR-33": "Each Document level allowance shall have a reason (BT-97) or reason code (BT-98).",
    "BR-36": "Each Document level charge shall have a charge amount (BT-99).",
    "BR-37": "Each Document level charge shall have a VAT category code (BT-102).",
    "BR-38": "Each Document level charge shall have a reason (BT-104) or reason code (BT-105).",
    "BR-52": "Each Additional supporting document shall contain a reference (BT-122).",
    "BR-CO-03": "VAT point date (BT-7) and VAT point date code (BT-8) are mutually exclusive.",
    "BR-CO-04": "Each Invoice line shall be categorized with an Invoiced item VAT category code.",
    "BR-CO-09": "VAT identifiers shall have an ISO 3166-1 alpha-2 country prefix.",
    "BR-CO-10": "Sum of Invoice line net amount (BT-106) = sum of Invoice line net amounts.",
    "BR-CO-11": "Sum of allowances on document level (BT-107) = sum of allowance amounts.",
    "BR-CO-12": "Sum of charges on document level (BT-108) = sum of charge amounts.",
    "BR-CO-13": "Total without VAT (BT-109) = lines - allowances + charges.",
    "BR-CO-14": "Invoice total VAT amount (BT-110) = sum of VAT category tax amounts (BT-117).",
    "BR-CO-15": "Total with VAT (BT-112) = total without VAT (BT-109) + total VAT (BT-110).",
    "BR-CO-16": "Amount due (BT-115) = total with VAT (BT-112) - paid (BT-113) + rounding.",
    "BR-CO-17": "VAT category tax amount = taxable amount x VAT rate, rounded to 2 decimals.",
    "BR-CO-18": "An Invoice shall at least have one VAT breakdown group (BG-23).",
    "BR-CO-19": "An Invoicing period (BG-14) shall have a start date, an end date, or both.",
    "BR-CO-20": "An Invoice line period (BG-26) shall have a start date, an end date, or both.",
    "BR-CO-21": "Each Document level allowance shall have a reason or a reason code, or both.",
    "BR-CO-22": "Each Document level charge shall have a reason or a reason code, or both.",
    "BR-CO-23": "Each Invoice line allowance shall have a reason or a reason code, or both.",
    "BR-CO-24": "Each Invoice line charge shall have a reason or a reason code, or both.",
    "BR-CO-25": "A positive Amount due needs a Payment due date (BT-9) or Payment terms (BT-20).",
    "BR-CO-26": "The Seller shall be identified by an identifier, legal id or VAT identifier.",
}
IMPLEMENTED = frozenset(RULE_TEXT)


PREFIX = "SCF-PRE-"


def _failure(rule: str, location: str = "") -> Finding:
    return Finding(PREFIX + rule, "fatal", location, RULE_TEXT[rule], "scf")


def xround(value: Decimal) -> Decimal:
    """XPath round(x * 100) div 100: half up towards positive infinity at two decimals."""
    return (value * 100 + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR) / 100


def _x(el: etree._Element, path: str) -> list[etree._Element]:
    return list(xp(el, path, NS))


def _has(el: etree._Element, path: str) -> bool:
    return bool(_x(el, path))


def _str(el: etree._Element, path: str) -> str:
    """XPath string value of the first node ('' if absent)."""
    nodes = _x(el, path)
    if not nodes:
        return ""
    return (
        "".join(str(t) for t in nodes[0].itertext())
        if not isinstance(nodes[0], str)
        else str(nodes[0])
    )


def _dec(el: etree._Element, path: str) -> Decimal | None:
    raw = _str(el, path).strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except Exception:
        return None
    return value if value.is_finite() else None


def _decs(el: etree._Element, path: str) -> list[Decimal]:
    out = []
    for node in _x(el, path):
        raw = (
            "".join(str(t) for t in node.itertext()) if not isinstance(node, str) else str(node)
        ).strip()
        try:
            out.append(Decimal(raw))
        except Exception:  # noqa: S112
            continue
    return out


def _truthy(v: Decimal | None) -> bool:
    """xs:decimal(x) used as a boolean: absent or zero is false."""
    return v is not None and v != 0


def _vat(path: str) -> str:
    return f"{path}[cac:TaxScheme/cbc:ID[translate(normalize-space(.),'vat','VAT')='VAT']]"


# xs:boolean accepts true/false and 1/0.
_ALLOW = "normalize-space(cbc:ChargeIndicator)='false' or normalize-space(cbc:ChargeIndicator)='0'"
_CHARGE = "normalize-space(cbc:ChargeIndicator)='true' or normalize-space(cbc:ChargeIndicator)='1'"

Check = Callable[[etree._Element], bool]


def _document_rules(root: etree._Element, kind: str) -> list[tuple[str, bool, str]]:
    """Rules in the context of the document root: (rule, passes, location)."""
    r = root
    line = "cac:InvoiceLine" if kind == "invoice" else "cac:CreditNoteLine"
    out: list[tuple[str, bool, str]] = [
        ("BR-01", _str(r, "cbc:CustomizationID") != "", "/"),
        ("BR-02", _str(r, "cbc:ID") != "", "/"),
        ("BR-03", _str(r, "cbc:IssueDate") != "", "/"),
        (
            "BR-04",
            _str(r, "cbc:InvoiceTypeCode") != "" or _str(r, "cbc:CreditNoteTypeCode") != "",
            "/",
        ),
        ("BR-05", _str(r, "cbc:DocumentCurrencyCode") != "", "/"),
        (
            "BR-06",
            _str(
                r, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"
            )
            != "",
            "/",
        ),
        (
            "BR-07",
            _str(
                r, "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"
            )
            != "",
            "/",
        ),
        ("BR-08", _has(r, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"), "/"),
        ("BR-10", _has(r, "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"), "/"),
        ("BR-16", _has(r, "cac:InvoiceLine") or _has(r, "cac:CreditNoteLine"), "/"),
        (
            "BR-CO-03",
            not (_has(r, "cbc:TaxPointDate") and _has(r, "cac:InvoicePeriod/cbc:DescriptionCode")),
            "/",
        ),
        ("BR-CO-18", _has(r, "cac:TaxTotal/cac:TaxSubtotal"), "/"),
    ]
    # BR-CO-15: every document currency satisfies incl = round(excl + tax in that currency).
    for cur in [_str(n, ".") for n in _x(r, "cbc:DocumentCurrencyCode")]:
        incl = _dec(r, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")
        excl = _dec(r, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")
        taxes = _decs(r, f"cac:TaxTotal/cbc:TaxAmount[@currencyID='{cur}']")
        # Two VAT totals in the document currency make the official XPath sum a sequence,
        # which is an error there; so it is here.
        ok = incl is not None and excl is not None and len(taxes) == 1
        if ok:
            assert incl is not None and excl is not None
            ok = incl == xround(excl + taxes[0])
        out.append(("BR-CO-15", ok, "/"))
    # BR-CO-25: a positive amount due needs a due date or payment terms (invoices only).
    if kind == "invoice":
        for payable in _decs(r, "cac:LegalMonetaryTotal/cbc:PayableAmount"):
            ok = (
                payable <= 0 or _has(r, ".//cbc:DueDate") or _has(r, ".//cac:PaymentTerms/cbc:Note")
            )
            out.append(("BR-CO-25", ok, "LegalMonetaryTotal/PayableAmount"))
    for sup in _x(r, "cac:AccountingSupplierParty"):
        out.append(
            (
                "BR-CO-26",
                _has(sup, "cac:Party/cac:PartyTaxScheme/cbc:CompanyID")
                or _has(sup, "cac:Party/cac:PartyIdentification/cbc:ID")
                or _has(sup, "cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
                "AccountingSupplierParty",
            )
        )
    for addr in _x(r, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"):
        out.append(("BR-09", _str(addr, "cac:Country/cbc:IdentificationCode") != "", "Seller"))
    for addr in _x(r, "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"):
        out.append(("BR-11", _str(addr, "cac:Country/cbc:IdentificationCode") != "", "Buyer"))
    for lmt in _x(r, "cac:LegalMonetaryTotal"):
        out.extend(_monetary_rules(r, lmt, line))
    for tt in _x(r, "cac:TaxTotal"):
        if not _has(tt, "cac:TaxSubtotal"):
            continue
        total = _dec(tt, "cbc:TaxAmount")
        parts = _decs(tt, "cac:TaxSubtotal/cbc:TaxAmount")
        ok = total is not None and total == xround(sum(parts, Decimal(0)))
        out.append(("BR-CO-14", ok, "TaxTotal"))
    for sub in _x(r, "cac:TaxTotal/cac:TaxSubtotal"):
        out.append(("BR-CO-17", _br_co_17(sub), "TaxSubtotal"))
    for ptx in _x(r, _vat(".//cac:PartyTaxScheme")):
        cid = _str(ptx, "cbc:CompanyID")
        out.append(("BR-CO-09", cid[:2] in COUNTRY_CODES, "PartyTaxScheme/CompanyID"))
    for period in _x(r, "cac:InvoicePeriod"):
        ok = (
            _has(period, "cbc:StartDate")
            or _has(period, "cbc:EndDate")
            or (_has(period, "cbc:DescriptionCode"))
        )
        out.append(("BR-CO-19", ok, "InvoicePeriod"))
    for ac in _x(r, "cac:AllowanceCharge"):
        charge = _str(ac, "cbc:ChargeIndicator").strip().lower() in ("true", "1")
        has_reason = _has(ac, "cbc:AllowanceChargeReason") or _has(
            ac, "cbc:AllowanceChargeReasonCode"
        )
        has_vat = _has(ac, _vat("cac:TaxCategory") + "/cbc:ID")
        if charge:
            out += [
                ("BR-36", _has(ac, "cbc:Amount"), "AllowanceCharge"),
                ("BR-37", has_vat, "AllowanceCharge"),
                ("BR-38", has_reason, "AllowanceCharge"),
                ("BR-CO-22", has_reason, "AllowanceCharge"),
            ]
        else:
            out += [
                ("BR-31", _has(ac, "cbc:Amount"), "AllowanceCharge"),
                ("BR-32", has_vat, "AllowanceCharge"),
                ("BR-33", has_reason, "AllowanceCharge"),
                ("BR-CO-21", has_reason, "AllowanceCharge"),
            ]
    for doc_ref in _x(r, ".//cac:AdditionalDocumentReference"):
        out.append(("BR-52", _str(doc_ref, "cbc:ID") != "", "AdditionalDocumentReference"))
    for i, ln in enumerate(_x(r, ".//cac:InvoiceLine | .//cac:CreditNoteLine"), start=1):
        out.extend(_line_rules(ln, f"line {i}"))
    return out


def _monetary_rules(
    r: etree._Element, lmt: etree._Element, line: str
) -> list[tuple[str, bool, str]]:
    loc = "LegalMonetaryTotal"
    out = [
        ("BR-12", _has(lmt, "cbc:LineExtensionAmount"), loc),
        ("BR-13", _has(lmt, "cbc:TaxExclusiveAmount"), loc),
        ("BR-14", _has(lmt, "cbc:TaxInclusiveAmount"), loc),
        ("BR-15", _has(lmt, "cbc:PayableAmount"), loc),
    ]
    line_ext = _dec(lmt, "cbc:LineExtensionAmount")
    line_sum = xround(
        sum(_decs(r, ".//cac:InvoiceLine/cbc:LineExtensionAmount"), Decimal(0))
        + sum(_decs(r, ".//cac:CreditNoteLine/cbc:LineExtensionAmount"), Decimal(0))
    )
    out.append(("BR-CO-10", line_ext is not None and line_ext == line_sum, loc))
    allowances = _decs(r, f"cac:AllowanceCharge[{_ALLOW}]/cbc:Amount")
    charges = _decs(r, f"cac:AllowanceCharge[{_CHARGE}]/cbc:Amount")
    has_allow = _has(r, f"cac:AllowanceCharge[{_ALLOW}]")
    has_charge = _has(r, f"cac:AllowanceCharge[{_CHARGE}]")
    allow_total = _dec(lmt, "cbc:AllowanceTotalAmount")
    charge_total = _dec(lmt, "cbc:ChargeTotalAmount")
    allow_present = _has(lmt, "cbc:AllowanceTotalAmount")
    charge_present = _has(lmt, "cbc:ChargeTotalAmount")
    out.append(
        (
            "BR-CO-11",
            (allow_total is not None and allow_total == xround(sum(allowances, Decimal(0))))
            or (not allow_present and not has_allow),
            loc,
        )
    )
    out.append(
        (
            "BR-CO-12",
            (charge_total is not None and charge_total == xround(sum(charges, Decimal(0))))
            or (not charge_present and not has_charge),
            loc,
        )
    )
    excl = _dec(lmt, "cbc:TaxExclusiveAmount")
    ok13 = False
    if excl is not None and line_ext is not None:
        if charge_present and allow_present:
            ok13 = (
                charge_total is not None
                and allow_total is not None
                and excl == xround(line_ext + charge_total - allow_total)
            )
        elif allow_present:
            ok13 = allow_total is not None and excl == xround(line_ext - allow_total)
        elif charge_present:
            ok13 = charge_total is not None and excl == xround(line_ext + charge_total)
        else:
            ok13 = excl == line_ext
    out.append(("BR-CO-13", ok13, loc))
    prepaid = _dec(lmt, "cbc:PrepaidAmount")
    rounding = _dec(lmt, "cbc:PayableRoundingAmount")
    payable = _dec(lmt, "cbc:PayableAmount")
    incl = _dec(lmt, "cbc:TaxInclusiveAmount")
    ok16 = False
    if payable is not None and incl is not None:
        due = incl - prepaid if _truthy(prepaid) and prepaid is not None else incl
        if _truthy(rounding) and rounding is not None:
            ok16 = xround(payable - rounding) == xround(due)
        elif _truthy(prepaid):
            ok16 = payable == xround(due)
        else:
            ok16 = payable == incl
    out.append(("BR-CO-16", ok16, loc))
    return out


def _br_co_17(sub: etree._Element) -> bool:
    tax = _dec(sub, "cbc:TaxAmount")
    taxable = _dec(sub, "cbc:TaxableAmount")
    pct = _dec(sub, "cac:TaxCategory/cbc:Percent")
    if pct is None:
        return (tax is not None and xround(tax).to_integral_value() == 0) or tax == 0
    if tax is None or taxable is None:
        return False
    expected = xround(abs(taxable) * (pct / 100))
    return abs(tax) - 1 < expected < abs(tax) + 1


def _line_rules(ln: etree._Element, loc: str) -> list[tuple[str, bool, str]]:
    qty = _x(ln, "cbc:InvoicedQuantity | cbc:CreditedQuantity")
    out = [
        ("BR-21", _str(ln, "cbc:ID") != "", loc),
        ("BR-22", bool(qty), loc),
        ("BR-24", _has(ln, "cbc:LineExtensionAmount"), loc),
        ("BR-25", _str(ln, "cac:Item/cbc:Name") != "", loc),
        ("BR-26", _has(ln, "cac:Price/cbc:PriceAmount"), loc),
        ("BR-CO-04", _has(ln, _vat("cac:Item/cac:ClassifiedTaxCategory") + "/cbc:ID"), loc),
    ]
    for q in qty:
        out.append(("BR-23", q.get("unitCode") is not None, loc))
    for price in _decs(ln, "cac:Price/cbc:PriceAmount"):
        out.append(("BR-27", price >= 0, loc))
    for period in _x(ln, "cac:InvoicePeriod"):
        out.append(("BR-CO-20", _has(period, "cbc:StartDate") or _has(period, "cbc:EndDate"), loc))
    for ac in _x(ln, "cac:AllowanceCharge"):
        charge = _str(ac, "cbc:ChargeIndicator").strip().lower() in ("true", "1")
        has_reason = _has(ac, "cbc:AllowanceChargeReason") or _has(
            ac, "cbc:AllowanceChargeReasonCode"
        )
        out.append(("BR-CO-24" if charge else "BR-CO-23", has_reason, loc))
    return out


def validate_ubl(root: etree._Element) -> list[Finding]:
    """Return the pre-check rules a UBL invoice or credit note fails (empty when it passes)."""
    kind = check_root(root)
    failures: dict[tuple[str, str], Finding] = {}
    for rule, ok, loc in _document_rules(root, kind):
        if not ok:
            failures.setdefault((rule, loc), _failure(rule, loc))
    return sorted(failures.values(), key=lambda f: (f.rule, f.location))


def validate_model(doc: ParsedDocument) -> list[Finding]:
    """Pre-check the mandatory and calculation rules on the semantic model (used for CII)."""
    out: list[Finding] = []

    def need(rule: str, ok: bool) -> None:
        if not ok:
            out.append(_failure(rule))

    need("BR-01", bool(doc.customization_id))
    need("BR-02", bool(doc.number))
    need("BR-03", doc.issue_date is not None)
    need("BR-04", bool(doc.type_code))
    need("BR-05", bool(doc.currency))
    need("BR-06", bool(doc.seller.name))
    need("BR-07", bool(doc.buyer.name))
    need("BR-12", doc.line_total is not None)
    need("BR-13", doc.tax_exclusive is not None)
    need("BR-14", doc.tax_inclusive is not None)
    need("BR-15", doc.payable is not None)
    need("BR-16", bool(doc.lines))
    nets = [ln.net_amount for ln in doc.lines if ln.net_amount is not None]
    if doc.line_total is not None:
        need("BR-CO-10", doc.line_total == xround(sum(nets, Decimal(0))))
    if doc.tax_exclusive is not None and doc.line_total is not None:
        expected = doc.line_total - (doc.allowance_total or 0) + (doc.charge_total or 0)
        need("BR-CO-13", doc.tax_exclusive == xround(expected))
    if doc.tax_inclusive is not None and doc.tax_exclusive is not None:
        need("BR-CO-15", doc.tax_inclusive == xround(doc.tax_exclusive + (doc.tax_total or 0)))
    if doc.payable is not None and doc.tax_inclusive is not None:
        expected = doc.tax_inclusive - (doc.prepaid or 0) + (doc.rounding or 0)
        need("BR-CO-16", doc.payable == xround(expected))
    return out
