"""Bad input through the HTTP API: each refusal names its reason and moves nothing (states,
registrations, invoice fingerprints and the audit trail stay as they were); graph findings
and exposure caps refuse at application and at acceptance."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from scf.core.clock import FixedClock
from scf.parties import service as parties
from tests.e2e.test_financing_api import API, money, ok, setup
from tests.factories import World, add_org, confirmed_receivable, token

V1 = "/api/v1"


class Snapshot:
    """Everything a refused command must leave alone."""

    def __init__(self, client: TestClient, h: dict[str, dict[str, str]], uscc: str) -> None:
        self.client, self.h, self.uscc = client, h, uscc

    def take(self) -> Any:
        c, h = self.client, self.h
        apps = ok(c.get(f"{API}/applications", headers=h["regulator"]))
        regs = ok(c.get(f"{V1}/registry/search", params={"grantor_uscc": self.uscc}))
        audit = ok(c.get(f"{V1}/audit", headers=h["regulator"], params={"limit": 1}))["total"]
        return (
            [(a["id"], a["status"], a["registrations"], a["offers"]) for a in apps],
            [(r["number"], r["status"]) for r in regs["results"]],
            audit,
        )

    def refused(
        self, method: str, url: str, who: str, status: int, code: str, **kw: Any
    ) -> dict[str, Any]:
        before = self.take()
        r = self.client.request(method, url, headers={**self.h[who], **kw.pop("headers", {})}, **kw)
        assert r.status_code == status and r.json()["code"] == code, r.text
        assert self.take() == before
        return dict(r.json())


def bill(package: str, core: str, lo: int = 1, hi: int = 5_000_000) -> dict[str, Any]:
    return {
        "package_no": package,
        "sub_from": lo,
        "sub_to": hi,
        "acceptor_org_id": core,
        "maturity_on": "2025-08-29",
    }


def test_refusals_name_the_reason_and_move_nothing(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    h = setup(client, world)
    p = world.platform
    sup, core, bank = world.orgs["supplier"], world.orgs["core_enterprise"], world.orgs["bank"]
    fac = world.orgs["factoring_company"]
    sup_uscc = ok(client.get(f"{V1}/organizations/{sup}", headers=h["operator"]))["uscc"]
    snap = Snapshot(client, h, sup_uscc)
    for n in range(1, 6):  # the acceptor records the bills the supplier holds
        record = {
            "package_no": f"PKG000{n}",
            "drawer_org_id": core,
            "acceptor_org_id": core,
            "holder_org_id": sup,
            "face": money("50000.00"),
            "issued_on": "2025-03-03",
            "due_on": "2025-08-29",
        }
        ok(client.post(f"{API}/bills", headers=h["core_enterprise"], json=record), 201)

    def body(asset: dict[str, Any], funders: list[str] | None = None) -> dict[str, Any]:
        return {
            "scenario": "bill_discounting",
            "amount": money("40000.00"),
            "asset": asset,
            "funder_org_ids": funders or [bank],
        }

    # collateral already pledged: another funder registered the sub-bills first
    earlier = ok(
        client.post(
            f"{V1}/registry/registrations",
            headers=h["factoring_company"],
            json={
                "kind": "pledge",
                "grantor_org_ids": [sup],
                "secured_party_org_id": fac,
                "collateral": [{"kind": "bill", "identifier": "PKG0001/1-5000000"}],
                "period_months": 6,
            },
        ),
        201,
    )["registration"]
    problem = snap.refused(
        "POST",
        f"{API}/applications",
        "supplier",
        409,
        "already_pledged",
        json=body(bill("PKG0001", core)),
    )
    assert earlier["number"] in problem["detail"]
    assert problem["details"]["registration"] == earlier["number"]

    # a funder not on the white list
    unlisted = add_org(p, "bank", whitelist=False)
    problem = snap.refused(
        "POST",
        f"{API}/applications",
        "supplier",
        422,
        "not_whitelisted",
        json=body(bill("PKG0002", core), [unlisted]),
    )

    # an offer that expired (the bank's product keeps offers open 72 hours)
    first = ok(
        client.post(f"{API}/applications", headers=h["supplier"], json=body(bill("PKG0003", core))),
        201,
    )
    offer = ok(client.post(f"{API}/applications/{first['id']}/offers", headers=h["bank"]), 201)
    clock.advance(timedelta(hours=73))
    h.update({k: {"Authorization": f"Bearer {token(client, k)}"} for k in h})
    problem = snap.refused(
        "POST",
        f"{API}/offers/{offer['id']}/accept",
        "supplier",
        409,
        "offer_expired",
        headers={"Idempotency-Key": "late"},
    )
    assert offer["expires_at"][:16] in problem["detail"]

    # accepting twice, disbursing before registration
    second = ok(
        client.post(f"{API}/applications", headers=h["supplier"], json=body(bill("PKG0004", core))),
        201,
    )
    offer = ok(client.post(f"{API}/applications/{second['id']}/offers", headers=h["bank"]), 201)
    accepted = ok(
        client.post(
            f"{API}/offers/{offer['id']}/accept",
            headers={**h["supplier"], "Idempotency-Key": "once"},
        )
    )
    assert accepted["status"] == "accepted"
    problem = snap.refused(
        "POST",
        f"{API}/offers/{offer['id']}/accept",
        "supplier",
        409,
        "already_accepted",
        headers={"Idempotency-Key": "twice"},
    )
    assert offer["id"] in problem["detail"]
    problem = snap.refused(
        "POST",
        f"{API}/applications/{second['id']}/disbursement",
        "bank",
        409,
        "not_registered",
        headers={"Idempotency-Key": "too-early"},
    )
    assert "registration" in problem["detail"]
    assert (
        ok(client.get(f"{API}/applications/{second['id']}", headers=h["bank"]))["registrations"]
        == []
    )

    # a black-listed applicant: the listing's reason and date
    with p.uow(world.actors["regulator"]) as uow:
        parties.add_list_entry(uow, "black", sup, "fictitious invoices")
    problem = snap.refused(
        "POST",
        f"{API}/applications",
        "supplier",
        422,
        "black_listed",
        json=body(bill("PKG0005", core)),
    )
    assert "fictitious invoices" in problem["detail"] and "2025-03-06" in problem["detail"]


def test_self_financing_and_exposure_caps(client: TestClient, world: World) -> None:
    h = setup(client, world)
    p = world.platform
    sup, core, bank = world.orgs["supplier"], world.orgs["core_enterprise"], world.orgs["bank"]
    fac = world.orgs["factoring_company"]
    sup_uscc = ok(client.get(f"{V1}/organizations/{sup}", headers=h["operator"]))["uscc"]
    snap = Snapshot(client, h, sup_uscc)
    rid = confirmed_receivable(p, sup, core, "1000000.00")
    line = ok(
        client.post(
            f"{V1}/credit-lines",
            headers=h["bank"],
            json={"core_org_id": core, "limit": money("2000000.00"), "expires_on": "2026-02-27"},
        ),
        201,
    )
    ok(
        client.post(
            f"{V1}/certificates",
            headers=h["core_enterprise"],
            json={
                "line_id": line["id"],
                "supplier_org_id": sup,
                "receivable_ids": [rid],
                "face": money("600000.00"),
                "maturity_on": "2025-08-29",
            },
        ),
        201,
    )
    (piece,) = ok(client.get(f"{V1}/certificate-pieces", headers=h["supplier"]))

    def cap(amount: str) -> None:
        ok(
            client.put(
                f"{V1}/certificate-exposure-caps",
                headers=h["regulator"],
                json={"funder_org_id": fac, "core_org_id": core, "cap": money(amount)},
            )
        )

    body = {
        "scenario": "reverse_factoring",
        "amount": money("600000.00"),
        "asset": {"piece_id": piece["id"]},
        "funder_org_ids": [fac],
    }
    # at application: the factoring company may hold at most 500,000.00 on the core
    cap("500000.00")
    problem = snap.refused(
        "POST", f"{API}/applications", "supplier", 422, "exposure_cap_exceeded", json=body
    )
    assert "500000.00" in problem["detail"] and problem["details"]["funder_org_id"] == fac
    # at acceptance: the cap was cut after the offer
    cap("1000000.00")
    app = ok(client.post(f"{API}/applications", headers=h["supplier"], json=body), 201)
    offer = ok(
        client.post(f"{API}/applications/{app['id']}/offers", headers=h["factoring_company"]),
        201,
    )
    cap("100000.00")
    problem = snap.refused(
        "POST",
        f"{API}/offers/{offer['id']}/accept",
        "supplier",
        422,
        "exposure_cap_exceeded",
        headers={"Idempotency-Key": "acc"},
    )
    assert problem["details"]["cap"] == money("100000.00")
    assert ok(client.get(f"{V1}/certificate-pieces", headers=h["supplier"])) == [piece]

    # self-financing: one controller holds 60% of the applicant and of its debtor
    controller = add_org(p, "core_enterprise", size_class="large")
    for org in (sup, core):
        ok(
            client.post(
                f"{V1}/organizations/{org}/shareholders",
                headers=h["operator"],
                json={"share": "0.6", "holder_org_id": controller},
            ),
            201,
        )
    rid2 = confirmed_receivable(p, sup, core, "50000.00")
    problem = snap.refused(
        "POST",
        f"{API}/applications",
        "supplier",
        422,
        "self_financing",
        json={
            "scenario": "receivables_factoring",
            "amount": money("40000.00"),
            "asset": {"receivable_id": rid2},
            "funder_org_ids": [bank],
        },
    )
    path = problem["details"]["path"]
    assert path[0] == sup and path[-1] == core and controller in path, problem
    assert controller in problem["detail"]


def test_risk_limit_is_checked_again_at_acceptance(client: TestClient, world: World) -> None:
    """Two purchase-order financings each fit the SME's headroom when applied for; once the
    first is disbursed the second no longer does, and its acceptance is refused."""
    from tests.e2e.test_financing_scenarios_api import accept_register_disburse

    h = setup(client, world)
    p = world.platform
    sup, core, bank = world.orgs["supplier"], world.orgs["core_enterprise"], world.orgs["bank"]
    confirmed_receivable(p, sup, core, "1000000.00")
    us = {
        o: ok(client.get(f"{V1}/organizations/{o}", headers=h["operator"]))["uscc"]
        for o in (sup, core)
    }
    snap = Snapshot(client, h, us[sup])
    apps = []
    for n in (1, 2):
        order = {
            "number": f"PO-LIMIT-{n}",
            "seller_uscc": us[sup],
            "buyer_uscc": us[core],
            "issue_date": "2025-03-01",
            "currency": "CNY",
            "lines": [{"item": "battery cells", "quantity": "1000", "unit_price": "500.00"}],
        }
        (oid,) = ok(
            client.post(
                f"{V1}/trade/orders", headers=h["core_enterprise"], json={"items": [order]}
            ),
            201,
        )["ids"]
        body = {
            "scenario": "purchase_order",
            "amount": money("60000.00"),
            "asset": {"order_id": oid, "tenor_days": 90},
            "funder_org_ids": [bank],
        }
        app = ok(client.post(f"{API}/applications", headers=h["supplier"], json=body), 201)
        (check,) = [c for c in app["checks"] if c["check"] == "risk_limit"]
        assert check["result"] == "pass", check
        ok(client.post(f"{API}/applications/{app['id']}/offers", headers=h["bank"]), 201)
        apps.append(ok(client.get(f"{API}/applications/{app['id']}", headers=h["supplier"])))
    first, second = apps
    accept_register_disburse(client, h, first, "bank")
    offer = second["offers"][0]
    problem = snap.refused(
        "POST",
        f"{API}/offers/{offer['id']}/accept",
        "supplier",
        422,
        "over_risk_limit",
        headers={"Idempotency-Key": "acc-second"},
    )
    assert problem["details"]["amount"] == money("60000.00")
    assert Decimal(problem["details"]["limit"]["amount"]) < Decimal("60000.00")
    after = ok(client.get(f"{API}/applications/{second['id']}", headers=h["supplier"]))
    assert after["status"] == "offered" and after["offers"][0]["status"] == "open"
