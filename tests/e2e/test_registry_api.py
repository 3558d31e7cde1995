"""The registry over HTTP, and the standalone verifier against real API responses."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import World, add_org, fingerprint, use_registry_key

R = "/api/v1/registry"
TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_log.py"


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("verify_log", TOOL)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


verify_log = _tool()


@pytest.fixture
def w(world: World) -> World:
    use_registry_key(world.platform)
    return world


def fetcher(client: TestClient) -> Any:
    def fetch(path: str, params: dict[str, Any]) -> Any:
        r = client.get(R + path, params=params)
        assert r.status_code == 200, r.text
        return r.json()

    return fetch


def filing(w: World, role: str, fp: int = 1, **over: Any) -> dict[str, Any]:
    body = {
        "kind": "pledge",
        "grantor_org_ids": [w.orgs["supplier"]],
        "secured_party_org_id": w.orgs[role],
        "collateral": [
            {"kind": "receivable", "identifier": fingerprint(fp), "description": "发票"}
        ],
        "amount": {"amount": "500000.00", "currency": "CNY"},
        "period_months": 12,
    }
    body.update(over)
    return body


def test_filing_search_certificate_and_verifier(client: TestClient, w: World) -> None:
    bank = w.headers(client, "bank")
    factor = w.headers(client, "factoring_company")
    supplier = w.headers(client, "supplier")
    r = client.post(f"{R}/registrations", json=filing(w, "bank"), headers=bank)
    assert r.status_code == 201, r.text
    first = r.json()["registration"]
    assert first["seq"] == 1 and first["status"] == "active"
    r = client.post(f"{R}/registrations", json=filing(w, "factoring_company"), headers=factor)
    assert r.status_code == 201, r.text
    assert [p["number"] for p in r.json()["prior_conflicts"]] == [first["number"]]

    # bad input: a clear error naming the field, and nothing appended
    size = client.get(f"{R}/log/sth").json()["tree_size"]
    for body, field in (
        (filing(w, "bank", period_months=0), "period_months"),
        (filing(w, "bank", collateral=[{"kind": "ship", "identifier": "x"}]), "collateral[0].kind"),
    ):
        r = client.post(f"{R}/registrations", json=body, headers=bank)
        assert r.status_code == 422, r.text
        assert field in [e["field"] for e in r.json()["errors"]]
    r = client.post(f"{R}/registrations", json=filing(w, "bank"), headers=factor)
    assert r.status_code == 403 and r.json()["code"] == "not_secured_party"
    r = client.post(
        f"{R}/registrations/{first['number']}/objections", json={"reason": "x"}, headers=factor
    )
    assert r.status_code == 403 and r.json()["code"] == "not_grantor"
    assert client.get(f"{R}/log/sth").json()["tree_size"] == size

    # the grantor objects; the secured party extends, then cancels; all of it is history
    r = client.post(
        f"{R}/registrations/{first['number']}/objections",
        json={"reason": "repaid"},
        headers=supplier,
    )
    assert r.status_code == 201 and r.json()["status"] == "active"
    r = client.post(
        f"{R}/registrations/{first['number']}/extensions", json={"months": 6}, headers=bank
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"{R}/registrations/{first['number']}/amendments",
        json={
            "description": "amended",
            "add_collateral": [{"kind": "bill", "identifier": "9/1-5"}],
        },
        headers=bank,
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"{R}/registrations/{first['number']}/cancellation", json={"reason": "repaid"}, headers=bank
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = client.post(
        f"{R}/registrations/{first['number']}/amendments", json={"description": "x"}, headers=bank
    )
    assert r.status_code == 409 and r.json()["code"] == "registration_cancelled"
    detail = client.get(f"{R}/registrations/{first['number']}").json()
    assert [h["op"] for h in detail["history"]] == [
        "initial",
        "objection",
        "extension",
        "amendment",
        "cancellation",
    ]
    assert client.get(f"{R}/registrations/R0000").status_code == 404

    # public search and conflicts, no token
    uscc = first["grantors"][0]["uscc"]
    found = client.get(f"{R}/search", params={"grantor_uscc": uscc}).json()
    assert [x["status"] for x in found["results"]] == ["cancelled", "active"]
    c = client.post(
        f"{R}/conflicts",
        json={"collateral": [{"kind": "receivable", "identifier": fingerprint(1)}]},
    ).json()
    assert [x["seq"] for x in c] == [2]

    # the certificate verifies with the published keys, and the HTML escapes everything
    cert = client.get(f"{R}/search/certificate", params={"grantor_uscc": uscc}).json()
    keys = verify_log.published_keys(fetcher(client))
    verify_log.verify_certificate(cert, keys)
    assert cert["certificate"]["result_count"] == 2
    assert client.post(f"{R}/search/certificate/verify", json=cert).json() == {"valid": True}
    cert["certificate"]["result_count"] = 0
    with pytest.raises(verify_log.VerificationError):
        verify_log.verify_certificate(cert, keys)
    assert client.post(f"{R}/search/certificate/verify", json=cert).json() == {"valid": False}

    # the standalone verifier: heads, every entry, inclusion and consistency
    fetch = fetcher(client)
    old = verify_log.run(fetch, full=True)
    for i in range(3):
        client.post(f"{R}/registrations", json=filing(w, "bank", 50 + i), headers=bank)
    new = verify_log.run(fetch, previous=old, full=True)
    assert new["tree_size"] == old["tree_size"] + 3
    entries = fetch("/log/entries", {"start": 0, "end": new["tree_size"]})
    import base64

    for e in entries:
        verify_log.check_inclusion(fetch, new, e["leaf_index"], base64.b64decode(e["data"]))
    with pytest.raises(verify_log.VerificationError):
        verify_log.check_inclusion(fetch, new, 0, b"forged")
    forged = {**old, "root_hash": "00" * 32}
    with pytest.raises(verify_log.VerificationError):
        verify_log.check_consistency(fetch, forged, new)
    with pytest.raises(verify_log.VerificationError):
        verify_log.verify_head({**new, "tree_size": new["tree_size"] + 1}, keys)


def test_tolerant_search_and_printable_certificate(client: TestClient, w: World) -> None:
    grantor = add_org(w.platform, "supplier", name="<script>alert(1)</script> 星河有限公司")
    bank = w.headers(client, "bank")
    r = client.post(
        f"{R}/registrations", json=filing(w, "bank", grantor_org_ids=[grantor]), headers=bank
    )
    assert r.status_code == 201, r.text
    q = {"grantor_name": "＜script＞alert(1)＜/script＞星河 股份有限公司", "tolerant": "true"}
    assert client.get(f"{R}/search", params=q).json()["count"] == 1
    page = client.get(f"{R}/search/certificate", params={**q, "format": "html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    r = client.get(f"{R}/search", params={"grantor_uscc": "123"})
    assert r.status_code == 422


def test_goods_api_and_empty_pledge(client: TestClient, w: World) -> None:
    wh = w.headers(client, "warehouse")
    bank = w.headers(client, "bank")
    r = client.post(
        f"{R}/goods",
        json={
            "holder_org_id": w.orgs["supplier"],
            "commodity": "gold",
            "grade": "Au99.99",
            "location": "Luohu vault 2",
            "quantity": "12.5",
            "unit": "kg",
            "lot": "SGE-7781",
            "receipt_nos": ["G-1"],
        },
        headers=wh,
    )
    assert r.status_code == 201, r.text
    goods = r.json()
    receipt = f"{goods['warehouse_uscc']}/G-1"
    coll = [{"kind": "warehouse_receipt", "identifier": receipt, "quantity": "10"}]
    r = client.post(f"{R}/registrations", json=filing(w, "bank", collateral=coll), headers=bank)
    assert r.status_code == 201, r.text
    again = [{"kind": "inventory", "identifier": "gold/SGE-7781", "quantity": "3"}]
    r = client.post(f"{R}/registrations", json=filing(w, "bank", collateral=again), headers=bank)
    assert r.status_code == 409 and r.json()["code"] == "over_pledged"
    r = client.get(f"{R}/goods/{goods['id']}", headers=wh)
    assert r.json()["pledged"] == "10.000" and r.json()["free"] == "2.500"
    assert client.get(f"{R}/goods/{goods['id']}", headers=bank).status_code == 404
    r = client.post(
        f"{R}/goods",
        json={
            **{k: goods[k] for k in ("commodity", "grade", "location", "unit", "lot")},
            "holder_org_id": w.orgs["supplier"],
            "quantity": 1.5,
        },
        headers=wh,
    )
    assert r.status_code == 422


def test_batch_filing_over_http(client: TestClient, w: World) -> None:
    bank = w.headers(client, "bank")
    pool = [filing(w, "bank", fp) for fp in (11, 12, 11)]
    r = client.post(f"{R}/registrations/batch", json={"filings": pool}, headers=bank)
    assert r.status_code == 201, r.text
    got = r.json()["filings"]
    assert [f["registration"]["seq"] for f in got] == [1, 2, 3]
    assert [p["number"] for p in got[2]["prior_conflicts"]] == [got[0]["registration"]["number"]]
    # one bad filing refuses the batch, naming it; nothing lands
    bad = [filing(w, "bank", 13), filing(w, "bank", 14, period_months=0)]
    r = client.post(f"{R}/registrations/batch", json={"filings": bad}, headers=bank)
    assert r.status_code == 422, r.text
    assert "filings[1].period_months" in r.text
    assert client.get(f"{R}/log/sth").json()["tree_size"] == 3
    r = client.post(f"{R}/registrations/batch", json={"filings": []}, headers=bank)
    assert r.status_code == 422
