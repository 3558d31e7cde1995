"""Concurrent duplicates of one command under one Idempotency-Key have one effect, and every
caller gets the same answer (SQLite and PostgreSQL, one connection per request)."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient

from scf.core.actor import Actor
from scf.parties import service as parties
from tests.factories import World, fingerprint, use_registry_key

API = "/api/v1"
CALLERS = 16


def _race(client: TestClient, url: str, headers: dict[str, str], body: Any) -> list[Any]:
    """Send the same keyed command from CALLERS threads at once; return (status, answer)s."""
    start = threading.Barrier(CALLERS, timeout=60)
    answers: list[Any] = []
    lock = threading.Lock()

    def send() -> None:
        start.wait()
        r = client.post(url, headers=headers, json=body)
        with lock:
            answers.append((r.status_code, r.json()))

    threads = [threading.Thread(target=send) for _ in range(CALLERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return answers


def test_concurrent_duplicate_orders_land_once(client: TestClient, world: World) -> None:
    with world.platform.uow(Actor.system()) as uow:
        seller = parties.find_organization(uow, world.orgs["supplier"]).uscc
        buyer = parties.find_organization(uow, world.orgs["core_enterprise"]).uscc
    core = world.headers(client, "core_enterprise")
    order = {
        "number": "PO-RACE",
        "seller_uscc": seller,
        "buyer_uscc": buyer,
        "issue_date": "2025-02-01",
        "currency": "CNY",
        "lines": [{"item": "steel", "quantity": "10", "unit_price": "100.00"}],
    }
    answers = _race(
        client, f"{API}/trade/orders", {**core, "Idempotency-Key": "race-1"}, {"items": [order]}
    )
    assert {status for status, _ in answers} == {201}, answers
    assert len({str(a) for _, a in answers}) == 1  # one answer for all
    with world.platform.uow(Actor.system()) as uow:
        from sqlalchemy import func, select

        from scf.trade.tables import TradeOrderRow

        assert uow.session.scalar(select(func.count()).select_from(TradeOrderRow)) == 1


def test_concurrent_duplicate_filings_land_once(client: TestClient, world: World) -> None:
    use_registry_key(world.platform)
    bank = world.headers(client, "bank")
    filing = {
        "kind": "pledge",
        "grantor_org_ids": [world.orgs["supplier"]],
        "secured_party_org_id": world.orgs["bank"],
        "collateral": [{"kind": "receivable", "identifier": fingerprint(77)}],
        "amount": {"amount": "500000.00", "currency": "CNY"},
        "period_months": 12,
    }
    answers = _race(
        client, f"{API}/registry/registrations", {**bank, "Idempotency-Key": "race-2"}, filing
    )
    assert {status for status, _ in answers} == {201}, answers
    assert len({a["registration"]["number"] for _, a in answers}) == 1
    assert client.get(f"{API}/registry/log/sth").json()["tree_size"] == 1
