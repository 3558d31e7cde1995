"""Idempotency-Key on the commands that move money or file records, room by room.

The same key with the same body gives back the stored answer and changes nothing more; the
same key with another body is refused (422 `idempotency_key_reused`); a bad key is refused
naming the header. Each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from scf.core.actor import Actor
from scf.core.clock import FixedClock
from scf.core.money import Money
from scf.parties import service as parties
from tests.factories import (
    World,
    add_org,
    add_user,
    confirmed_receivable,
    fingerprint,
    token,
    use_registry_key,
)
from tests.integration.certificates_helpers import camt053

API = "/api/v1"


def money(x: str) -> dict[str, str]:
    return {"amount": x, "currency": "CNY"}


def keyed(h: dict[str, str], key: str) -> dict[str, str]:
    return {**h, "Idempotency-Key": key}


def twice(
    client: TestClient, url: str, h: dict[str, str], key: str, status: int = 200, **send: Any
) -> Any:
    """Send the same command twice under one key; both answers are the stored one."""
    first = client.post(url, headers=keyed(h, key), **send)
    assert first.status_code == status, first.text
    second = client.post(url, headers=keyed(h, key), **send)
    assert second.status_code == status, second.text
    assert second.json() == first.json()
    return first.json()


def reused(client: TestClient, url: str, h: dict[str, str], key: str, **send: Any) -> None:
    r = client.post(url, headers=keyed(h, key), **send)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "idempotency_key_reused", problem
    assert problem["errors"][0]["field"] == "Idempotency-Key"


def _uscc(world: World, role: str) -> str:
    with world.platform.uow(Actor.system()) as uow:
        return parties.find_organization(uow, world.orgs[role]).uscc


def test_certificate_commands_run_once_per_key(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    p = world.platform
    core, t1, bank = world.orgs["core_enterprise"], world.orgs["supplier"], world.orgs["bank"]
    t2 = add_org(p, "supplier", size_class="micro")
    add_user(p, t2, "tier2")
    rec1 = confirmed_receivable(p, t1, core, amount="1000000.00")
    confirmed_receivable(p, t2, t1, amount="1000000.00")

    def login() -> dict[str, dict[str, str]]:
        who = {"core": "core_enterprise", "bank": "bank", "t1": "supplier", "t2": "tier2"}
        return {k: {"Authorization": f"Bearer {token(client, v)}"} for k, v in who.items()}

    h = login()
    line = client.post(
        f"{API}/credit-lines",
        headers=h["bank"],
        json={"core_org_id": core, "limit": money("2000000.00"), "expires_on": "2026-02-27"},
    ).json()
    issue = {
        "line_id": line["id"],
        "supplier_org_id": t1,
        "receivable_ids": [rec1],
        "face": money("600000.00"),
        "maturity_on": "2025-08-29",
    }
    cert = twice(client, f"{API}/certificates", h["core"], "iss-1", 201, json=issue)
    reused(client, f"{API}/certificates", h["core"], "iss-1", json={**issue, "face": money("1.00")})
    assert [c["id"] for c in client.get(f"{API}/certificates", headers=h["core"]).json()] == [
        cert["id"]
    ]
    used = client.get(f"{API}/credit-lines/{line['id']}", headers=h["core"]).json()["used"]
    assert used == money("600000.00")

    root = cert["pieces"][0]["id"]
    split = {"parts": [money("400000.00"), money("200000.00")]}
    a, b = twice(client, f"{API}/certificate-pieces/{root}/split", h["t1"], "spl-1", json=split)
    held = client.get(f"{API}/certificate-pieces", headers=h["t1"]).json()
    assert sorted(x["id"] for x in held) == sorted([a["id"], b["id"]])

    move = {"to_org_id": t2, "amount": money("300000.00")}
    url = f"{API}/certificate-pieces/{a['id']}/transfer"
    got = twice(client, url, h["t1"], "trf-1", json=move)
    assert [x["id"] for x in client.get(f"{API}/certificate-pieces", headers=h["t2"]).json()] == [
        got["id"]
    ]
    reused(client, url, h["t1"], "trf-1", json={**move, "amount": money("1.00")})
    many = {"transfers": [{"piece_id": b["id"], "to_org_id": t2, "amount": money("50000.00")}]}
    out = twice(client, f"{API}/certificate-pieces/transfers", h["t1"], "trf-2", json=many)
    assert out[0]["piece"]["face"] == money("50000.00")
    assert len(client.get(f"{API}/certificate-pieces", headers=h["t2"]).json()) == 2

    offer_body = {"funder_org_id": bank, "rate": "0.036", "amount": money("50000.00")}
    offer = twice(
        client,
        f"{API}/certificate-pieces/{got['id']}/financing-offers",
        h["t2"],
        "off-1",
        201,
        json=offer_body,
    )
    fin = twice(client, f"{API}/certificate-financings/{offer['id']}/accept", h["bank"], "acc-1")
    assert fin["status"] == "financed"

    clock.set(datetime(2025, 8, 29, 2, 0, tzinfo=UTC))
    h = login()
    st = twice(client, f"{API}/certificates/{cert['id']}/settlement", h["core"], "set-1")
    assert len(st["payments"]) == 5
    stmt = camt053(
        [(x["end_to_end_id"], Money.of(x["amount"]["amount"], "CNY")) for x in st["payments"]],
        clock.today(),
    )
    xml = {**h["core"], "content-type": "application/xml"}
    r = twice(client, f"{API}/certificate-statements", xml, "stm-1", content=stmt)
    # the replay is the first answer (all matched), not a second booking (all duplicates)
    assert len(r["matched"]) == 5 and not r["duplicates"]
    reused(client, f"{API}/certificate-statements", xml, "stm-1", content=stmt + b" ")


def test_registry_filings_run_once_per_key(client: TestClient, world: World) -> None:
    use_registry_key(world.platform)
    bank = world.headers(client, "bank")

    def filing(fp: int) -> dict[str, Any]:
        return {
            "kind": "pledge",
            "grantor_org_ids": [world.orgs["supplier"]],
            "secured_party_org_id": world.orgs["bank"],
            "collateral": [{"kind": "receivable", "identifier": fingerprint(fp)}],
            "amount": money("500000.00"),
            "period_months": 12,
        }

    def size() -> int:
        return int(client.get(f"{API}/registry/log/sth").json()["tree_size"])

    one = twice(client, f"{API}/registry/registrations", bank, "reg-1", 201, json=filing(1))
    assert size() == 1
    reused(client, f"{API}/registry/registrations", bank, "reg-1", json=filing(2))
    pool = [filing(10), filing(11)]
    batch = twice(
        client, f"{API}/registry/registrations/batch", bank, "reg-2", 201, json={"filings": pool}
    )
    assert len(batch["filings"]) == 2 and size() == 3
    number = one["registration"]["number"]
    base = f"{API}/registry/registrations/{number}"
    twice(client, f"{base}/extensions", bank, "reg-3", json={"months": 6})
    twice(client, f"{base}/amendments", bank, "reg-4", json={"description": "amended"})
    cancelled = twice(client, f"{base}/cancellation", bank, "reg-5", json={"reason": "repaid"})
    assert cancelled["status"] == "cancelled"
    assert size() == 6
    ops = [h["op"] for h in client.get(base).json()["history"]]
    assert ops == ["initial", "extension", "amendment", "cancellation"]


def test_trade_intake_batches_run_once_per_key(client: TestClient, world: World) -> None:
    sup = world.headers(client, "supplier")
    core = world.headers(client, "core_enterprise")
    seller, buyer = _uscc(world, "supplier"), _uscc(world, "core_enterprise")

    def invoice(n: int) -> dict[str, Any]:
        return {
            "number": f"244400000000000000{n:02d}",
            "seller_uscc": seller,
            "buyer_uscc": buyer,
            "issue_date": "2025-03-01",
            "currency": "CNY",
            "amount_without_tax": "1000.00",
            "tax": "130.00",
            "total": "1130.00",
        }

    def receivables() -> int:
        return int(client.get(f"{API}/trade/receivables", headers=core).json()["total"])

    single = twice(client, f"{API}/trade/invoices", sup, "inv-1", 201, json=invoice(1))
    assert len(single["ids"]) == 1 and receivables() == 1
    batch = {"items": [invoice(2), invoice(3)]}
    out = twice(client, f"{API}/trade/invoices/batch", sup, "inv-2", 201, json=batch)
    assert out["count"] == 2 and receivables() == 3
    reused(client, f"{API}/trade/invoices/batch", sup, "inv-2", json={"items": [invoice(4)]})
    order = {
        "number": "PO-1",
        "seller_uscc": seller,
        "buyer_uscc": buyer,
        "issue_date": "2025-02-01",
        "currency": "CNY",
        "lines": [{"item": "steel", "quantity": "10", "unit_price": "100.00"}],
    }
    core_orders = twice(client, f"{API}/trade/orders", core, "ord-1", 201, json={"items": [order]})
    assert len(core_orders["ids"]) == 1
    pay = {
        "amount": "1130.00",
        "currency": "CNY",
        "value_date": "2025-03-20",
        "reference": "PAY-1",
        "payer_uscc": buyer,
        "invoice_number": invoice(1)["number"],
    }
    paid = twice(client, f"{API}/trade/payments", sup, "pay-1", 201, json={"items": [pay]})
    assert len(paid["payments"]) == 1
    cells = ["invoice", invoice(5)["number"], "", seller, buyer, "2025-03-01", "", "CNY"]
    row = ",".join([*cells, "1000.00", "130.00", "1130.00", "", ""])
    header = "kind,number,invoice_code,seller_uscc,buyer_uscc,issue_date,due_date,currency,"
    header += "amount_without_tax,tax,total,order_number,credited_number"
    csv = f"{header}\n{row}\n".encode()
    csv_h = {**sup, "content-type": "text/csv"}
    twice(client, f"{API}/trade/csv/invoices", csv_h, "csv-1", 201, content=csv)
    assert receivables() == 4


def test_bad_keys_are_refused_naming_the_header(client: TestClient, world: World) -> None:
    sup = world.headers(client, "supplier")
    for key, code in (("   ", "idempotency_key_blank"), ("x" * 121, "idempotency_key_invalid")):
        r = client.post(
            f"{API}/trade/orders",
            headers=keyed(sup, key),
            json={
                "items": [
                    {
                        "number": "PO-9",
                        "seller_uscc": _uscc(world, "supplier"),
                        "buyer_uscc": _uscc(world, "core_enterprise"),
                        "issue_date": "2025-02-01",
                        "currency": "CNY",
                        "lines": [{"item": "steel", "quantity": "1", "unit_price": "1.00"}],
                    }
                ]
            },
        )
        assert r.status_code == 422, r.text
        assert r.json()["code"] == code and r.json()["errors"][0]["field"] == "Idempotency-Key"
    # the financing room's money movements need a key
    r = client.post(f"{API}/financing/applications/fap_x/disbursement", headers=sup)
    assert r.status_code in (403, 422), r.text
    bank = world.headers(client, "bank")
    r = client.post(f"{API}/financing/applications/fap_x/disbursement", headers=bank)
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_missing", r.text
