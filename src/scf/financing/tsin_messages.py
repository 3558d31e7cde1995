"""ISO 20022 invoice financing messages: tsin.001 (request), tsin.002 (status), tsin.003
(cancellation), read and written with lxml and validated against their schemas.

The schemas in `xsd/` are written by `tools/make_tsin_xsd.py` from the published message
definitions (see xsd/NOTICE.md). Parties are named by their unified social credit code: the
supplier and the buyer as OrgId/TaxIdNb (the USCC is the taxpayer number), the requester and
the first agent (the funder) as a proprietary id of type `USCC`. A bank that is identified
by its CNAPS code may give it as ClrSysMmbId/OthrClrCdId instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from lxml import etree

from scf.core.errors import InvalidInput
from scf.core.xmlsafe import parse_xml

REQUEST = "tsin.001.001.01"
STATUS = "tsin.002.001.01"
CANCELLATION = "tsin.003.001.01"
XSD_DIR = Path(__file__).resolve().parent / "xsd"
ID_TYPE = "USCC"


def ns(message: str) -> str:
    return f"urn:iso:std:iso:20022:tech:xsd:{message}"


@lru_cache
def schema(message: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_DIR / f"{message}.xsd")))


def check_schema(message: str, root: etree._Element) -> None:
    """Refuse a message its schema does not accept, naming the first error's line."""
    s = schema(message)
    if not s.validate(root):
        err = s.error_log.last_error  # type: ignore[attr-defined]
        raise InvalidInput(
            f"{message} does not validate: line {err.line}: {err.message}",
            field="body",
            code="tsin_invalid",
        )


def message_kind(xml: bytes) -> tuple[str, etree._Element]:
    """Parse a tsin message from outside (hardened) and say which one it is."""
    root = parse_xml(xml, field="body")
    namespace = etree.QName(root).namespace or ""
    for kind in (REQUEST, CANCELLATION, STATUS):
        if namespace == ns(kind):
            check_schema(kind, root)
            return kind, root
    raise InvalidInput(
        f"not an ISO 20022 tsin.001 or tsin.003 message (namespace {namespace!r})",
        field="body",
        code="wrong_namespace",
    )


class _Reader:
    def __init__(self, message: str) -> None:
        self.ns = {"t": ns(message)}

    def text(self, el: etree._Element, path: str) -> str | None:
        found = el.xpath("/".join(f"t:{p}" for p in path.split("/")), namespaces=self.ns)
        if not isinstance(found, list) or not found:
            return None
        node = found[0]
        value = (node.text or "").strip() if isinstance(node, etree._Element) else ""
        return value or None

    def amount(self, el: etree._Element, path: str) -> tuple[Decimal, str] | None:
        found = el.xpath("/".join(f"t:{p}" for p in path.split("/")), namespaces=self.ns)
        if not isinstance(found, list) or not found or not isinstance(found[0], etree._Element):
            return None
        return Decimal((found[0].text or "0").strip()), found[0].get("Ccy", "")

    def all(self, el: etree._Element, path: str) -> list[etree._Element]:
        found = el.xpath("/".join(f"t:{p}" for p in path.split("/")), namespaces=self.ns)
        return (
            [n for n in found if isinstance(n, etree._Element)] if isinstance(found, list) else []
        )


@dataclass(frozen=True)
class InvoiceRequest:
    """One invoice of a tsin.001 request (InvcReqInf)."""

    number: str
    issue_date: date
    taxable: tuple[Decimal, str]
    tax: tuple[Decimal, str]
    total: tuple[Decimal, str]
    due_date: date
    requested: tuple[Decimal, str] | None
    supplier_id: str | None
    buyer_id: str | None


@dataclass(frozen=True)
class FinancingRequest:
    """A tsin.001 invoice financing request (ReqGrpInf and its invoices)."""

    group_id: str
    created: str
    count: int | None
    bulk_total: tuple[Decimal, str] | None
    currency: str
    requester_name: str
    requester_id: str | None
    funder_id: str | None
    funder_clearing_id: str | None
    invoices: tuple[InvoiceRequest, ...]


