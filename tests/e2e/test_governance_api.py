"""The governance API: the catalogue, retention periods (never below the law), legal holds."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import World


def test_catalogue_retention_and_holds(client: TestClient, world: World) -> None:
    sme = world.headers(client, "supplier")
    op = world.headers(client, "operator")
    reg = world.headers(client, "regulator")
    rows = client.get("/api/v1/governance/catalogue", headers=sme).json()
    assert {"table": "persons", "column": "id_hash", "data_class": "sensitive"}.items() <= next(
        r for r in rows if (r["table"], r["column"]) == ("persons", "id_hash")
    ).items()

    r = client.put("/api/v1/governance/retention/security_alert", json={"days": 30}, headers=op)
    assert r.status_code == 422
    assert r.json()["code"] == "retention_below_minimum"
    assert r.json()["errors"][0]["field"] == "days"
    r = client.put("/api/v1/governance/retention/no_such", json={"days": 30}, headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    r = client.put("/api/v1/governance/retention/session", json={"days": 400}, headers=op)
    assert r.status_code == 200 and r.json()["days"] == 400
    periods = client.get("/api/v1/governance/retention", headers=reg).json()
    assert {p["kind"]: p["days"] for p in periods}["session"] == 400

    body = {"org_id": world.subject, "reason": "立案调查", "authority": "深圳市地方金融管理局"}
    hold = client.post("/api/v1/governance/holds", json=body, headers=reg)
    assert hold.status_code == 201, hold.text
    hold_id = hold.json()["id"]
    refused = client.post(
        "/api/v1/governance/holds", json={**body, "org_id": "org_nobody"}, headers=reg
    )
    assert refused.status_code == 404
    assert [h["id"] for h in client.get("/api/v1/governance/holds", headers=op).json()] == [hold_id]
    lifted = client.post(
        f"/api/v1/governance/holds/{hold_id}/lift", json={"reason": "结案"}, headers=op
    )
    assert lifted.status_code == 200 and lifted.json()["lifted_at"]
    again = client.post(
        f"/api/v1/governance/holds/{hold_id}/lift", json={"reason": "结案"}, headers=op
    )
    assert again.status_code in (409, 422)
    done = client.post("/api/v1/governance/purge", headers=op)
    assert done.status_code == 200
    assert set(done.json()) == {"session", "login_counter", "security_alert"}
