"""Credit on weak property rights end to end through the HTTP API, application to closing: a
patent recorded by its registration number, valued by an appraiser with a haircut, the risk
room's supply-chain limit capping the loan, the pledge registered so that the same patent
cannot back a second financing, repayment and the pledge released."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.e2e.test_financing_api import API, money, ok, setup
from tests.e2e.test_financing_scenarios_api import (
    accept_register_disburse,
    close_by_repayment,
    interest,
    registration,
)
from tests.e2e.test_scenario_cross_border_api import refused
from tests.factories import World, confirmed_receivable

SCN = "/api/v1/scenarios"
V1 = "/api/v1"


def test_patent_pledge_to_closing(client: TestClient, world: World) -> None:
    h = setup(client, world)
    h["appraiser"] = world.headers(client, "appraiser")
    sup, core, bank = world.orgs["supplier"], world.orgs["core_enterprise"], world.orgs["bank"]
    for funder in ("bank", "factoring_company"):
        ok(
            client.post(
                f"{API}/products",
                headers=h[funder],
                json={
                    "scenario": "ip_pledge",
                    "name": f"IP pledge {funder}",
                    "base_rate": "0.03",
                    "max_amount": money("10000000.00"),
                    "rate_groups": [
                        {"name": "small", "size_classes": ["micro", "small"], "spread": "0.02"}
                    ],
                },
            ),
            201,
        )
    for amount in ("1000000.00", "200000.00", "200000.00"):  # recurring, confirmed trade
        confirmed_receivable(world.platform, sup, core, amount)
    patent = {
        "kind": "patent",
        "registration_no": "zl202310123456.7",
        "title": "一种动力电池热管理方法",
        "expires_on": "2035-01-01",
    }
    r = client.post(
        f"{SCN}/ip-assets",
        headers=h["supplier"],
        json={**patent, "registration_no": "CN123"},
    )
    refused(r, "invalid_input", "registration_no")
    ip = ok(client.post(f"{SCN}/ip-assets", headers=h["supplier"], json=patent), 201)
    assert ip["registration_no"] == "ZL202310123456.7" and ip["status"] == "recorded"
    r = client.post(f"{SCN}/ip-assets", headers=h["supplier"], json=patent)
    refused(r, "duplicate_ip", status=409)
    body = {
        "scenario": "ip_pledge",
        "amount": money("40000.00"),
        "asset": {"ip_id": ip["id"], "tenor_days": 180},
        "funder_org_ids": [bank],
    }
    r = client.post(f"{API}/applications", headers=h["supplier"], json=body)
    refused(r, "ip_not_valued", "asset.ip_id")
    valuation = {"value": money("2000000.00"), "haircut": "0.40", "report_no": "PG-2025-031"}
    # only an appraiser values; a haircut below the platform's 30% is refused
    r = client.post(f"{SCN}/ip-assets/{ip['id']}/valuation", headers=h["supplier"], json=valuation)
    assert r.status_code == 403, r.text
    r = client.post(
        f"{SCN}/ip-assets/{ip['id']}/valuation",
        headers=h["appraiser"],
        json={**valuation, "haircut": "0.20"},
    )
    refused(r, "invalid_input", "haircut")
    ip = ok(
        client.post(f"{SCN}/ip-assets/{ip['id']}/valuation", headers=h["appraiser"], json=valuation)
    )
    assert ip["status"] == "valued" and ip["lending_value"] == money("1200000.00")
    # the supply-chain score's limit caps the loan below the patent's lending value
    grade = ok(client.get(f"{V1}/risk/limits/{sup}", headers=h["regulator"]))
    limit = grade["limit"]
    assert limit is not None and Decimal(limit["amount"]) < Decimal("1200000.00"), grade
    over = str(Decimal(limit["amount"]) + Decimal("0.01"))
    r = client.post(
        f"{API}/applications", headers=h["supplier"], json={**body, "amount": money(over)}
    )
    refused(r, "over_supply_chain_limit")
    assert ok(client.get(f"{API}/applications", headers=h["supplier"])) == []
    app = ok(client.post(f"{API}/applications", headers=h["supplier"], json=body), 201)
    assert app["status"] == "sent", (app.get("note"), app["checks"])
    assert app["evidence"]["appraisal"]["haircut"] == "0.4000"
    assert app["evidence"]["recurring_trade"]["invoices_365d"] == 3
    (check,) = [c for c in app["checks"] if c["check"] == "supply_chain_limit"]
    assert check["result"] == "pass" and check["limit"] == limit, check
    ok(client.post(f"{API}/applications/{app['id']}/offers", headers=h["bank"]), 201)
    app = ok(client.get(f"{API}/applications/{app['id']}", headers=h["supplier"]))
    (offer,) = app["offers"]
    # base 3% + small-supplier group 2% + the scenario's 1.5%; 180 days from 2025-03-03 is
    # 2025-08-30, a Saturday: due Monday 2025-09-01, 182 days
    assert app["due_on"] == "2025-09-01"
    assert offer["rate"] == "0.06500000" and offer["pricing"]["days"] == 182
    assert offer["interest"] == money(interest("40000.00", "0.065", 182))
    offer, app = accept_register_disburse(client, h, app, "bank")
    (filing,) = app["registrations"]
    reg = registration(client, filing["number"])
    assert reg["kind"] == "pledge"
    assert [c["identifier"].lower() for c in reg["collateral"]] == ["patent/zl202310123456.7"]
    pledged = ok(client.get(f"{SCN}/ip-assets", headers=h["supplier"]))[0]
    assert pledged["status"] == "pledged" and pledged["application_id"] == app["id"]
    # the patent pledged twice: refused while the pledge is live
    r = client.post(
        f"{API}/applications",
        headers=h["supplier"],
        json={**body, "funder_org_ids": [world.orgs["factoring_company"]]},
    )
    refused(r, "ip_pledged", "asset.ip_id")
    close_by_repayment(client, h, app)
    assert registration(client, filing["number"])["status"] == "cancelled"
    released = ok(client.get(f"{SCN}/ip-assets", headers=h["supplier"]))[0]
    assert released["status"] == "released"