def read_request(root: etree._Element) -> FinancingRequest:
    """Read a schema-valid tsin.001 into plain values."""
    r = _Reader(REQUEST)
    grp = r.all(root, "InvcFincgReq/ReqGrpInf")[0]
    invoices = []
    for inv in r.all(root, "InvcFincgReq/InvcReqInf"):
        invoices.append(
            InvoiceRequest(
                number=r.text(inv, "InvcGnlInf/DocNb") or "",
                issue_date=date.fromisoformat(r.text(inv, "InvcGnlInf/IsseDt") or ""),
                taxable=r.amount(inv, "InvcTtlsInf/TtlTaxblAmt") or (Decimal(0), ""),
                tax=r.amount(inv, "InvcTtlsInf/TtlTaxAmt") or (Decimal(0), ""),
                total=r.amount(inv, "InvcTtlsInf/TtlInvcAmt") or (Decimal(0), ""),
                due_date=date.fromisoformat(r.text(inv, "InvcTtlsInf/PmtDueDt") or ""),
                requested=r.amount(inv, "ReqdAmt/Amt"),
                supplier_id=r.text(inv, "Spplr/PtyId/Id/OrgId/TaxIdNb"),
                buyer_id=r.text(inv, "Buyr/PtyId/Id/OrgId/TaxIdNb"),
            )
        )
    count = r.text(grp, "NbOfInvcReqs")
    return FinancingRequest(
        group_id=r.text(grp, "GrpId") or "",
        created=r.text(grp, "CreDtTm") or "",
        count=int(count) if count and count.isdigit() else None,
        bulk_total=r.amount(grp, "TtlBlkInvcAmt"),
        currency=r.text(grp, "Ccy") or "",
        requester_name=r.text(grp, "FincgRqstr/PtyId/Nm") or "",
        requester_id=r.text(grp, "FincgRqstr/PtyId/PrtryId/Id"),
        funder_id=r.text(grp, "FrstAgt/PrtryId/Id"),
        funder_clearing_id=r.text(grp, "FrstAgt/ClrSysMmbId/OthrClrCdId"),
        invoices=tuple(invoices),
    )


@dataclass(frozen=True)
class CancellationRequest:
    """A tsin.003 invoice financing cancellation request."""

    message_id: str
    created: str
    group_id: str
    group_created: str
    reason: str


def read_cancellation(root: etree._Element) -> CancellationRequest:
    r = _Reader(CANCELLATION)
    doc = r.all(root, "InvcFincgCxlReq")[0]
    return CancellationRequest(
        message_id=r.text(doc, "CxlReqId/Id") or "",
        created=r.text(doc, "CxlReqId/CreDtTm") or "",
        group_id=r.text(doc, "CxlReqInf/OrgnlGrpId") or "",
        group_created=r.text(doc, "CxlReqInf/OrgnlCreDtTm") or "",
        reason=r.text(doc, "CxlReqInf/CxlRsn") or "",
    )


# ---------------------------------------------------------------- writing


class _Writer:
    def __init__(self, message: str) -> None:
        self.ns = ns(message)

    def sub(
        self, parent: etree._Element, tag: str, text: str | None = None, **attrib: str
    ) -> etree._Element:
        el = etree.SubElement(parent, f"{{{self.ns}}}{tag}", attrib)
        if text is not None:
            el.text = text
        return el

    def path(self, parent: etree._Element, path: str, text: str | None = None) -> etree._Element:
        el = parent
        parts = path.split("/")
        for p in parts[:-1]:
            el = self.sub(el, p)
        return self.sub(el, parts[-1], text)

    def document(self) -> etree._Element:
        return etree.Element(f"{{{self.ns}}}Document", nsmap={None: self.ns})  # type: ignore[dict-item]


def _amount(w: _Writer, parent: etree._Element, tag: str, value: tuple[Decimal, str]) -> None:
    w.sub(parent, tag, f"{value[0]:f}", Ccy=value[1])


