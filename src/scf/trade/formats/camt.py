"""ISO 20022 bank-to-customer cash messages: camt.052 reports, camt.053 statements and
camt.054 notifications, every version, read the same way. This is the platform's one camt
reader: trade's payment intake and certificates' settlement reconciliation both use it.
"""

from __future__ import annotations

from lxml import etree

from scf.core.errors import InvalidInput
from scf.trade.formats import StatementEntry, parse_date, parse_decimal
from scf.trade.formats.xmlsafe import local, namespace, parse_xml, xp

CAMT_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt."
CONTAINERS = {"BkToCstmrStmt": "Stmt", "BkToCstmrAcctRpt": "Rpt", "BkToCstmrDbtCdtNtfctn": "Ntfctn"}


def is_camt(root: etree._Element) -> bool:
    return namespace(root).startswith(CAMT_PREFIX)


def _t(el: etree._Element, path: str) -> str | None:
    """First text at a namespace-agnostic path like 'Ntry/Amt'."""
    query = "/".join(f"*[local-name()='{p}']" for p in path.split("/"))
    found = xp(el, query)
    if not found:
        return None
    value = (found[0].text or "").strip()
    return value or None


def _all(el: etree._Element, path: str) -> list[etree._Element]:
    query = "/".join(f"*[local-name()='{p}']" for p in path.split("/"))
    return xp(el, query)


def read_camt(root: etree._Element) -> list[StatementEntry]:
    """Return every booked entry of every statement in the file."""
    if local(root.tag) != "Document" or not is_camt(root):
        raise InvalidInput(
            f"not an ISO 20022 camt document: root <{local(root.tag)}> in namespace "
            f"{namespace(root) or '(none)'!r}",
            field="file",
            code="wrong_namespace",
        )
    entries: list[StatementEntry] = []
    found_container = False
    for container, item in CONTAINERS.items():
        # A report that holds no statement (nothing happened) is read as no entries.
        found_container = found_container or bool(_all(root, container))
        for stmt in _all(root, f"{container}/{item}"):
            sid = _t(stmt, "Id") or ""
            account = _t(stmt, "Acct/Id/IBAN") or _t(stmt, "Acct/Id/Othr/Id")
            for n, ntry in enumerate(_all(stmt, "Ntry"), start=1):
                where = f"{sid} entry {n}"
                amt_el = _all(ntry, "Amt")
                if not amt_el:
                    raise InvalidInput(f"{where}: the entry has no amount", field="Amt")
                amount = parse_decimal(amt_el[0].text, "Amt")
                currency = amt_el[0].get("Ccy")
                if amount is None or not currency:
                    raise InvalidInput(f"{where}: amount or currency missing", field="Amt")
                if amount < 0:
                    raise InvalidInput(f"{where}: a negative amount", field="Amt")
                cd = _t(ntry, "CdtDbtInd")
                if cd not in ("CRDT", "DBIT"):
                    raise InvalidInput(
                        f"{where}: CdtDbtInd must be CRDT or DBIT", field="CdtDbtInd"
                    )
                status = _t(ntry, "Sts/Cd") or _t(ntry, "Sts")
                remittance: list[str] = []
                e2e_ids: list[str] = []
                cp_name = None
                for tx in _all(ntry, "NtryDtls/TxDtls"):
                    for u in _all(tx, "RmtInf/Ustrd"):
                        if u.text and u.text.strip():
                            remittance.append(u.text.strip())
                    for ref in _all(tx, "RmtInf/Strd/CdtrRefInf/Ref"):
                        if ref.text and ref.text.strip():
                            remittance.append(ref.text.strip())
                    for ref in _all(tx, "RmtInf/Strd/RfrdDocInf/Nb"):
                        if ref.text and ref.text.strip():
                            remittance.append(ref.text.strip())
                    ref_e2e = _t(tx, "Refs/EndToEndId")
                    if ref_e2e and ref_e2e != "NOTPROVIDED":
                        e2e_ids.append(ref_e2e)
                    party = "Dbtr" if cd == "CRDT" else "Cdtr"
                    cp_name = (
                        cp_name
                        or _t(tx, f"RltdPties/{party}/Nm")
                        or _t(tx, f"RltdPties/{party}/Pty/Nm")
                    )
                info = _t(ntry, "AddtlNtryInf")
                if info:
                    remittance.append(info)
                entries.append(
                    StatementEntry(
                        statement_id=sid,
                        account=account,
                        entry_ref=_t(ntry, "NtryRef") or _t(ntry, "AcctSvcrRef"),
                        amount=amount,
                        currency=currency,
                        credit=cd == "CRDT",
                        booking_date=parse_date(
                            _t(ntry, "BookgDt/Dt") or _t(ntry, "BookgDt/DtTm"), "BookgDt"
                        ),
                        value_date=parse_date(
                            _t(ntry, "ValDt/Dt") or _t(ntry, "ValDt/DtTm"), "ValDt"
                        ),
                        remittance=tuple(dict.fromkeys(remittance)),
                        end_to_end_id=e2e_ids[0] if e2e_ids else None,
                        counterparty_name=cp_name,
                        status=status,
                        end_to_end_ids=tuple(dict.fromkeys(e2e_ids)),
                        servicer_ref=_t(ntry, "AcctSvcrRef"),
                    )
                )
    if not found_container:
        raise InvalidInput(
            "the camt document holds no statement, report or notification", field="file"
        )
    return entries


def read_statement(xml: bytes, field: str = "statement") -> list[StatementEntry]:
    """Parse a camt.052, .053 or .054 message from outside (hardened) and read its entries."""
    root = parse_xml(xml, field=field)
    if not is_camt(root):
        raise InvalidInput(
            f"not an ISO 20022 camt.052/053/054 message (namespace {namespace(root)!r})",
            field=field,
            code="wrong_namespace",
        )
    return read_camt(root)
