"""The other five scenarios end to end through the HTTP API, application to closing: reverse
factoring on a payable certificate, warehouse-receipt pledge with a margin call,
purchase-order financing, bill discounting and dynamic discounting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.test_financing_api import API, money, ok, setup
from tests.factories import World, add_user, confirmed_receivable, token

V1 = "/api/v1"


def interest(amount: str, rate: str, days: int) -> str:
    """amount x rate x days / 360, to the fen, half up (the platform's one rounding)."""
    value = Decimal(amount) * Decimal(rate) * Decimal(days) / Decimal(360)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def minus(a: str, b: str) -> str:
    return str(Decimal(a) - Decimal(b))


def audit_actions(client: TestClient, reg: dict[str, str], app_id: str) -> list[str]:
    page = ok(
        client.get(
            f"{V1}/audit",
            headers=reg,
            params={"aggregate_id": app_id, "limit": 200},
        )
    )
    return [e["action"] for e in page["items"]]


def registration(client: TestClient, number: str) -> dict[str, Any]:
    return ok(client.get(f"{V1}/registry/registrations/{number}"))


def close_by_repayment(
    client: TestClient, h: dict[str, dict[str, str]], app: dict[str, Any], funder: str = "bank"
) -> dict[str, Any]:
    out = ok(
        client.post(
            f"{API}/applications/{app['id']}/repayments",
            headers={**h[funder], "Idempotency-Key": f"rep-{app['id']}"},
            json={"amount": app["outstanding"]},
        )
    )
    assert out["status"] == "closed", out
    assert out["outstanding"] == money("0.00")
    assert out["repaid"] == app["amount"]
    return dict(out)


def accept_register_disburse(
    client: TestClient, h: dict[str, dict[str, str]], app: dict[str, Any], funder: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Accept the funder's offer, register, disburse; return (offer, disbursed application)."""
    offer = next(o for o in app["offers"] if o["status"] == "open")
    acc = ok(
        client.post(
            f"{API}/offers/{offer['id']}/accept",
            headers={**h["supplier"], "Idempotency-Key": f"acc-{app['id']}"},
        )
    )
    assert acc["status"] == "accepted" and acc["funder_org_id"] == offer["funder_org_id"]
    reg = ok(client.post(f"{API}/applications/{app['id']}/registration", headers=h[funder]))
    assert reg["status"] == "registered"
    out = ok(
        client.post(
            f"{API}/applications/{app['id']}/disbursement",
            headers={**h[funder], "Idempotency-Key": f"dis-{app['id']}"},
        )
    )
    assert out["instruction"]["amount"] == offer["proceeds"]
    assert out["instruction"]["payee_org_id"] == app["applicant_org_id"]
    assert out["application"]["status"] == "disbursed"
    return offer, out["application"]


def apply(client: TestClient, h: dict[str, dict[str, str]], body: dict[str, Any]) -> Any:
    app = ok(client.post(f"{API}/applications", headers=h["supplier"], json=body), 201)
    assert app["status"] == "sent", app  # standard channel, every check passed
    return app


def test_reverse_factoring_on_a_payable_certificate(client: TestClient, world: World) -> None:
    h = setup(client, world)
    p = world.platform
    sup, core, bank = world.orgs["supplier"], world.orgs["core_enterprise"], world.orgs["bank"]
    fac = world.orgs["factoring_company"]
    rid = confirmed_receivable(p, sup, core, "1000000.00")
    line = ok(
        client.post(
            f"{V1}/credit-lines",
            headers=h["bank"],
            json={"core_org_id": core, "limit": money("2000000.00"), "expires_on": "2026-02-27"},
        ),
        201,
    )
    cert = ok(
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
    assert piece["face"] == money("600000.00") and piece["certificate_id"] == cert["id"]
    app = apply(
        client,
        h,
        {
            "scenario": "reverse_factoring",
            "amount": money("600000.00"),
            "asset": {"piece_id": piece["id"]},
            "funder_org_ids": [bank, fac],
        },
    )
    assert app["debtor_org_id"] == core
    assert app["evidence"]["certificate_id"] == cert["id"]
    ok(client.post(f"{API}/applications/{app['id']}/offers", headers=h["bank"]), 201)
    app = ok(client.get(f"{API}/applications/{app['id']}", headers=h["supplier"]))
    (offer,) = app["offers"]
    # 2025-03-03 to the maturity 2025-08-29 (a Friday): 179 days at base 3% + group 0%
    assert offer["rate"] == "0.03000000" and offer["pricing"]["days"] == 179
    assert offer["interest"] == money(interest("600000.00", "0.03", 179))
    assert offer["proceeds"] == money(minus("600000.00", interest("600000.00", "0.03", 179)))
    offer, app = accept_register_disburse(client, h, app, "bank")
    (filing,) = app["registrations"]
    assert filing["kind"] == "assignment" and filing["funder_piece_id"]
    # ownership moved: the supplier holds nothing, the bank holds the face
    assert ok(client.get(f"{V1}/certificate-pieces", headers=h["supplier"])) == []
    held = ok(client.get(f"{V1}/certificate-pieces", headers=h["bank"]))
    assert [(x["id"], x["face"]) for x in held] == [(filing["funder_piece_id"], money("600000.00"))]
    final = close_by_repayment(client, h, app)
    assert final["registrations"] == app["registrations"]
    actions = audit_actions(client, h["regulator"], app["id"])
    for step in ("submitted", "sent", "offer.made", "accepted", "registered", "disbursed"):
        assert f"financing.{step}" in actions, actions
    assert "financing.closed" in actions


def test_warehouse_pledge_with_margin_call(client: TestClient, world: World) -> None:
    h = setup(client, world)
    sup, bank = world.orgs["supplier"], world.orgs["bank"]
    goods = ok(
        client.post(
            f"{V1}/registry/goods",
            headers=h["warehouse"],
            json={
                "holder_org_id": sup,
                "commodity": "gold",
                "grade": "Au99.99",
                "location": "Luohu vault 3",
                "quantity": "10000",
                "unit": "gram",
                "lot": "SGE-2025-0042",
                "receipt_nos": ["WR-2025-0001"],
            },
        ),
        201,
    )
    wh = ok(client.get(f"{V1}/organizations/{world.orgs['warehouse']}", headers=h["operator"]))
    body = {
        "scenario": "warehouse_pledge",
        "amount": money("2500000.00"),
        "asset": {"receipt": f"{wh['uscc']}/WR-2025-0001", "quantity": "10000", "tenor_days": 90},
        "funder_org_ids": [bank],
    }
    # no price posted yet: refused, nothing stored
    r = client.post(f"{API}/applications", headers=h["supplier"], json=body)
    assert r.status_code == 422 and r.json()["code"] == "no_commodity_price", r.text
    gold = {"commodity": "gold", "unit": "gram", "price": money("450.00"), "source": "SGE"}
    ok(client.put(f"{API}/commodity-prices", headers=h["operator"], json=gold))
    # more than 60% of 10,000 g x 450.00 = 4,500,000.00 is refused
    r = client.post(
        f"{API}/applications",
        headers=h["supplier"],
        json={**body, "amount": money("2700000.01")},
    )
    assert r.status_code == 422 and r.json()["code"] == "over_advance", r.text
    assert ok(client.get(f"{API}/applications", headers=h["supplier"])) == []
    app = apply(client, h, body)
    assert app["evidence"]["value_at_application"] == money("4500000.00")
    assert app["evidence"]["goods_id"] == goods["id"]
    ok(client.post(f"{API}/applications/{app['id']}/offers", headers=h["bank"]), 201)
    app = ok(client.get(f"{API}/applications/{app['id']}", headers=h["supplier"]))
    _, app = accept_register_disburse(client, h, app, "bank")
    (filing,) = app["registrations"]
    reg = registration(client, filing["number"])
    assert reg["kind"] == "pledge" and reg["status"] == "active"
    # mark to market at 450: LTV 2.5m / 4.5m = 0.5556, no call
    (mark,) = ok(client.post(f"{API}/mark-to-market", headers=h["operator"]))
    assert mark == {
        "application_id": app["id"],
        "value": money("4500000.00"),
        "ltv": "0.5556",
        "margin_call": False,
    }
    # the price drops to 330: value 3.3m, LTV 0.7576 over 0.75, shortfall 25,000.00
    drop = {**gold, "price": money("330.00")}
    ok(client.put(f"{API}/commodity-prices", headers=h["operator"], json=drop))
    (mark,) = ok(client.post(f"{API}/mark-to-market", headers=h["operator"]))
    assert mark["ltv"] == "0.7576" and mark["margin_call"] is True
    (call,) = ok(client.get(f"{API}/margin-calls", headers=h["supplier"]))
    assert call["status"] == "open" and call["shortfall"] == money("25000.00")
    assert call["threshold"] == "0.7500"
    inbox = ok(client.get(f"{API}/inbox", headers=h["supplier"]))
    assert any(m["kind"] == "margin_call" and "25000.00" in m["body"] for m in inbox)
    # a second run opens no second call
    ok(client.post(f"{API}/mark-to-market", headers=h["operator"]))
    assert len(ok(client.get(f"{API}/margin-calls", headers=h["bank"]))) == 1
    close_by_repayment(client, h, app)
    (call,) = ok(client.get(f"{API}/margin-calls", headers=h["supplier"]))
    assert call["status"] == "cured"
    assert registration(client, filing["number"])["status"] == "cancelled"
    actions = audit_actions(client, h["regulator"], app["id"])
    assert "financing.margin_call.opened" in actions and "financing.closed" in actions


def test_purchase_order_financing_on_a_confirmed_order(client: TestClient, world: World) -> None:
    h = setup(client, world)
    sup, core, bank = world.orgs["supplier"], world.orgs["core_enterprise"], world.orgs["bank"]
    usccs = {}
    for org in (sup, core, bank):
        usccs[org] = ok(client.get(f"{V1}/organizations/{org}", headers=h["operator"]))["uscc"]
    order = {
        "number": "PO-DP-2025-001",
        "seller_uscc": usccs[sup],
        "buyer_uscc": usccs[core],
        "issue_date": "2025-03-01",
        "currency": "CNY",
        "lines": [
            {"item": "mooncake gift boxes", "quantity": "2000", "unit_price": "50.00"},
            {"item": "tea sets", "quantity": "100", "unit_price": "1000.00"},
        ],
    }
    # filed by the seller only: not confirmed, refused naming the field
    (seller_order,) = ok(
        client.post(f"{V1}/trade/orders", headers=h["supplier"], json={"items": [order]}), 201
    )["ids"]
    body = {
        "scenario": "purchase_order",
        "amount": money("140000.00"),
        "asset": {"order_id": seller_order, "tenor_days": 90},
        "funder_org_ids": [bank],
    }
    r = client.post(f"{API}/applications", headers=h["supplier"], json=body)
    assert r.status_code == 422 and r.json()["code"] == "order_not_confirmed", r.text
    assert r.json()["errors"][0]["field"] == "asset.order_id"
    (order_id,) = ok(
        client.post(
            f"{V1}/trade/orders",
            headers=h["core_enterprise"],
            json={"items": [{**order, "number": "PO-DP-2025-002"}]},
        ),
        201,
    )["ids"]
    body["asset"] = {"order_id": order_id, "tenor_days": 90}
    # 70% of the order's 200,000.00 is the most
    r = client.post(
        f"{API}/applications", headers=h["supplier"], json={**body, "amount": money("140000.01")}
    )
    assert r.status_code == 422 and r.json()["code"] == "over_advance", r.text
    app = apply(client, h, body)
    # 90 days from 2025-03-03 is 2025-06-01, a Sunday in the Dragon Boat holiday: 2025-06-03
    assert app["due_on"] == "2025-06-03" and app["debtor_org_id"] == core
    ok(client.post(f"{API}/applications/{app['id']}/offers", headers=h["bank"]), 201)
    app = ok(client.get(f"{API}/applications/{app['id']}", headers=h["supplier"]))
    (offer,) = app["offers"]
    # base 3% + small-supplier group 2% + the scenario's 0.5% for 92 days
    assert offer["rate"] == "0.05500000" and offer["pricing"]["days"] == 92
    assert offer["interest"] == money(interest("140000.00", "0.055", 92))
    offer, app = accept_register_disburse(client, h, app, "bank")
    (filing,) = app["registrations"]
    reg = registration(client, filing["number"])
    assert reg["kind"] == "pledge" and reg["secured_party"]["uscc"] == usccs[bank]
    idents = [c["identifier"].lower() for c in reg["collateral"]]
    assert idents == [f"purchase_order/{order_id}".lower()]
    close_by_repayment(client, h, app)
    assert registration(client, filing["number"])["status"] == "cancelled"
    actions = audit_actions(client, h["regulator"], app["id"])
    assert actions.count("financing.closed") == 1


def test_bill_discounting_to_maturity(client: TestClient, world: World) -> None:
    h = setup(client, world)
    core, bank = world.orgs["core_enterprise"], world.orgs["bank"]
    bill = {
        "package_no": "531158000001220250303000001",
        "sub_from": 1,
        "sub_to": 10000000,
        "acceptor_org_id": core,
        "maturity_on": "2025-08-29",
    }
    record = {
        "package_no": bill["package_no"],
        "drawer_org_id": core,
        "acceptor_org_id": core,
        "holder_org_id": world.orgs["supplier"],
        "face": money("150000.00"),
        "issued_on": "2025-03-03",
        "due_on": "2025-08-29",
    }
    # over six months: refused naming the field, nothing recorded
    r = client.post(
        f"{API}/bills", headers=h["core_enterprise"], json={**record, "due_on": "2025-09-04"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "due_on", r.text
    # only the acceptor or the drawer records it
    r = client.post(f"{API}/bills", headers=h["supplier"], json=record)
    assert r.status_code == 403, r.text
    recorded = ok(client.post(f"{API}/bills", headers=h["core_enterprise"], json=record), 201)
    assert (recorded["sub_from"], recorded["sub_to"]) == (1, 15000000)
    body = {
        "scenario": "bill_discounting",
        "amount": money("100000.00"),
        "asset": {**bill, "sub_from": 5000001, "sub_to": 15000000},
        "funder_org_ids": [bank],
    }
    # the supplier endorses the first 50,000.00 on: it no longer holds sub-bills 1-5000000
    other = world.subject
    part = ok(
        client.post(
            f"{API}/bills/{recorded['id']}/endorsements",
            headers=h["supplier"],
            json={"to_org_id": other, "sub_count": 5000000},
        ),
        201,
    )
    assert part["holder_org_id"] == other and part["endorsements"] == 1
    assert part["face"] == money("50000.00")
    held = {
        (b["sub_from"], b["holder_org_id"])
        for b in ok(client.get(f"{API}/bills", headers=h["supplier"]))
    }
    assert (5000001, world.orgs["supplier"]) in held
    refused = client.post(
        f"{API}/applications",
        headers=h["supplier"],
        json={**body, "asset": {**bill, "sub_from": 1, "sub_to": 10000000}},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "bill_not_held", refused.text
    wrong_face = {**body["asset"], "face": money("90000.00")}
    r = client.post(
        f"{API}/applications", headers=h["supplier"], json={**body, "asset": wrong_face}
    )
    assert r.status_code == 422 and r.json()["code"] == "face_mismatch", r.text
    listed = ok(client.get(f"{API}/applications", headers=h["supplier"]))
    assert listed == [], "nothing is stored on refusal"
    body["asset"]["face"] = money("100000.00")
    app = apply(client, h, body)
    assert app["debtor_org_id"] == core
    ok(client.post(f"{API}/applications/{app['id']}/offers", headers=h["bank"]), 201)
    app = ok(client.get(f"{API}/applications/{app['id']}", headers=h["supplier"]))
    (offer,) = app["offers"]
    assert offer["rate"] == "0.03500000"
    assert offer["interest"] == money(interest("100000.00", "0.035", 179))
    offer, app = accept_register_disburse(client, h, app, "bank")
    (filing,) = app["registrations"]
    reg = registration(client, filing["number"])
    assert reg["kind"] == "assignment"
    ident = f"{bill['package_no']}/5000001-15000000"
    assert [c["identifier"] for c in reg["collateral"]] == [ident]
    # the same sub-bills again: refused naming the registration
    r = client.post(f"{API}/applications", headers=h["supplier"], json=body)
    assert r.status_code == 409 and r.json()["code"] == "already_pledged", r.text
    assert filing["number"] in r.json()["detail"]
    close_by_repayment(client, h, app)
    assert registration(client, filing["number"])["status"] == "cancelled"


def test_dynamic_discounting_program(client: TestClient, world: World) -> None:
    p = world.platform
    core = world.orgs["core_enterprise"]
    a, b = world.orgs["supplier"], world.subject
    add_user(p, b, "second_supplier")
    h = {
        "core": {"Authorization": f"Bearer {token(client, 'core_enterprise')}"},
        "a": {"Authorization": f"Bearer {token(client, 'supplier')}"},
        "b": {"Authorization": f"Bearer {token(client, 'second_supplier')}"},
        "reg": {"Authorization": f"Bearer {token(client, 'regulator')}"},
    }
    ra = confirmed_receivable(p, a, core, "100000.00", due_in_days=90)
    rb = confirmed_receivable(p, b, core, "150000.00", due_in_days=90)
    rc = confirmed_receivable(p, a, core, "20000.00", due_in_days=90)
    prog = ok(
        client.post(
            f"{API}/discount-programs",
            headers=h["core"],
            json={"cash": money("200000.00"), "hurdle_rate": "0.06", "pay_on": "2025-03-10"},
        ),
        201,
    )
    bids = {
        "a": ok(
            client.post(
                f"{API}/discount-programs/{prog['id']}/bids",
                headers=h["a"],
                json={"receivable_id": ra, "rate": "0.08"},
            ),
            201,
        ),
        "b": ok(
            client.post(
                f"{API}/discount-programs/{prog['id']}/bids",
                headers=h["b"],
                json={"receivable_id": rb, "rate": "0.07"},
            ),
            201,
        ),
        "low": ok(
            client.post(
                f"{API}/discount-programs/{prog['id']}/bids",
                headers=h["a"],
                json={"receivable_id": rc, "rate": "0.05"},
            ),
            201,
        ),
    }
    # due 2025-06-01 rolls to 2025-06-03; paid on 2025-03-10: 85 days early
    assert {x["days"] for x in bids.values()} == {85}
    assert bids["a"]["discount"] == money(interest("100000.00", "0.08", 85))
    assert bids["b"]["discount"] == money(interest("150000.00", "0.07", 85))
    # suppliers see only their own bids
    seen = ok(client.get(f"{API}/discount-programs/{prog['id']}", headers=h["b"]))["bids"]
    assert [x["id"] for x in seen] == [bids["b"]["id"]]
    cleared = ok(
        client.post(
            f"{API}/discount-programs/{prog['id']}/clearing",
            headers={**h["core"], "Idempotency-Key": "clear-1"},
        )
    )
    # both cannot fit in 200,000.00; b earns the buyer more; the 5% bid is under the hurdle
    assert cleared["status"] == "cleared"
    assert cleared["result"]["winners"] == [bids["b"]["id"]]
    status = {x["id"]: x["status"] for x in cleared["bids"]}
    assert status == {bids["a"]["id"]: "lost", bids["b"]["id"]: "won", bids["low"]["id"]: "lost"}
    disc = interest("150000.00", "0.07", 85)
    assert cleared["result"]["discount_earned"] == money(disc)
    assert cleared["result"]["cash_used"] == money(minus("150000.00", disc))
    app_id = next(x["application_id"] for x in cleared["bids"] if x["status"] == "won")
    app = ok(client.get(f"{API}/applications/{app_id}", headers=h["b"]))
    assert app["status"] == "registered" and app["funder_org_id"] == core
    assert app["offers"][0]["proceeds"] == money(minus("150000.00", disc))
    paid = ok(
        client.post(
            f"{API}/applications/{app_id}/early-payment",
            headers={**h["core"], "Idempotency-Key": "early-1"},
        )
    )
    assert paid["instruction"]["amount"] == money(minus("150000.00", disc))
    assert paid["instruction"]["payer_org_id"] == core
    assert paid["application"]["status"] == "closed"
    # the receivable is used up: a second programme cannot take it
    rcv = ok(client.get(f"{V1}/trade/receivables/{rb}", headers=h["b"]))
    assert rcv["unused_confirmed"] == money("0.00"), rcv
    actions = audit_actions(client, h["reg"], app_id)
    assert {"financing.accepted", "financing.registered", "financing.closed"} <= set(actions)
