"""pain.001.001.09 out (validated against the shared ISO 20022 schema) and camt.053 in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from scf.certificates.iso20022 import (
    XSD_PATH,
    BankAccount,
    Party,
    Transfer,
    build_pain001,
    statement_entries,
    validate_pain001,
)
from scf.core.errors import InvalidInput
from scf.core.money import Money

SHARED = Path(__file__).resolve().parents[1] / "data" / "iso20022"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


def _message() -> bytes:
    return build_pain001(
        msg_id="SCF01TEST",
        created_at=datetime(2025, 9, 1, 2, 0, tzinfo=UTC),
        debtor=Party("深圳核心企业有限公司", "91440300000000001A"),
        initiator=Party("深圳核心企业有限公司", "91440300000000001A"),
        execution_date=date(2025, 9, 1),
        transfers=[
            Transfer(
                "E2E-0001",
                Party("一级供应商", "91440300000000002B"),
                Money.of("600.25", "CNY"),
                "piece 1",
            ),
            Transfer(
                "E2E-0002",
                Party("银行", "91440300000000003C"),
                Money.of("399.75", "CNY"),
                "piece 2",
            ),
        ],
        agent_bic="ICBKCNBJSZN",
    )


def test_pain001_validates_against_the_shared_schema() -> None:
    xml = _message()
    schema = etree.XMLSchema(etree.parse(str(SHARED / "xsd" / "pain.001.001.09.xsd")))
    doc = etree.fromstring(xml)
    assert schema.validate(doc), schema.error_log
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "1000.00"
    amts = doc.findall(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", namespaces=NS)
    assert [(a.text, a.get("Ccy")) for a in amts] == [("600.25", "CNY"), ("399.75", "CNY")]
    validate_pain001(xml)  # the packaged copy agrees
    assert XSD_PATH.read_bytes() == (SHARED / "xsd" / "pain.001.001.09.xsd").read_bytes()


def test_pain001_refuses_an_invalid_message() -> None:
    bad = _message().replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>CASH</PmtMtd>")
    with pytest.raises(InvalidInput) as e:
        validate_pain001(bad)
    assert e.value.errors[0].field == "pain001"


def test_camt053_real_statements_parse() -> None:
    entries = statement_entries((SHARED / "camt" / "camt053_sample.xml").read_bytes())
    assert entries and entries[0].amount == Money.of("150.00", "EUR")
    assert entries[0].credit and entries[0].booked
    assert entries[0].booking_date == date(2026, 4, 10)
    fi = statement_entries((SHARED / "camt" / "FI_camt_053_sample.xml").read_bytes())
    assert len(fi) >= 2 and all(e.amount.is_positive() for e in fi)


def test_camt053_refuses_other_documents() -> None:
    with pytest.raises(InvalidInput):
        statement_entries(_message())
    with pytest.raises(InvalidInput):
        statement_entries(b"<not-xml")
    evil = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    with pytest.raises(InvalidInput):
        statement_entries(evil)


@pytest.mark.parametrize(
    "name", ["camt052_ch_report.xml", "camt053_sample.xml", "camt054_ch_credit.xml"]
)
def test_one_camt_reader_for_052_053_054(name: str) -> None:
    """Settlement reads a report, a statement and a notification as trade's intake does."""
    from scf.trade import service as trade

    xml = (SHARED / "camt" / name).read_bytes()
    mine = statement_entries(xml)
    theirs = trade.read_statement(xml)
    assert mine and len(mine) == len(theirs)
    for a, b in zip(mine, theirs, strict=True):
        assert a.amount == Money.of(b.amount, b.currency)
        assert (a.credit, a.booked, a.booking_date) == (b.credit, b.booked, b.booking_date)
        assert a.end_to_end_ids == b.end_to_end_ids


def test_pain001_names_real_accounts_by_cnaps_code() -> None:
    account = BankAccount("4000023419200123456", "102584000011")
    xml = build_pain001(
        msg_id="SCF02TEST",
        created_at=datetime(2025, 9, 1, 2, 0, tzinfo=UTC),
        debtor=Party("深圳核心企业有限公司", "91440300000000001A", account),
        initiator=Party("深圳核心企业有限公司", "91440300000000001A"),
        execution_date=date(2025, 9, 1),
        transfers=[
            Transfer(
                "E2E-1", Party("供应商", "91440300000000002B", account), Money.of("1", "CNY"), "p"
            )
        ],
        agent_bic="ICBKCNBJSZN",
    )
    validate_pain001(xml)
    doc = etree.fromstring(xml)
    for agent in ("p:CstmrCdtTrfInitn/p:PmtInf/p:DbtrAgt", ".//p:CdtTrfTxInf/p:CdtrAgt"):
        member = f"{agent}/p:FinInstnId/p:ClrSysMmbId"
        assert doc.findtext(f"{member}/p:ClrSysId/p:Cd", namespaces=NS) == "CNAPS"
        assert doc.findtext(f"{member}/p:MmbId", namespaces=NS) == "102584000011"
    assert doc.findtext(".//p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == account.number


def test_pain001_pays_only_settlement_currencies() -> None:
    with pytest.raises(InvalidInput) as e:
        build_pain001(
            msg_id="SCF03TEST",
            created_at=datetime(2025, 9, 1, 2, 0, tzinfo=UTC),
            debtor=Party("a", "91440300000000001A"),
            initiator=Party("a", "91440300000000001A"),
            execution_date=date(2025, 9, 1),
            transfers=[Transfer("E", Party("b", "x"), Money.of("1", "PLN"), "p")],
            agent_bic="ICBKCNBJSZN",
        )
    assert e.value.code == "not_a_settlement_currency"
