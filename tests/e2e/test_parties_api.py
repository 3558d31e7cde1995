"""The parties API end to end: onboarding, login, tenancy, consents, lists, audit, errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import World, next_uscc


def org_body(**over: Any) -> dict[str, Any]:
    body = {
        "uscc": next_uscc(),
        "name": "深圳测试供应商有限公司",
        "district": "nanshan",
        "roles": ["supplier"],
        "size_class": "small",
        "founded_on": "2018-05-01",
        "registered_capital": {"amount": "1000000.00", "currency": "CNY"},
        "chain_tags": ["semiconductors"],
    }
    body.update(over)
    return body


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.headers["x-request-id"]


def test_operator_onboards_and_bad_input_names_field(client: TestClient, world: World) -> None:
    h = world.headers(client, "operator")
    r = client.post("/api/v1/organizations", json=org_body(), headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["registered_capital"] == {"amount": "1000000.00", "currency": "CNY"}
    cases = [
        (org_body(uscc="91440300000000001X"), "uscc"),
        (org_body(roles=["pirate"]), "roles"),
        (org_body(district="atlantis"), "district"),
        (
            org_body(registered_capital={"amount": 12.5, "currency": "CNY"}),
            "registered_capital.amount",
        ),
        (
            org_body(registered_capital={"amount": "-1", "currency": "CNY"}),
            "registered_capital.amount",
        ),
        (
            org_body(registered_capital={"amount": "1", "currency": "XYZ"}),
            "registered_capital.currency",
        ),
        (org_body(founded_on="2018-13-40"), "founded_on"),
    ]
    before = client.get("/api/v1/organizations", headers=h).json()["total"]
    for body, field in cases:
        r = client.post("/api/v1/organizations", json=body, headers=h)
        assert r.status_code == 422, (field, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["code"]
        assert any(e["field"] == field for e in problem["errors"]), (field, problem)
    assert client.get("/api/v1/organizations", headers=h).json()["total"] == before


def test_missing_and_expired_tokens_are_401(client: TestClient, world: World, clock: Any) -> None:
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    h = world.headers(client, "supplier")
    assert client.get("/api/v1/me", headers=h).status_code == 200
    clock.advance(timedelta(days=2))
    r = client.get("/api/v1/me", headers=h)
    assert r.status_code == 401
    assert r.json()["code"] == "token_expired"


def test_other_tenant_is_404_and_consent_opens_and_logs(client: TestClient, world: World) -> None:
    sme = world.orgs["supplier"]
    bank_h = world.headers(client, "bank")
    sme_h = world.headers(client, "supplier")
    assert client.get(f"/api/v1/organizations/{sme}", headers=bank_h).status_code == 404
    r = client.post(
        "/api/v1/consents",
        json={
            "grantee_org_id": world.orgs["bank"],
            "scopes": ["profile", "trade"],
            "expires_at": "2026-01-01T00:00:00Z",
        },
        headers=sme_h,
    )
    assert r.status_code == 201, r.text
    consent_id = r.json()["id"]
    assert client.get(f"/api/v1/organizations/{sme}", headers=bank_h).status_code == 200
    log = client.get("/api/v1/access-log", headers=sme_h).json()
    assert log["total"] == 1
    assert log["items"][0]["reader_org_id"] == world.orgs["bank"]
    assert log["items"][0]["basis"] == "consent"
    assert client.post(f"/api/v1/consents/{consent_id}/revoke", headers=sme_h).status_code == 200
    assert client.get(f"/api/v1/organizations/{sme}", headers=bank_h).status_code == 404
    # the regulator reads everything, and that read is logged too
    reg_h = world.headers(client, "regulator")
    assert client.get(f"/api/v1/organizations/{sme}", headers=reg_h).status_code == 200
    assert client.get("/api/v1/access-log", headers=sme_h).json()["total"] == 2


def test_regulator_writes_only_lists(client: TestClient, world: World) -> None:
    reg_h = world.headers(client, "regulator")
    assert client.post("/api/v1/organizations", json=org_body(), headers=reg_h).status_code == 403
    r = client.post(
        "/api/v1/lists",
        json={"kind": "black", "org_id": world.orgs["supplier"], "reason": "fictitious invoices"},
        headers=reg_h,
    )
    assert r.status_code == 201, r.text
    again = client.post(
        "/api/v1/lists",
        json={"kind": "black", "org_id": world.orgs["supplier"], "reason": "again"},
        headers=reg_h,
    )
    assert again.status_code == 409
    bank_h = world.headers(client, "bank")
    assert (
        client.post(
            "/api/v1/lists",
            json={"kind": "red", "org_id": world.orgs["supplier"], "reason": "x"},
            headers=bank_h,
        ).status_code
        == 403
    )


def test_audit_records_before_and_after(client: TestClient, world: World) -> None:
    h = world.headers(client, "operator")
    org = client.get(f"/api/v1/organizations/{world.orgs['supplier']}", headers=h).json()
    r = client.patch(
        f"/api/v1/organizations/{org['id']}",
        json={"version": org["version"], "name": "新名称有限公司"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    stale = client.patch(
        f"/api/v1/organizations/{org['id']}",
        json={"version": org["version"], "name": "x"},
        headers=h,
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    reg_h = world.headers(client, "regulator")
    entries = client.get(
        "/api/v1/audit",
        params={"aggregate_id": org["id"], "action": "organization.updated"},
        headers=reg_h,
    ).json()["items"]
    assert len(entries) == 1
    assert entries[0]["before"]["name"] != "新名称有限公司"
    assert entries[0]["after"]["name"] == "新名称有限公司"
    assert entries[0]["user_id"] == world.actors["operator"].user_id


def test_body_over_limit_is_413(client: TestClient, world: World) -> None:
    h = world.headers(client, "operator")
    big = b"x" * (10 * 1024 * 1024 + 10)
    r = client.post(
        "/api/v1/organizations", content=big, headers={**h, "content-type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"
