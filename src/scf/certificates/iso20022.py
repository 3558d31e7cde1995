"""ISO 20022 messages of settlement: pain.001.001.09 out, camt.053 statements in (lxml).

Participants are paid through virtual sub-accounts that the platform's settlement bank keeps
for each of them (the Yunxin / Shuangliantong model: the operator never pools funds, the bank
does the moving), so an account is identified by the participant's USCC under that bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.core.xmlsafe import parse_xml

PAIN_NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
XSD_PATH = Path(__file__).resolve().parent / "xsd" / "pain.001.001.09.xsd"
ACCOUNT_SCHEME = "SCFVA"  # proprietary scheme: a virtual sub-account named by USCC


@dataclass(frozen=True)
class Party:
    name: str
    uscc: str


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    payee: Party
    amount: Money
    remittance: str


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attrib: str
) -> etree._Element:
    el = etree.SubElement(parent, f"{{{PAIN_NS}}}{tag}", attrib)
    if text is not None:
        el.text = text
    return el


def _party(parent: etree._Element, tag: str, party: Party) -> None:
    el = _sub(parent, tag)
    _sub(el, "Nm", party.name[:140])
    othr = _sub(_sub(_sub(el, "Id"), "OrgId"), "Othr")
    _sub(othr, "Id", party.uscc)
    # TXID: the USCC is also the enterprise's taxpayer identification number.
    _sub(_sub(othr, "SchmeNm"), "Cd", "TXID")


def _account(parent: etree._Element, tag: str, party: Party, currency: str) -> None:
    el = _sub(parent, tag)
    othr = _sub(_sub(el, "Id"), "Othr")
    _sub(othr, "Id", f"{ACCOUNT_SCHEME}{party.uscc}")
    _sub(_sub(othr, "SchmeNm"), "Prtry", ACCOUNT_SCHEME)
    _sub(el, "Ccy", currency)


def _agent(parent: etree._Element, tag: str, bic: str) -> None:
    _sub(_sub(_sub(parent, tag), "FinInstnId"), "BICFI", bic)


def build_pain001(
    *,
    msg_id: str,
    created_at: datetime,
    debtor: Party,
    initiator: Party,
    execution_date: date,
    transfers: list[Transfer],
    agent_bic: str,
) -> bytes:
    """Build a pain.001.001.09 credit transfer initiation: one payment per piece holder."""
    if not transfers:
        raise InvalidInput("nothing to pay", field="transfers")
    currency = transfers[0].amount.currency
    if any(t.amount.currency != currency for t in transfers):
        raise InvalidInput("one message pays one currency", field="transfers")
    ctrl = sum((t.amount.amount for t in transfers), Decimal(0))
    root = etree.Element(f"{{{PAIN_NS}}}Document", nsmap={None: PAIN_NS})  # type: ignore[dict-item]
    init = _sub(root, "CstmrCdtTrfInitn")
    hdr = _sub(init, "GrpHdr")
    _sub(hdr, "MsgId", msg_id)
    _sub(hdr, "CreDtTm", created_at.replace(microsecond=0).isoformat())
    _sub(hdr, "NbOfTxs", str(len(transfers)))
    _sub(hdr, "CtrlSum", f"{ctrl:.2f}")
    _party(hdr, "InitgPty", initiator)
    pmt = _sub(init, "PmtInf")
    _sub(pmt, "PmtInfId", msg_id)
    _sub(pmt, "PmtMtd", "TRF")
    _sub(pmt, "BtchBookg", "false")
    _sub(pmt, "NbOfTxs", str(len(transfers)))
    _sub(pmt, "CtrlSum", f"{ctrl:.2f}")
    _sub(_sub(pmt, "ReqdExctnDt"), "Dt", execution_date.isoformat())
    _party(pmt, "Dbtr", debtor)
    _account(pmt, "DbtrAcct", debtor, currency)
    _agent(pmt, "DbtrAgt", agent_bic)
    _sub(pmt, "ChrgBr", "DEBT")
    for t in transfers:
        tx = _sub(pmt, "CdtTrfTxInf")
        pid = _sub(tx, "PmtId")
        _sub(pid, "InstrId", t.end_to_end_id)
        _sub(pid, "EndToEndId", t.end_to_end_id)
        _sub(_sub(tx, "Amt"), "InstdAmt", t.amount.amount_str(), Ccy=t.amount.currency)
        _agent(tx, "CdtrAgt", agent_bic)
        _party(tx, "Cdtr", t.payee)
        _account(tx, "CdtrAcct", t.payee, t.amount.currency)
        _sub(_sub(tx, "RmtInf"), "Ustrd", t.remittance[:140])
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


_schema: etree.XMLSchema | None = None


def validate_pain001(xml: bytes) -> None:
    """Validate against the packaged pain.001.001.09 schema; refuse with the first error."""
    global _schema
    if _schema is None:
        _schema = etree.XMLSchema(etree.parse(str(XSD_PATH)))
    doc = parse_xml(xml, field="pain001")
    if not _schema.validate(doc):
        err = _schema.error_log.last_error  # type: ignore[attr-defined]
        raise InvalidInput(
            f"pain.001 does not validate: line {err.line}: {err.message}", field="pain001"
        )


# ---------------------------------------------------------------- camt.053


@dataclass(frozen=True)
class StatementEntry:
    """One booked entry of a statement, with the end-to-end ids it carries."""

    index: int
    amount: Money
    credit: bool
    booked: bool
    booking_date: date | None
    bank_reference: str
    end_to_end_ids: tuple[str, ...]


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _child(el: etree._Element, *path: str) -> etree._Element | None:
    cur: etree._Element | None = el
    for name in path:
        if cur is None:
            return None
        cur = next((c for c in cur if isinstance(c.tag, str) and _local(c) == name), None)
    return cur


def _text(el: etree._Element, *path: str) -> str:
    found = _child(el, *path)
    return (found.text or "").strip() if found is not None else ""


CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def build_camt053(
    payments: list[tuple[str, Money]], booked_on: date, statement_id: str = "STMT-1"
) -> bytes:
    """A camt.053.001.08 statement of the issuer's account debiting each payment (end-to-end
    id, amount), as its bank sends it: what tests and the simulator reconcile against."""

    def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        el = etree.SubElement(parent, f"{{{CAMT_NS}}}{tag}")
        if text is not None:
            el.text = text
        return el

    root = etree.Element(f"{{{CAMT_NS}}}Document", nsmap={None: CAMT_NS})  # type: ignore[dict-item]
    stmt = sub(sub(root, "BkToCstmrStmt"), "Stmt")
    sub(stmt, "Id", statement_id)
    for i, (e2e, amount) in enumerate(payments, start=1):
        ntry = sub(stmt, "Ntry")
        amt = sub(ntry, "Amt", amount.amount_str())
        amt.set("Ccy", amount.currency)
        sub(ntry, "CdtDbtInd", "DBIT")
        sub(sub(ntry, "Sts"), "Cd", "BOOK")
        sub(sub(ntry, "BookgDt"), "Dt", booked_on.isoformat())
        sub(ntry, "AcctSvcrRef", f"BANKREF-{i}")
        refs = sub(sub(sub(ntry, "NtryDtls"), "TxDtls"), "Refs")
        sub(refs, "EndToEndId", e2e)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def parse_camt053(xml: bytes) -> list[StatementEntry]:
    """Read every entry of a camt.053 statement (any version from .001.02 on)."""
    # Statements come from outside: refused with a DTD or entities, as trade's files are.
    root = parse_xml(xml, field="statement")
    ns = etree.QName(root).namespace or ""
    if "camt.053" not in ns:
        raise InvalidInput(f"not a camt.053 statement (namespace {ns!r})", field="statement")
    entries: list[StatementEntry] = []
    for ntry in root.iter(f"{{{ns}}}Ntry"):
        amt = _child(ntry, "Amt")
        if amt is None:
            raise InvalidInput(f"entry {len(entries) + 1} has no amount", field="statement")
        try:
            amount = Money.of(
                Decimal((amt.text or "").strip()), amt.get("Ccy", ""), field="statement"
            )
        except InvalidOperation:
            raise InvalidInput(f"entry {len(entries) + 1}: bad amount", field="statement") from None
        sts = _text(ntry, "Sts", "Cd") or _text(ntry, "Sts")
        bdt = _text(ntry, "BookgDt", "Dt") or _text(ntry, "BookgDt", "DtTm")[:10]
        e2e = tuple(
            (el.text or "").strip()
            for el in ntry.iter(f"{{{ns}}}EndToEndId")
            if (el.text or "").strip() and (el.text or "").strip() != "NOTPROVIDED"
        )
        entries.append(
            StatementEntry(
                index=len(entries) + 1,
                amount=amount,
                credit=_text(ntry, "CdtDbtInd") == "CRDT",
                booked=sts == "BOOK",
                booking_date=date.fromisoformat(bdt) if bdt else None,
                bank_reference=_text(ntry, "AcctSvcrRef") or _text(ntry, "NtryRef"),
                end_to_end_ids=e2e,
            )
        )
    return entries
