"""Dates past the last published holiday schedule work through the API: they roll on the
provisional calendar instead of being refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

from scf.core.clock import FixedClock
from tests.e2e.test_financing_api import API as FINANCING
from tests.e2e.test_financing_api import money, ok, setup, walk
from tests.factories import World, confirmed_receivable

API = "/api/v1"


def test_a_certificate_maturing_in_2027(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    p = world.platform
    core, sup = world.orgs["core_enterprise"], world.orgs["supplier"]
    assert p.calendar.is_provisional(2027)
    rec = confirmed_receivable(p, sup, core, amount="500000.00", due_in_days=100)
    h = {r: world.headers(client, r) for r in ("core_enterprise", "bank", "supplier")}
    line = ok(
        client.post(
            f"{API}/credit-lines",
            headers=h["bank"],
            json={"core_org_id": core, "limit": money("1000000.00"), "expires_on": "2027-11-30"},
        ),
        201,
    )
    body = {
        "line_id": line["id"],
        "supplier_org_id": sup,
        "receivable_ids": [rec],
        "face": money("300000.00"),
        "maturity_on": "2027-02-20",  # a Saturday
    }
    cert = ok(client.post(f"{API}/certificates", headers=h["core_enterprise"], json=body), 201)
    assert cert["maturity_on"] == "2027-02-22"  # the Monday after, on the provisional calendar
    assert cert["maturity_provisional"] and cert["maturity_requested_on"] == "2027-02-20"
    assert p.calendar.roll(date(2027, 2, 20)).provisional
    # a maturity in the provisional Spring Festival rolls past it
    cert = ok(
        client.post(
            f"{API}/certificates",
            headers=h["core_enterprise"],
            json={**body, "face": money("100000.00"), "maturity_on": "2027-02-06"},
        ),
        201,
    )
    assert cert["maturity_on"] == "2027-02-11"
    got = ok(client.get(f"{API}/certificates/{cert['id']}", headers=h["supplier"]))
    assert got["maturity_on"] == "2027-02-11" and got["maturity_provisional"]
    assert got["maturity_requested_on"] == "2027-02-06"


def disbursed_factoring(
    client: TestClient, world: World, h: dict[str, dict[str, str]], due_in_days: int
) -> dict[str, Any]:
    """A factoring of a receivable due in `due_in_days`, applied for and disbursed."""
    sup, core = world.orgs["supplier"], world.orgs["core_enterprise"]
    rid = confirmed_receivable(world.platform, sup, core, "100000.00", due_in_days=due_in_days)
    body = {
        "scenario": "receivables_factoring",
        "amount": money("80000.00"),
        "asset": {"receivable_id": rid, "recourse": False},
        "funder_org_ids": [world.orgs["bank"]],
    }
    app = ok(client.post(f"{FINANCING}/applications", headers=h["supplier"], json=body), 201)
    if app["status"] == "escalated":
        app = ok(
            client.post(
                f"{FINANCING}/applications/{app['id']}/review",
                headers=h["operator"],
                json={"approve": True, "note": "checked"},
            )
        )
    return walk(client, h, app)


def test_a_financing_due_in_2030(client: TestClient, world: World, clock: FixedClock) -> None:
    # Factoring runs at most a year, so the platform's today is late 2029 (provisional too).
    clock.set(datetime(2029, 12, 3, 2, 0, tzinfo=UTC))
    h = setup(client, world)
    # due Saturday 2 March 2030: a provisional year, rolled to Monday 4 March
    app = disbursed_factoring(client, world, h, (date(2030, 3, 2) - date(2029, 12, 3)).days)
    assert app["status"] == "disbursed" and app["due_on"] == "2030-03-04", app
    assert app["due_provisional"] and app["due_requested_on"] == "2030-03-02"
    got = ok(client.get(f"{FINANCING}/applications/{app['id']}", headers=h["bank"]))
    assert got["due_on"] == "2030-03-04" and got["due_provisional"]


def test_a_financing_due_in_2030_repaid_then_the_2030_schedule_loaded(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    clock.set(datetime(2029, 12, 3, 2, 0, tzinfo=UTC))
    h = setup(client, world)
    app = disbursed_factoring(client, world, h, (date(2030, 3, 2) - date(2029, 12, 3)).days)
    assert app["due_on"] == "2030-03-04" and app["due_provisional"]
    # repaid on its due date, on the provisional calendar
    clock.set(datetime(2030, 3, 4, 2, 0, tzinfo=UTC))
    h = {role: world.headers(client, role) for role in h}
    paid = ok(
        client.post(
            f"{FINANCING}/applications/{app['id']}/repayments",
            headers={**h["bank"], "Idempotency-Key": "rep-2030"},
            json={"amount": money("80000.00")},
        )
    )
    assert paid["status"] == "closed" and paid["due_on"] == "2030-03-04"
    # a 2030 notice that makes Monday 4 March a day off: the closed financing keeps its date
    notice = {"year": 2030, "holidays": {"2030-01-01": "元旦", "2030-03-04": "春节"}}
    loaded = ok(
        client.post(f"{API}/calendar/files", headers=h["operator"], json=notice),
        201,
    )
    (kept,) = loaded["dates"]
    assert (kept["record_id"], kept["before"], kept["after"]) == (
        app["id"],
        "2030-03-04",
        "2030-03-05",
    )
    assert not kept["applied"] and kept["reason"] == "the financing is closed"
    got = ok(client.get(f"{FINANCING}/applications/{app['id']}", headers=h["supplier"]))
    assert (got["due_on"], got["due_provisional"]) == ("2030-03-04", False)
