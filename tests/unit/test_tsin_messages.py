"""The tsin schemas: regenerated from the message definitions as committed, and enforced."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from scf.core.errors import InvalidInput
from scf.financing import tsin_messages as T

TOOL = Path(__file__).resolve().parents[2] / "tools" / "make_tsin_xsd.py"


def test_schemas_are_what_the_generator_writes(tmp_path: Path) -> None:
    pytest.importorskip("python_iso20022")
    spec = importlib.util.spec_from_file_location("make_tsin_xsd", TOOL)
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    sys.modules["make_tsin_xsd"] = tool
    spec.loader.exec_module(tool)
    for message in (T.REQUEST, T.STATUS, T.CANCELLATION):
        written = tool.write(message, tmp_path)
        assert written.read_bytes() == (T.XSD_DIR / f"{message}.xsd").read_bytes(), message


def _invoice(**kw: object) -> T.InvoiceRequest:
    base: dict[str, object] = {
        "number": "24440000000000000001",
        "issue_date": date(2025, 3, 1),
        "taxable": (Decimal("100.00"), "CNY"),
        "tax": (Decimal("13.00"), "CNY"),
        "total": (Decimal("113.00"), "CNY"),
        "due_date": date(2025, 6, 1),
        "requested": None,
        "supplier_id": None,
        "buyer_id": None,
    }
    return T.InvoiceRequest(**{**base, **kw})  # type: ignore[arg-type]


def _request(**kw: object) -> bytes:
    party = T.RequestParty("深圳供应商", "91350100M000100Y43")
    return T.build_request(
        group_id="G-1",
        created_at=datetime(2025, 3, 3, tzinfo=UTC),
        requester=party,
        funder=party,
        buyer=party,
        invoices=[_invoice(**kw)],
    )


def test_a_request_reads_back_what_was_written() -> None:
    kind, root = T.message_kind(_request(requested=(Decimal("80.00"), "CNY")))
    assert kind == T.REQUEST
    req = T.read_request(root)
    assert (req.group_id, req.count, req.currency) == ("G-1", 1, "CNY")
    assert req.bulk_total == (Decimal("113.00"), "CNY")
    (inv,) = req.invoices
    assert inv.requested == (Decimal("80.00"), "CNY") and inv.due_date == date(2025, 6, 1)
    assert req.funder_id == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<DocTp>CINV</DocTp>", b"<DocTp>XXXX</DocTp>"),  # not in the code list
        (b"<Ccy>CNY</Ccy>", b"<Ccy>cny</Ccy>"),  # pattern [A-Z]{3}
        (b"<GrpId>G-1</GrpId>", b""),  # a mandatory element
    ],
)
def test_the_schema_refuses_what_the_definitions_forbid(old: bytes, new: bytes) -> None:
    xml = _request()
    assert old in xml
    with pytest.raises(InvalidInput) as err:
        T.message_kind(xml.replace(old, new))
    assert err.value.code == "tsin_invalid"


def test_other_documents_are_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        T.message_kind(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>')
    assert err.value.code == "wrong_namespace"
    with pytest.raises(InvalidInput) as err:
        T.message_kind(b'<!DOCTYPE d [<!ENTITY x "y">]><d>&x;</d>')
    assert err.value.code == "xml_dtd_refused"
