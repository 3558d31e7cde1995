"""Sharing with other departments: a market supervision change file updates a related-party
group and raises the alert; a malformed record is reported with its line and nothing is
applied; joint lists travel as files with a digest; tax and customs sandbox files."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.platform import Platform
from scf.supervision import service as supervision
from scf.web.sample import Sample, load_sample
from tests.factories import add_org, add_user, token, use_registry_key

P = "/api/v1/supervision"
DATA = Path(__file__).resolve().parents[1] / "data" / "exchange"


def _login(client: TestClient, s: Sample, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": s.password})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _lines(*records: dict[str, str]) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()


def _group(client: TestClient, h: dict[str, str], org_id: str) -> list[str]:
    r = client.get(f"/api/v1/organizations/{org_id}/related-parties", headers=h)
    assert r.status_code == 200, r.text
    return list(r.json()["group"])


def test_market_change_updates_a_group_and_raises_the_alert(
    client: TestClient, platform: Platform
) -> None:
    use_registry_key(platform)
    s = load_sample(platform)
    reg = _login(client, s, "regulator")
    sme2, bank = s.orgs["sme2"], s.orgs["bank"]
    assert bank not in _group(client, reg, sme2)
    good = {
        "kind": "shareholder",
        "uscc": s.usccs["sme2"],
        "holder_uscc": s.usccs["bank"],
        "share": "0.60",  # control: more than half
        "on": "2025-02-28",
    }
    abnormal = {
        "kind": "abnormal_operation",
        "uscc": s.usccs["shell"],
        "reason": "通过登记的住所无法联系",
        "on": "2025-03-01",
    }
    bad = {**good, "uscc": "91440300MA5XXXXXXX"}
    # a malformed record on line 3: the file is refused with the line, nothing is applied
    r = client.post(
        f"{P}/exchange/market-changes?file_name=scjg-20250303.jsonl",
        content=_lines(good, abnormal, bad),
        headers=reg,
    )
    assert r.status_code == 422, r.text
    (err,) = r.json()["errors"]
    assert err["line"] == 3 and err["field"] == "uscc"
    assert bank not in _group(client, reg, sme2)
    assert not [
        a for a in client.get(f"{P}/alerts", headers=reg).json() if a["source"] == "sharing"
    ]
    r = client.post(
        f"{P}/exchange/market-changes?file_name=scjg-20250303.jsonl",
        content=_lines(good, abnormal),
        headers=reg,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["applied"] == 2
        and body["batch"]["sha256"] == hashlib.sha256(_lines(good, abnormal)).hexdigest()
    )
    assert sorted(a["kind"] for a in body["alerts"]) == [
        "abnormal_operation",
        "related_group_changed",
    ]
    assert bank in _group(client, reg, sme2)  # the group follows the new shareholding
    inbox = [a for a in client.get(f"{P}/alerts", headers=reg).json() if a["source"] == "sharing"]
    moved = next(a for a in inbox if a["kind"] == "related_group_changed")
    assert moved["org_id"] == sme2 and bank in moved["evidence"]["joined"]
    # the same file twice is refused
    again = client.post(
        f"{P}/exchange/market-changes?file_name=again.jsonl",
        content=_lines(good, abnormal),
        headers=reg,
    )
    assert again.status_code == 409 and again.json()["code"] == "already_imported"
    # Longhua's regulator sees the alert about its enterprise, not the one about Nanshan's
    lh = add_org(platform, "district_regulator", district="longhua")
    add_user(platform, lh, "lh-regulator")
    mine = client.get(
        "/api/v1/oversight/district/alerts",
        headers={"Authorization": f"Bearer {token(client, 'lh-regulator')}"},
    ).json()
    assert [a["kind"] for a in mine if a["source"] == "sharing"] == ["related_group_changed"]


def test_joint_lists_travel_with_a_digest(client: TestClient, platform: Platform) -> None:
    use_registry_key(platform)
    s = load_sample(platform)
    reg = _login(client, s, "regulator")
    out = client.get(f"{P}/exchange/joint-lists", headers=reg)
    assert out.status_code == 200
    doc = out.json()
    kinds = sorted(e["kind"] for e in doc["entries"])
    assert kinds == ["black", "red"]
    canon = json.dumps(doc["entries"], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert doc["sha256"] == hashlib.sha256(canon.encode()).hexdigest()
    entries = [
        {
            "kind": "red",
            "uscc": s.usccs["sme1"],
            "name": "宝安动力电池材料有限公司",
            "reason": "守信激励：纳税信用A级",
            "authority": "国家税务总局深圳市税务局",
            "listed_on": "2025-03-01",
        }
    ]
    canon = json.dumps(entries, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    good = {"schema": "scf-joint-lists/1", "entries": entries}
    good["sha256"] = hashlib.sha256(canon.encode()).hexdigest()
    tampered = {**good, "sha256": "0" * 64}
    r = client.post(
        f"{P}/exchange/joint-lists?file_name=tax.json",
        content=json.dumps(tampered).encode(),
        headers=reg,
    )
    assert r.status_code == 422 and r.json()["code"] == "digest_mismatch"
    r = client.post(
        f"{P}/exchange/joint-lists?file_name=tax.json",
        content=json.dumps(good).encode(),
        headers=reg,
    )
    assert r.status_code == 200 and r.json()["applied"] == 1
    red = [e for e in client.get(f"{P}/lists?kind=red", headers=reg).json() if e["live"]]
    assert s.orgs["sme1"] in {e["org_id"] for e in red}


def test_tax_verifies_e_invoices_from_its_file() -> None:
    tax = supervision.FileTaxInvoices(DATA / "tax_invoices.csv")
    amount = Money.of("113000.00", "CNY")
    ok = tax.verify("24440000000000012345", "044031900111", date(2025, 2, 20), amount)
    assert ok == supervision.InvoiceVerdict(True, "match")
    assert tax.verify("24440000000000012345", "044031900111", date(2025, 2, 21), amount).reason == (
        "date_differs"
    )
    assert (
        tax.verify("24440000000000012345", "044031900111", date(2025, 2, 20), Money.of("1", "CNY"))
    ).reason == "amount_differs"
    voided = tax.verify("24440000000000012346", "044031900111", date(2025, 2, 21), amount)
    assert voided.reason == "voided"
    assert tax.verify("1", "2", date(2025, 2, 21), amount).reason == "not_issued"
    bad = supervision.FileTaxInvoices(DATA / "tax_invoices_bad.csv")
    with pytest.raises(InvalidInput) as exc:
        bad.verify("24440000000000012345", "044031900111", date(2025, 2, 20), amount)
    assert [(e.field, e.line) for e in exc.value.errors] == [("issued_on", 3)]


def test_customs_declarations_of_an_exporter() -> None:
    customs = supervision.FileCustoms(DATA / "customs_declarations.csv")
    found = customs.declarations_of("121200004013590816")
    assert [d.number for d in found] == ["531620250000123456", "531620250000123457"]
    assert found[0].amount == Money.of("80000.00", "USD") and found[1].destination == "SG"
