"""Bad input is refused with the field named, never a 500, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.parties import service as parties
from scf.registry.tables import RegistrationRow
from tests.factories import World, fingerprint, use_registry_key

API = "/api/v1"
R = f"{API}/registry"


def _filing(w: World, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "pledge",
        "grantor_org_ids": [w.orgs["supplier"]],
        "secured_party_org_id": w.orgs["bank"],
        "collateral": [{"kind": "receivable", "identifier": fingerprint(7), "description": "发票"}],
        "amount": {"amount": "500000.00", "currency": "CNY"},
        "period_months": 12,
    }
    body.update(over)
    return body


def _registrations(w: World) -> int:
    with w.platform.uow(Actor.system()) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(RegistrationRow)) or 0)


def _refused(r: Any, field: str, *words: str) -> dict[str, Any]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    fields = [e["field"] for e in body.get("errors", [])]
    assert any(field in f for f in fields), (field, body)
    for word in words:
        assert word in r.text, (word, body)
    return body


@pytest.fixture
def w(world: World) -> World:
    use_registry_key(world.platform)
    return world


AMOUNT_CASES = [
    ("1" + "0" * 30, "amount_too_large"),  # 10^30: SQLite integer overflow before
    ("1000000000000.01", "amount_too_large"),
    ("1e6", "plain decimal"),
    ("1,000.00", "plain decimal"),
    ("１０００.００", "plain decimal"),  # full-width digits
    (" 100.00", "plain decimal"),
    ("Infinity", "plain decimal"),
    ("NaN", "plain decimal"),
]


@pytest.mark.parametrize(("amount", "reason"), AMOUNT_CASES)
def test_registry_amounts_must_be_canonical_and_bounded(
    client: TestClient, w: World, amount: str, reason: str
) -> None:
    bank = w.headers(client, "bank")
    r = client.post(
        f"{R}/registrations",
        json=_filing(w, amount={"amount": amount, "currency": "CNY"}),
        headers=bank,
    )
    body = _refused(r, "amount")
    assert reason in r.text or "金额超过上限" in r.text, body
    assert _registrations(w) == 0


def test_the_maximum_itself_is_accepted(client: TestClient, w: World) -> None:
    bank = w.headers(client, "bank")
    r = client.post(
        f"{R}/registrations",
        json=_filing(w, amount={"amount": "1000000000000.00", "currency": "CNY"}),
        headers=bank,
    )
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"description": "质押\x00"}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"collateral": [{"kind": "receivable", "identifier": ""}]}, "identifier"),
        ({"collateral": [{"kind": "receivable", "identifier": "   "}]}, "identifier"),
        ({"collateral": [{"kind": "other", "identifier": "\u200b"}]}, "identifier"),
        ({"collateral": [{"kind": "other", "identifier": "a\x07b"}]}, "identifier"),
        (
            {
                "collateral": [
                    {"kind": "receivable", "identifier": fingerprint(1), "description": "\x1b[31m"}
                ]
            },
            "description",
        ),
        ({"secured_party_org_id": " "}, "secured_party_org_id"),
        ({"grantor_org_ids": ["\x00"]}, "grantor_org_ids"),
        ({"period_months": 361}, "period_months"),
    ],
)
def test_registry_text_and_identifiers_are_refused_with_the_field(
    client: TestClient, w: World, over: dict[str, Any], field: str
) -> None:
    bank = w.headers(client, "bank")
    r = client.post(f"{R}/registrations", json=_filing(w, **over), headers=bank)
    _refused(r, field)
    assert _registrations(w) == 0


def test_identifiers_are_trimmed(client: TestClient, w: World) -> None:
    bank = w.headers(client, "bank")
    r = client.post(
        f"{R}/registrations",
        json=_filing(w, secured_party_org_id=f"  {w.orgs['bank']} "),
        headers=bank,
    )
    assert r.status_code == 201, r.text


def test_refusals_are_in_chinese_and_english(client: TestClient, w: World) -> None:
    bank = w.headers(client, "bank")
    r = client.post(f"{R}/registrations", json=_filing(w, description="a\x00"), headers=bank)
    body = _refused(r, "description", "控制字符", "control character U+0000")
    assert body["code"] == "invalid_input"


def test_credit_lines_expire_within_the_maximum_term(client: TestClient, w: World) -> None:
    bank = w.headers(client, "bank")
    line = {
        "core_org_id": w.orgs["core_enterprise"],
        "limit": {"amount": "1000000.00", "currency": "CNY"},
    }
    r = client.post(f"{API}/credit-lines", json={**line, "expires_on": "9999-12-31"}, headers=bank)
    _refused(r, "expires_on", "2199-12-31")
    r = client.post(f"{API}/credit-lines", json={**line, "expires_on": "2035-01-01"}, headers=bank)
    _refused(r, "expires_on", "5 years")
    r = client.post(f"{API}/credit-lines", json={**line, "expires_on": "2027-03-01"}, headers=bank)
    assert r.status_code == 201, r.text


def test_cover_policies_expire_within_the_maximum_term(client: TestClient, w: World) -> None:
    insurer = w.headers(client, "insurer")
    body = {
        "insured_org_id": w.orgs["bank"],
        "debtor_org_id": w.orgs["core_enterprise"],
        "cover_ratio": "0.8",
        "premium_rate": "0.01",
        "limit": {"amount": "1000000.00", "currency": "CNY"},
        "expires_on": "2099-01-01",
    }
    r = client.post(f"{API}/financing/cover-policies", json=body, headers=insurer)
    _refused(r, "expires_on", "5 years")
    r = client.post(
        f"{API}/financing/cover-policies", json={**body, "cover_ratio": "8e-1"}, headers=insurer
    )
    _refused(r, "cover_ratio", "plain decimal")


def _uscc(w: World, role: str) -> str:
    with w.platform.uow(Actor.system()) as uow:
        return str(parties.find_organization(uow, w.orgs[role]).uscc)


def test_csv_intake_applies_the_same_bounds(client: TestClient, w: World) -> None:
    sup = w.headers(client, "supplier")
    seller, buyer = _uscc(w, "supplier"), _uscc(w, "core_enterprise")
    header = client.get(f"{API}/trade/csv-templates", headers=sup).json()["invoices"]["header"]
    columns = header.strip().split(",")

    def csv(**over: str) -> str:
        row = {
            "kind": "invoice",
            "number": "24440000000000000077",
            "seller_uscc": seller,
            "buyer_uscc": buyer,
            "issue_date": "2025-03-01",
            "currency": "CNY",
            "amount_without_tax": "1000.00",
            "tax": "130.00",
            "total": "1130.00",
        }
        row.update(over)
        return header.rstrip("\n") + "\n" + ",".join(row.get(c, "") for c in columns) + "\n"

    for over, field in [
        ({"total": "1" + "0" * 30, "amount_without_tax": "1" + "0" * 30, "tax": "0"}, "total"),
        ({"order_number": "PO\x001"}, "order_number"),
        ({"issue_date": "0001-01-01"}, "issue_date"),
    ]:
        r = client.post(
            f"{API}/trade/csv/invoices",
            content=csv(**over).encode(),
            headers={**sup, "content-type": "text/csv"},
        )
        assert r.status_code == 422, (over, r.text)
        assert any(field in e["field"] for e in r.json()["errors"]), (over, r.text)
    assert client.get(f"{API}/trade/receivables", headers=sup).json()["items"] == []


DTD_STATEMENT = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ELEMENT Document ANY>]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>S1</MsgId><CreDtTm>2025-03-03T10:00:00</CreDtTm></GrpHdr>
</BkToCstmrStmt></Document>"""


@pytest.mark.parametrize(
    "statement",
    [
        DTD_STATEMENT,
        DTD_STATEMENT.replace(b"<!ELEMENT Document ANY>", b'<!ENTITY x "y">'),
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
    ],
)
def test_statements_with_a_dtd_or_entities_are_refused(
    client: TestClient, w: World, statement: bytes
) -> None:
    core = w.headers(client, "core_enterprise")
    r = client.post(
        f"{API}/certificate-statements",
        content=statement,
        headers={**core, "content-type": "application/xml"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "xml_dtd_refused"
    assert r.json()["errors"][0]["field"] == "statement"
    # Without the DTD the same statement is read (and matches nothing).
    plain = DTD_STATEMENT.replace(b"<!DOCTYPE Document [<!ELEMENT Document ANY>]>\n", b"")
    ok = client.post(
        f"{API}/certificate-statements",
        content=plain,
        headers={**core, "content-type": "application/xml"},
    )
    assert ok.status_code == 200, ok.text
