"""A supplier amends and withdraws its bid in a dynamic-discounting programme through the API
while the programme takes bids; a withdrawn bid takes no part in the clearing, and nothing
changes once the programme is cleared."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.e2e.test_financing_api import API, money, ok
from tests.e2e.test_financing_scenarios_api import interest
from tests.factories import World, add_user, confirmed_receivable, token


def test_bids_are_amended_and_withdrawn_while_the_programme_is_open(
    client: TestClient, world: World
) -> None:
    p = world.platform
    core = world.orgs["core_enterprise"]
    a, b = world.orgs["supplier"], world.subject
    add_user(p, b, "second_supplier")
    h = {
        "core": {"Authorization": f"Bearer {token(client, 'core_enterprise')}"},
        "a": {"Authorization": f"Bearer {token(client, 'supplier')}"},
        "b": {"Authorization": f"Bearer {token(client, 'second_supplier')}"},
    }
    ra = confirmed_receivable(p, a, core, "100000.00", due_in_days=90)
    rb = confirmed_receivable(p, b, core, "150000.00", due_in_days=90)
    prog = ok(
        client.post(
            f"{API}/discount-programs",
            headers=h["core"],
            json={"cash": money("300000.00"), "hurdle_rate": "0.06", "pay_on": "2025-03-10"},
        ),
        201,
    )
    bids = f"{API}/discount-programs/{prog['id']}/bids"
    bid_a = ok(client.post(bids, headers=h["a"], json={"receivable_id": ra, "rate": "0.08"}), 201)
    bid_b = ok(client.post(bids, headers=h["b"], json={"receivable_id": rb, "rate": "0.07"}), 201)
    # the same receivable twice: refused, the first bid is to be amended
    r = client.post(bids, headers=h["a"], json={"receivable_id": ra, "rate": "0.09"})
    assert r.status_code == 409 and r.json()["code"] == "already_bid", r.text
    # amended: the discount follows the new rate
    amended = ok(
        client.post(f"{bids}/{bid_a['id']}/amendment", headers=h["a"], json={"rate": "0.10"})
    )
    discount = interest("100000.00", "0.10", 85)
    assert Decimal(amended["rate"]) == Decimal("0.10") and amended["days"] == 85
    assert amended["discount"] == money(discount)
    assert amended["net"] == money(str(Decimal("100000.00") - Decimal(discount)))
    # nobody else's bid: 404; a rate that is not one: 422 naming the field
    r = client.post(f"{bids}/{bid_a['id']}/amendment", headers=h["b"], json={"rate": "0.09"})
    assert r.status_code == 404, r.text
    r = client.post(f"{bids}/{bid_a['id']}/amendment", headers=h["a"], json={"rate": "abc"})
    assert r.status_code == 422 and "rate" in r.text, r.text
    # withdrawn: it takes no part in the clearing
    out = ok(client.post(f"{bids}/{bid_b['id']}/withdrawal", headers=h["b"]))
    assert out["status"] == "withdrawn"
    r = client.post(f"{bids}/{bid_b['id']}/withdrawal", headers=h["b"])
    assert r.status_code == 409 and r.json()["code"] == "bid_closed", r.text
    cleared = ok(
        client.post(
            f"{API}/discount-programs/{prog['id']}/clearing",
            headers={**h["core"], "Idempotency-Key": "clear-amended"},
        )
    )
    status = {x["id"]: x["status"] for x in cleared["bids"]}
    assert status == {bid_a["id"]: "won", bid_b["id"]: "withdrawn"}
    assert cleared["result"]["discount_earned"] == money(interest("100000.00", "0.10", 85))
    # cleared: no more amendments or withdrawals
    r = client.post(f"{bids}/{bid_a['id']}/amendment", headers=h["a"], json={"rate": "0.09"})
    assert r.status_code == 409 and r.json()["code"] == "program_closed", r.text
