"""The trade API end to end: filing, confirming, assessing, tenancy and fingerprints."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scf.core.actor import Actor
from scf.parties import service as parties
from tests.factories import World


def _uscc(world: World, role: str) -> str:
    with world.platform.uow(Actor.system()) as uow:
        return parties.find_organization(uow, world.orgs[role]).uscc


def test_file_confirm_assess_and_tenancy(client: TestClient, world: World) -> None:
    sup = world.headers(client, "supplier")
    core = world.headers(client, "core_enterprise")
    bank = world.headers(client, "bank")
    body = {
        "number": "24440000000000000042",
        "seller_uscc": _uscc(world, "supplier"),
        "buyer_uscc": _uscc(world, "core_enterprise"),
        "issue_date": "2025-03-01",
        "currency": "CNY",
        "amount_without_tax": "1000.00",
        "tax": "130.00",
        "total": "1130.00",
    }
    r = client.post("/api/v1/trade/invoices", json={**body, "total": 1130.0}, headers=sup)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "total"
    r = client.post("/api/v1/trade/invoices", json=body, headers=sup)
    assert r.status_code == 201, r.text
    again = client.post("/api/v1/trade/invoices", json=body, headers=sup)
    assert again.status_code == 422 and "already on the platform" in again.text
    items = client.get("/api/v1/trade/receivables", headers=core).json()["items"]
    assert len(items) == 1 and items[0]["status"] == "open"
    rid = items[0]["id"]
    r = client.post(f"/api/v1/trade/receivables/{rid}/confirm", json={}, headers=sup)
    assert r.status_code in (404, 422)
    r = client.post(
        f"/api/v1/trade/receivables/{rid}/confirm",
        json={"amount": "800.00", "currency": "CNY"},
        headers=core,
    )
    assert r.status_code == 200 and r.json()["confirmed"]["amount"] == "800.00"
    assert client.get(f"/api/v1/trade/receivables/{rid}", headers=bank).status_code == 404
    a = client.get(f"/api/v1/trade/receivables/{rid}/assessment", headers=sup).json()
    assert {"NO_ORDER", "DEBTOR_NOT_CONFIRMED"} <= {x["code"] for x in a["reasons"]}
    assert 0 <= a["score"] < 100 and a["summary"]
    fp = client.get(f"/api/v1/trade/receivables/{rid}", headers=sup).json()["fingerprints"][0]
    r = client.post("/api/v1/trade/fingerprints/check", json={"fingerprint": fp}, headers=bank)
    assert r.status_code == 200 and r.json()["on_platform"] is True
    assert client.get("/api/v1/trade/csv-templates", headers=sup).json()["invoices"]["header"]
