"""The financing room's automatic checks act on the risk room's graph findings (issue 8)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.test_financing_api import API, money, ok, setup
from tests.factories import World, add_org, confirmed_receivable


def test_circular_trade_escalates_the_application_to_a_person(
    client: TestClient, world: World
) -> None:
    h = setup(client, world)
    p = world.platform
    sup, core, bank = world.orgs["supplier"], world.orgs["core_enterprise"], world.orgs["bank"]
    other = add_org(p, "supplier")
    # goods go round sup -> core -> other -> sup within days, the amount shaved a little each
    # hop: the money comes back to where it started
    rid = confirmed_receivable(p, sup, core, "1000000.00")
    confirmed_receivable(p, core, other, "990000.00")
    confirmed_receivable(p, other, sup, "980000.00")
    body = {
        "scenario": "receivables_factoring",
        "amount": money("500000.00"),
        "asset": {"receivable_id": rid, "recourse": False},
        "funder_org_ids": [bank],
    }
    app = ok(client.post(f"{API}/applications", headers=h["supplier"], json=body), 201)
    checks = {c["check"]: c for c in app["checks"]}
    assert app["status"] == "escalated", app
    assert checks["circular_trade"]["result"] == "escalate", checks
    assert "circular trade of 3 hops" in checks["circular_trade"]["detail"], checks
    assert checks["related_party"]["result"] == "pass"  # unrelated owners: not self-financing
    # the same finding is what the risk room shows the regulator
    findings = ok(client.get(f"/api/v1/risk/findings/{sup}", headers=h["regulator"]))
    cycle = next(f for f in findings if f["kind"] == "circular_trade")
    assert set(cycle["org_ids"]) == {sup, core, other}
    # nothing goes to the funder until a person has looked at it
    assert ok(client.get(f"{API}/applications/{app['id']}", headers=h["bank"]))["offers"] == []
    reviewed = ok(
        client.post(
            f"{API}/applications/{app['id']}/review",
            headers=h["operator"],
            json={"approve": False, "note": "round-trip trade, no real sale"},
        )
    )
    assert reviewed["status"] == "refused", reviewed


def test_trade_without_a_loop_passes_the_graph_checks(client: TestClient, world: World) -> None:
    h = setup(client, world)
    p = world.platform
    sup, core, bank = world.orgs["supplier"], world.orgs["core_enterprise"], world.orgs["bank"]
    rid = confirmed_receivable(p, sup, core, "1000000.00")
    confirmed_receivable(p, core, add_org(p, "supplier"), "990000.00")  # the chain goes on
    body = {
        "scenario": "receivables_factoring",
        "amount": money("500000.00"),
        "asset": {"receivable_id": rid, "recourse": False},
        "funder_org_ids": [bank],
    }
    app = ok(client.post(f"{API}/applications", headers=h["supplier"], json=body), 201)
    checks = {c["check"]: c for c in app["checks"]}
    assert checks["circular_trade"]["result"] == "pass", checks
    assert checks["related_party"]["result"] == "pass", checks
