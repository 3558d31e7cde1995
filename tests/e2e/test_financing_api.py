"""Financing scenarios end to end through the HTTP API, from application to closing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from scf.parties import service as parties
from tests.factories import World, confirmed_receivable, use_registry_key

API = "/api/v1/financing"


def money(x: str) -> dict[str, str]:
    return {"amount": x, "currency": "CNY"}


def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def setup(client: TestClient, world: World) -> dict[str, dict[str, str]]:
    use_registry_key(world.platform)
    h = {
        role: world.headers(client, role)
        for role in (
            "supplier",
            "core_enterprise",
            "bank",
            "factoring_company",
            "operator",
            "regulator",
            "insurer",
            "warehouse",
        )
    }
    for funder in ("bank", "factoring_company"):
        for sc, spread in (
            ("receivables_factoring", "0.01"),
            ("credit_insurance", "0.01"),
            ("reverse_factoring", "0.00"),
            ("warehouse_pledge", "0.02"),
            ("purchase_order", "0.02"),
            ("bill_discounting", "0.005"),
        ):
            ok(
                client.post(
                    f"{API}/products",
                    headers=h[funder],
                    json={
                        "scenario": sc,
                        "name": f"{sc} {funder}",
                        "base_rate": "0.03",
                        "max_amount": money("10000000.00"),
                        "rate_groups": [
                            {"name": "red", "red_listed": True, "spread": "0.000"},
                            {"name": "small", "size_classes": ["micro", "small"], "spread": spread},
                        ],
                    },
                ),
                201,
            )
    return h


def walk(
    client: TestClient,
    h: dict[str, dict[str, str]],
    app: dict[str, Any],
    funder: str = "bank",
    applicant: str = "supplier",
) -> dict[str, Any]:
    """Offer (unless green), accept, register, disburse; return the application."""
    if app["status"] == "sent":
        ok(client.post(f"{API}/applications/{app['id']}/offers", headers=h[funder]), 201)
    app = ok(client.get(f"{API}/applications/{app['id']}", headers=h[applicant]))
    offer = app["offers"][0]
    key = {"Idempotency-Key": f"acc-{app['id']}"}
    accepted = ok(
        client.post(f"{API}/offers/{offer['id']}/accept", headers={**h[applicant], **key})
    )
    assert accepted["status"] == "accepted"
    ok(client.post(f"{API}/applications/{app['id']}/registration", headers=h[funder]))
    out = ok(
        client.post(
            f"{API}/applications/{app['id']}/disbursement",
            headers={**h[funder], "Idempotency-Key": f"dis-{app['id']}"},
        )
    )
    assert out["instruction"]["amount"] == offer["proceeds"]
    return out["application"]


def test_receivables_factoring_to_closing(client: TestClient, world: World) -> None:
    h = setup(client, world)
    p = world.platform
    sup, core, bank = world.orgs["supplier"], world.orgs["core_enterprise"], world.orgs["bank"]
    rid = confirmed_receivable(p, sup, core, "100000.00")
    body = {
        "scenario": "receivables_factoring",
        "amount": money("80000.00"),
        "asset": {"receivable_id": rid, "recourse": False},
        "funder_org_ids": [bank, world.orgs["factoring_company"]],
    }
    app = ok(client.post(f"{API}/applications", headers=h["supplier"], json=body), 201)
    assert app["status"] in ("sent", "escalated"), app
    if app["status"] == "escalated":
        app = ok(
            client.post(
                f"{API}/applications/{app['id']}/review",
                headers=h["operator"],
                json={"approve": True, "note": "evidence checked by hand"},
            )
        )
    app = walk(client, h, app)
    assert app["status"] == "disbursed"
    redirect = app["payment_redirect"]
    assert redirect["pay_to_org_id"] == bank
    notices = ok(client.get(f"{API}/inbox", headers=h["core_enterprise"]))
    assert any(m["kind"] == "assignment_notice" for m in notices)
    # the same receivable again: refused naming the earlier registration, nothing stored
    before = ok(client.get(f"{API}/applications", headers=h["supplier"]))
    r = client.post(
        f"{API}/applications", headers=h["supplier"], json={**body, "amount": money("5000.00")}
    )
    assert r.status_code in (409, 422), r.text
    assert r.json()["code"] in ("already_pledged", "not_confirmed"), r.json()
    assert ok(client.get(f"{API}/applications", headers=h["supplier"])) == before
    key = {"Idempotency-Key": "rep-1"}
    paid = ok(
        client.post(
            f"{API}/applications/{app['id']}/repayments",
            headers={**h["bank"], **key},
            json={"amount": money("80000.00")},
        )
    )
    assert paid["status"] == "closed"
    again = ok(
        client.post(
            f"{API}/applications/{app['id']}/repayments",
            headers={**h["bank"], **key},
            json={"amount": money("80000.00")},
        )
    )
    assert again == paid
    r = client.post(
        f"{API}/applications/{app['id']}/repayments",
        headers={**h["bank"], **key},
        json={"amount": money("1.00")},
    )
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"
    times = ok(client.get(f"{API}/decision-times", headers=h["regulator"]))
    assert times["standard"]["decided"] >= 1
    report = ok(client.get(f"{API}/report", headers=h["regulator"]))
    assert report["volumes"]["scenario"]["receivables_factoring"] == [money("80000.00")]


def test_insured_factoring_to_default_and_claim(
    client: TestClient, world: World, clock: Any
) -> None:
    from datetime import timedelta

    h = setup(client, world)
    p = world.platform
    sup, core, bank = world.orgs["supplier"], world.orgs["core_enterprise"], world.orgs["bank"]
    with p.uow(world.actors["regulator"]) as uow:
        parties.add_list_entry(uow, "red", sup, "joint incentive")
    rid = confirmed_receivable(p, sup, core, "50000.00", due_in_days=30)
    pol = ok(
        client.post(
            f"{API}/cover-policies",
            headers=h["insurer"],
            json={
                "insured_org_id": sup,
                "debtor_org_id": core,
                "cover_ratio": "0.8",
                "premium_rate": "0.01",
                "limit": money("1000000.00"),
                "expires_on": "2026-12-31",
            },
        ),
        201,
    )
    app = ok(
        client.post(
            f"{API}/applications",
            headers=h["supplier"],
            json={
                "scenario": "credit_insurance",
                "amount": money("40000.00"),
                "asset": {"receivable_id": rid, "policy_id": pol["id"]},
                "funder_org_ids": [bank],
            },
        ),
        201,
    )
    assert app["channel"] == "green" and app["status"] == "offered", (
        app.get("note"),
        app.get("checks"),
    )
    assert app["offers"][0]["pricing"]["breakdown"]["red_list_discount"] == "0.0050"
    app = walk(client, h, app)
    clock.advance(timedelta(days=40))
    h["operator"] = world.headers(client, "operator")
    ok(client.post(f"{API}/overdue-run", headers=h["operator"]))
    clock.advance(timedelta(days=60))
    h = {
        k: world.headers(client, k)
        for k in ("operator", "bank", "insurer", "supplier", "regulator")
    }
    out = ok(client.post(f"{API}/applications/{app['id']}/default", headers=h["bank"]))
    assert out["application"]["status"] == "defaulted"
    claim = out["claim"]
    assert claim["amount"] == money("32000.00")
    paid = ok(
        client.post(
            f"{API}/claims/{claim['id']}/payment", headers={**h["insurer"], "Idempotency-Key": "c1"}
        )
    )
    assert paid["status"] == "paid"
    final = ok(client.get(f"{API}/applications/{app['id']}", headers=h["supplier"]))
    assert final["status"] == "closed"
    summary = ok(client.get(f"{API}/summary/{sup}", headers=h["regulator"]))
    assert summary["financings"] == 1
    times = ok(client.get(f"{API}/decision-times", headers=h["regulator"]))
    assert times["green"]["median_seconds"] == "0.0"


def test_refusals_change_nothing(client: TestClient, world: World) -> None:
    h = setup(client, world)
    p = world.platform
    sup, core, bank = world.orgs["supplier"], world.orgs["core_enterprise"], world.orgs["bank"]
    rid = confirmed_receivable(p, sup, core, "30000.00")
    unlisted = parties_org = None
    from tests.factories import add_org

    unlisted = add_org(p, "bank", whitelist=False)
    body = {
        "scenario": "receivables_factoring",
        "amount": money("20000.00"),
        "asset": {"receivable_id": rid},
        "funder_org_ids": [unlisted],
    }
    r = client.post(f"{API}/applications", headers=h["supplier"], json=body)
    assert r.status_code == 422 and r.json()["code"] == "not_whitelisted", r.text
    with p.uow(world.actors["regulator"]) as uow:
        parties.add_list_entry(uow, "black", sup, "fraudulent invoices")
    r = client.post(
        f"{API}/applications", headers=h["supplier"], json={**body, "funder_org_ids": [bank]}
    )
    assert r.status_code == 422 and r.json()["code"] == "black_listed"
    assert "fraudulent invoices" in r.json()["detail"] and "2025-03-03" in r.json()["detail"]
    assert ok(client.get(f"{API}/applications", headers=h["supplier"])) == []
    del parties_org
