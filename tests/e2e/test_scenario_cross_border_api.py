"""Cross-border e-commerce marketplace payouts end to end through the HTTP API, application
to closing: the operator's FX rates (a missing pair and a stale rate refused), the seller's
payout confirmed by the marketplace, the advance in CNY at 80% of the converted value, the
assignment registered with notice to the marketplace, the same payout refused a second time
(at application and by the registry at registration), repayment and the assignment released."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.test_financing_api import API, money, ok, setup
from tests.e2e.test_financing_scenarios_api import (
    accept_register_disburse,
    audit_actions,
    close_by_repayment,
    interest,
    registration,
)
from tests.factories import World

SCN = "/api/v1/scenarios"
HISTORY = [
    {"month": f"2024-{m:02d}", "amount": {"amount": "41000.00", "currency": "USD"}}
    for m in range(7, 13)
]


def products(client: TestClient, h: dict[str, dict[str, str]]) -> None:
    for funder in ("bank", "factoring_company"):
        ok(
            client.post(
                f"{API}/products",
                headers=h[funder],
                json={
                    "scenario": "cross_border_payout",
                    "name": f"cross-border payouts {funder}",
                    "base_rate": "0.03",
                    "max_amount": money("10000000.00"),
                    "rate_groups": [
                        {"name": "small", "size_classes": ["micro", "small"], "spread": "0.01"}
                    ],
                },
            ),
            201,
        )


def load_rate(
    client: TestClient, h: dict[str, dict[str, str]], base: str, rate: str, observed: Any
) -> dict[str, Any]:
    body = {
        "base": base,
        "quote": "CNY",
        "rate": rate,
        "source": "CFETS central parity",
        "observed_at": observed.isoformat(),
    }
    return dict(ok(client.put(f"{SCN}/fx-rates", headers=h["operator"], json=body), 201))


def record(
    client: TestClient, h: dict[str, dict[str, str]], world: World, ref: str, amount: str, cur: str
) -> dict[str, Any]:
    body = {
        "marketplace_org_id": world.orgs["marketplace"],
        "reference": ref,
        "amount": {"amount": amount, "currency": cur},
        "due_on": "2025-05-02",
        "sales_history": [
            {**m, "amount": {**m["amount"], "currency": cur}}
            for m in HISTORY  # type: ignore[dict-item]
        ],
    }
    return dict(ok(client.post(f"{SCN}/payouts", headers=h["supplier"], json=body), 201))


def refused(r: Any, code: str, field: str | None = None, status: int = 422) -> None:
    assert r.status_code == status and r.json()["code"] == code, r.text
    if field is not None:
        assert r.json()["errors"][0]["field"] == field, r.text


def test_cross_border_payout_financing_to_closing(client: TestClient, world: World) -> None:
    h = setup(client, world)
    h["marketplace"] = world.headers(client, "marketplace")
    products(client, h)
    bank, market = world.orgs["bank"], world.orgs["marketplace"]
    now = world.platform.clock.now()
    payout = record(client, h, world, "AMZ-2025-03-0001", "50000.00", "USD")
    assert payout["status"] == "recorded" and len(payout["sales_history"]) == 6
    # the same marketplace payout number a second time: refused, nothing stored
    r = client.post(
        f"{SCN}/payouts",
        headers=h["supplier"],
        json={
            "marketplace_org_id": market,
            "reference": "AMZ-2025-03-0001",
            "amount": {"amount": "50000.00", "currency": "USD"},
            "due_on": "2025-05-02",
        },
    )
    refused(r, "duplicate_payout", status=409)
    body = {
        "scenario": "cross_border_payout",
        "amount": money("284000.00"),
        "asset": {"payout_id": payout["id"], "advance_currency": "CNY"},
        "funder_org_ids": [bank],
    }
    # not confirmed by the marketplace yet
    r = client.post(f"{API}/applications", headers=h["supplier"], json=body)
    refused(r, "payout_not_confirmed", "asset.payout_id")
    # only the marketplace the payout names confirms it
    r = client.post(f"{SCN}/payouts/{payout['id']}/confirmation", headers=h["supplier"])
    assert r.status_code == 403, r.text
    payout = ok(client.post(f"{SCN}/payouts/{payout['id']}/confirmation", headers=h["marketplace"]))
    assert payout["status"] == "confirmed" and payout["confirmed_at"]
    # no USD/CNY rate loaded: refused naming the currency, nothing stored
    r = client.post(f"{API}/applications", headers=h["supplier"], json=body)
    refused(r, "no_fx_rate", "asset.advance_currency")
    # a rate older than the staleness (24 hours by default): refused
    load_rate(client, h, "USD", "7.20000000", now - timedelta(hours=25))
    r = client.post(f"{API}/applications", headers=h["supplier"], json=body)
    refused(r, "stale_fx_rate", "asset.advance_currency")
    assert ok(client.get(f"{API}/applications", headers=h["supplier"])) == []
    # a fresh rate: 50,000.00 USD x 7.10 = 355,000.00 CNY, lent at most 80% = 284,000.00
    rate = load_rate(client, h, "USD", "7.10000000", now - timedelta(hours=1))
    assert rate["rate"] == "7.10000000" and rate["source"] == "CFETS central parity"
    r = client.post(
        f"{API}/applications", headers=h["supplier"], json={**body, "amount": money("284000.01")}
    )
    refused(r, "over_advance", "amount")
    app = ok(client.post(f"{API}/applications", headers=h["supplier"], json=body), 201)
    assert app["status"] == "sent" and app["debtor_org_id"] == market, app
    assert app["evidence"]["fx_rate"]["rate"] == "7.10000000"
    assert app["evidence"]["fx_rate"]["source"] == "CFETS central parity"
    # a second application on the same payout to another funder, before any acceptance
    twin = ok(
        client.post(
            f"{API}/applications",
            headers=h["supplier"],
            json={**body, "funder_org_ids": [world.orgs["factoring_company"]]},
        ),
        201,
    )
    ok(client.post(f"{API}/applications/{app['id']}/offers", headers=h["bank"]), 201)
    app = ok(client.get(f"{API}/applications/{app['id']}", headers=h["supplier"]))
    (offer,) = app["offers"]
    # base 3% + small-supplier group 1% + the scenario's 0.75%; 2025-03-03 to 2025-05-06
    # (2025-05-02 is in the Labour Day holiday, rolled to the next working day)
    assert app["due_on"] == "2025-05-06"
    assert offer["rate"] == "0.04750000" and offer["pricing"]["days"] == 64
    assert offer["interest"] == money(interest("284000.00", "0.0475", 64))
    offer, app = accept_register_disburse(client, h, app, "bank")
    (filing,) = app["registrations"]
    reg = registration(client, filing["number"])
    assert reg["kind"] == "assignment"
    (col,) = reg["collateral"]
    assert col["identifier"].lower().endswith("/amz-2025-03-0001")
    assigned = ok(client.get(f"{SCN}/payouts/{payout['id']}", headers=h["marketplace"]))
    assert assigned["status"] == "assigned" and assigned["assigned_to_org_id"] == bank
    assert assigned["advance"] == money("284000.00") and assigned["notice_at"]
    assert assigned["registration_number"] == filing["number"]
    notices = ok(client.get(f"{API}/inbox", headers=h["marketplace"]))
    assert any(n["kind"] == "assignment_notice" for n in notices), notices
    assert app["payment_redirect"]["pay_to_org_id"] == bank
    # the payout financed twice: a new application is refused ...
    r = client.post(f"{API}/applications", headers=h["supplier"], json=body)
    refused(r, "payout_financed", "asset.payout_id")
    # ... and the twin sent earlier cannot be registered: one registration per asset
    fac = "factoring_company"
    ok(client.post(f"{API}/applications/{twin['id']}/offers", headers=h[fac]), 201)
    twin = ok(client.get(f"{API}/applications/{twin['id']}", headers=h["supplier"]))
    acc = client.post(
        f"{API}/offers/{twin['offers'][0]['id']}/accept",
        headers={**h["supplier"], "Idempotency-Key": f"acc-{twin['id']}"},
    )
    assert acc.status_code == 200, acc.text
    r = client.post(f"{API}/applications/{twin['id']}/registration", headers=h[fac])
    refused(r, "already_pledged", status=409)
    assert filing["number"] in r.json()["detail"], r.text
    twin = ok(client.get(f"{API}/applications/{twin['id']}", headers=h["supplier"]))
    assert twin["status"] == "accepted" and twin["registrations"] == [], twin
    exposure = ok(client.get(f"{SCN}/marketplace-exposure", headers=h["regulator"]))
    assert exposure == [
        {"marketplace_org_id": market, "exposure": [{"advanced": money("284000.00"), "payouts": 1}]}
    ]
    close_by_repayment(client, h, app)
    assert registration(client, filing["number"])["status"] == "cancelled"
    settled = ok(client.get(f"{SCN}/payouts/{payout['id']}", headers=h["supplier"]))
    assert settled["status"] == "settled"
    assert ok(client.get(f"{SCN}/marketplace-exposure", headers=h["regulator"])) == []
    actions = audit_actions(client, h["regulator"], app["id"])
    assert "financing.closed" in actions
    trail = audit_actions(client, h["regulator"], payout["id"])
    assert set(trail) == {
        "scenarios.payout.recorded",
        "scenarios.payout.confirmed",
        "scenarios.payout.assigned",
        "scenarios.payout.settled",
    }


def test_hkd_payout_advanced_in_hkd_without_conversion(client: TestClient, world: World) -> None:
    h = setup(client, world)
    h["marketplace"] = world.headers(client, "marketplace")
    ok(
        client.post(
            f"{API}/products",
            headers=h["bank"],
            json={
                "scenario": "cross_border_payout",
                "name": "HKD payouts",
                "base_rate": "0.04",
                "max_amount": {"amount": "5000000.00", "currency": "HKD"},
            },
        ),
        201,
    )
    payout = record(client, h, world, "HK-0001", "100000.00", "HKD")
    ok(client.post(f"{SCN}/payouts/{payout['id']}/confirmation", headers=h["marketplace"]))
    body = {
        "scenario": "cross_border_payout",
        "amount": {"amount": "80000.00", "currency": "HKD"},
        "asset": {"payout_id": payout["id"], "advance_currency": "HKD"},
        "funder_org_ids": [world.orgs["bank"]],
    }
    # an advance in a currency the scenario does not lend in
    r = client.post(
        f"{API}/applications",
        headers=h["supplier"],
        json={**body, "asset": {**body["asset"], "advance_currency": "USD"}},
    )
    refused(r, "invalid_input", "asset.advance_currency")
    app = ok(client.post(f"{API}/applications", headers=h["supplier"], json=body), 201)
    assert app["status"] == "sent" and app["amount"]["currency"] == "HKD"
    assert app["evidence"]["fx_rate"]["rate"] == "1"
