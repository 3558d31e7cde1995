"""ISO 20022 messages of settlement: pain.001.001.09 out, camt.052/053/054 in (lxml).

A participant that registered a settlement account is paid to that real account: its
number, at the bank named by its 12-digit CNAPS code (ClrSysMmbId with clearing system
`CNAPS`, China's National Advanced Payment System). The others are paid through virtual
sub-accounts that the platform's settlement bank keeps for each of them (the Yunxin /
Shuangliantong model: the operator never pools funds, the bank does the moving), identified
by the participant's USCC under that bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from lxml import etree

from scf.core.errors import InvalidInput
from scf.core.money import Money, check_settlement_currency
from scf.core.xmlsafe import parse_xml
from scf.trade import service as trade

PAIN_NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
XSD_PATH = Path(__file__).resolve().parent / "xsd" / "pain.001.001.09.xsd"
ACCOUNT_SCHEME = "SCFVA"  # proprietary scheme: a virtual sub-account named by USCC


CNAPS = "CNAPS"  # ExternalClearingSystemIdentification1Code of China's payment system


@dataclass(frozen=True)
class BankAccount:
    """A real account: its number and the CNAPS code of the bank branch that keeps it."""

    number: str
    cnaps: str


@dataclass(frozen=True)
class Party:
    name: str
    uscc: str
    account: BankAccount | None = None


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
    if party.account is not None:
        _sub(othr, "Id", party.account.number)
    else:
        _sub(othr, "Id", f"{ACCOUNT_SCHEME}{party.uscc}")
        _sub(_sub(othr, "SchmeNm"), "Prtry", ACCOUNT_SCHEME)
    _sub(el, "Ccy", currency)


def _agent(parent: etree._Element, tag: str, bic: str, party: Party | None = None) -> None:
    """The party's bank by its CNAPS code when it has a real account, else the settlement
    bank by its BIC."""
    fin = _sub(_sub(parent, tag), "FinInstnId")
    if party is not None and party.account is not None:
        member = _sub(fin, "ClrSysMmbId")
        _sub(_sub(member, "ClrSysId"), "Cd", CNAPS)
        _sub(member, "MmbId", party.account.cnaps)
    else:
        _sub(fin, "BICFI", bic)


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
    currency = check_settlement_currency(transfers[0].amount.currency, "transfers")
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
    _agent(pmt, "DbtrAgt", agent_bic, debtor)
    _sub(pmt, "ChrgBr", "DEBT")
    for t in transfers:
        tx = _sub(pmt, "CdtTrfTxInf")
        pid = _sub(tx, "PmtId")
        _sub(pid, "InstrId", t.end_to_end_id)
        _sub(pid, "EndToEndId", t.end_to_end_id)
        _sub(_sub(tx, "Amt"), "InstdAmt", t.amount.amount_str(), Ccy=t.amount.currency)
        _agent(tx, "CdtrAgt", agent_bic, t.payee)
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


# ---------------------------------------------------------------- camt.052/053/054


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


def statement_entries(xml: bytes) -> list[StatementEntry]:
    """Read every entry of a camt.052/053/054 message with the platform's one camt reader."""
    return [
        StatementEntry(
            index=n,
            amount=Money.of(e.amount, e.currency, field="statement"),
            credit=e.credit,
            booked=e.booked,
            booking_date=e.booking_date,
            bank_reference=e.servicer_ref or e.entry_ref or "",
            end_to_end_ids=e.end_to_end_ids,
        )
        for n, e in enumerate(trade.read_statement(xml), start=1)
    ]