def _timestamp(at: datetime) -> str:
    return at.replace(microsecond=0, tzinfo=None).isoformat()


def _bytes(root: etree._Element, message: str) -> bytes:
    check_schema(message, root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@dataclass(frozen=True)
class InvoiceOutcome:
    """What became of one invoice of a request, for tsin.002 (InvcFincgDtls)."""

    number: str
    total: tuple[Decimal, str]
    issue_date: date
    due_date: date
    status: str  # RequestStatus1Code: PDNG, FNCD or NTFD
    financed: tuple[Decimal, str] | None = None
    note: str = ""


@dataclass(frozen=True)
class StatusReport:
    """A tsin.002 status: the original request's ids, and either a rejection (RCER with the
    reason code) or the invoices' outcomes (RCCF), and any cancellation status."""

    message_id: str
    created_at: datetime
    group_id: str
    group_created: str
    accepted: bool
    reason_code: str = ""
    reason: str = ""
    outcomes: tuple[InvoiceOutcome, ...] = ()
    cancellation: str | None = None  # CancellationStatus4Code: PACK or REJT
    cancellation_reason_code: str = ""
    cancellation_reason: str = ""


def _status_block(
    w: _Writer, parent: etree._Element, tag: str, sts: str, code: str, info: str
) -> None:
    block = w.sub(parent, tag)
    w.sub(block, "Sts", sts)
    if code:
        w.path(block, "StsRsn/Prtry", code[:35])
    if info:
        w.sub(block, "AddtlStsRsnInf", info[:105])


def build_status(report: StatusReport) -> bytes:
    """Write a tsin.002 invoice financing request status, validated against its schema."""
    w = _Writer(STATUS)
    root = w.document()
    msg = w.sub(root, "InvcFincgReqSts")
    sts_id = w.sub(msg, "StsId")
    w.sub(sts_id, "Id", report.message_id)
    w.sub(sts_id, "CreDtTm", _timestamp(report.created_at))
    orig = w.sub(msg, "OrgnlReqInfAndSts")
    w.sub(orig, "Id", report.group_id[:35] or "NOTPROVIDED")
    w.sub(orig, "CreDtTm", report.group_created or _timestamp(report.created_at))
    _status_block(
        w,
        orig,
        "VldtnStsInf",
        "RCCF" if report.accepted else "RCER",
        report.reason_code,
        report.reason,
    )
    if report.cancellation:
        _status_block(
            w,
            orig,
            "CxlStsInf",
            report.cancellation,
            report.cancellation_reason_code,
            report.cancellation_reason,
        )
    if report.accepted and report.outcomes:
        _outcomes(w, msg, report.outcomes)
    return _bytes(root, STATUS)


def _outcomes(w: _Writer, msg: etree._Element, outcomes: tuple[InvoiceOutcome, ...]) -> None:
    info = w.sub(msg, "FincgInfAndSts")
    summary = w.sub(info, "FincgAllwdSummry")
    financed = [o for o in outcomes if o.status == "FNCD"]
    currency = outcomes[0].total[1]
    w.sub(summary, "FincdItmNb", str(len(financed)))
    accepted = sum((o.total[0] for o in outcomes if o.status != "NTFD"), Decimal(0))
    _amount(w, summary, "TtlAccptdItmsAmt", (accepted, currency))
    total = sum((o.financed[0] for o in financed if o.financed), Decimal(0))
    _amount(w, summary, "TtlFincdAmt", (total, currency))
    for o in outcomes:
        d = w.sub(info, "InvcFincgDtls")
        inv = w.sub(d, "OrgnlInvcInf")
        w.sub(inv, "DocNb", o.number[:35])
        _amount(w, inv, "TtlInvcAmt", o.total)
        w.sub(inv, "IsseDt", o.issue_date.isoformat())
        w.sub(inv, "PmtDueDt", o.due_date.isoformat())
        res = w.sub(d, "InvcFincgRslt")
        w.sub(res, "FincgReqSts", o.status)
        if o.note:
            w.sub(res, "AddtlStsRsnInf", o.note[:105])
        if o.financed:
            _amount(w, w.sub(res, "FincdAmt"), "Amt", o.financed)


def _party25(w: _Writer, parent: etree._Element, tag: str, name: str, uscc: str) -> None:
    pty = w.path(parent, f"{tag}/PtyId")
    w.sub(pty, "Nm", name[:70])
    prtry = w.sub(pty, "PrtryId")
    w.sub(prtry, "Id", uscc)
    w.sub(prtry, "IdTp", ID_TYPE)


def _party8(w: _Writer, parent: etree._Element, tag: str, name: str, uscc: str) -> None:
    pty = w.path(parent, f"{tag}/PtyId")
    w.sub(pty, "Nm", name[:70])
    w.path(pty, "Id/OrgId/TaxIdNb", uscc)


@dataclass(frozen=True)
class RequestParty:
    name: str
    uscc: str


def build_request(
    *,
    group_id: str,
    created_at: datetime,
    requester: RequestParty,
    funder: RequestParty,
    buyer: RequestParty,
    invoices: list[InvoiceRequest],
    bulk_total: tuple[Decimal, str] | None = None,
) -> bytes:
    """Write a tsin.001 invoice financing request (an ERP's side; used by the tests too)."""
    w = _Writer(REQUEST)
    root = w.document()
    msg = w.sub(root, "InvcFincgReq")
    grp = w.sub(msg, "ReqGrpInf")
    w.sub(grp, "GrpId", group_id)
    w.sub(grp, "CreDtTm", _timestamp(created_at))
    w.sub(grp, "NbOfInvcReqs", str(len(invoices)))
    currency = invoices[0].total[1]
    total = bulk_total or (sum((i.total[0] for i in invoices), Decimal(0)), currency)
    _amount(w, grp, "TtlBlkInvcAmt", total)
    w.sub(grp, "Ccy", currency)
    _party25(w, grp, "FincgRqstr", requester.name, requester.uscc)
    agent = w.sub(grp, "FrstAgt")
    prtry = w.sub(agent, "PrtryId")
    w.sub(prtry, "Id", funder.uscc)
    w.sub(prtry, "IdTp", ID_TYPE)
    for inv in invoices:
        req = w.sub(msg, "InvcReqInf")
        gnl = w.sub(req, "InvcGnlInf")
        w.sub(gnl, "DocTp", "CINV")
        w.sub(gnl, "DocNb", inv.number)
        w.sub(gnl, "IsseDt", inv.issue_date.isoformat())
        totals = w.sub(req, "InvcTtlsInf")
        _amount(w, totals, "TtlTaxblAmt", inv.taxable)
        _amount(w, totals, "TtlTaxAmt", inv.tax)
        _amount(w, totals, "TtlInvcAmt", inv.total)
        w.sub(totals, "PmtDueDt", inv.due_date.isoformat())
        if inv.requested:
            _amount(w, w.sub(req, "ReqdAmt"), "Amt", inv.requested)
        _party8(w, req, "Spplr", requester.name, inv.supplier_id or requester.uscc)
        _party8(w, req, "Buyr", buyer.name, inv.buyer_id or buyer.uscc)
        w.path(req, "InvcPmtInf/PmtMtd", "TRF")
    return _bytes(root, REQUEST)


def build_cancellation(
    *, message_id: str, created_at: datetime, group_id: str, group_created: str, reason: str
) -> bytes:
    """Write a tsin.003 cancellation of an earlier request."""
    w = _Writer(CANCELLATION)
    root = w.document()
    msg = w.sub(root, "InvcFincgCxlReq")
    rid = w.sub(msg, "CxlReqId")
    w.sub(rid, "Id", message_id)
    w.sub(rid, "CreDtTm", _timestamp(created_at))
    info = w.sub(msg, "CxlReqInf")
    w.sub(info, "OrgnlGrpId", group_id)
    w.sub(info, "OrgnlCreDtTm", group_created)
    w.sub(info, "CxlRsn", reason[:140])
    return _bytes(root, CANCELLATION)
