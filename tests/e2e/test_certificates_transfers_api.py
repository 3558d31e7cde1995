"""Transfers through the API: concurrent single requests share commits (the transfer
sequencer), and one request may carry several transfers, each answered on its own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from scf.certificates import sequencer
from scf.certificates import service as certs
from scf.core.money import Money
from tests.factories import World, add_org, add_user, confirmed_receivable, token

API = "/api/v1"


def money(x: str) -> dict[str, str]:
    return {"amount": x, "currency": "CNY"}


def _holder_with_pieces(world: World, n: int) -> tuple[list[str], str, str]:
    """Tier 1 (the world's supplier) holds `n` pieces of 10,000.00 and owes tier 2, who has a
    user `tier2`; returns the pieces, tier 2 and the receivable tier 1 owes it."""
    p = world.platform
    core, t1, bank = world.orgs["core_enterprise"], world.orgs["supplier"], world.orgs["bank"]
    t2 = add_org(p, "supplier", size_class="micro")
    add_user(p, t2, "tier2")
    rec1 = confirmed_receivable(p, t1, core, amount="1000000.00")
    rec2 = confirmed_receivable(p, t2, t1, amount="1000000.00")
    with world.uow("bank") as uow:
        line = certs.grant_line(uow, core, Money.of("1000000.00", "CNY"), date(2026, 1, 1))
    with world.uow("core_enterprise") as uow:
        cert = certs.issue_certificate(
            uow,
            line_id=line.id,
            supplier_org_id=t1,
            receivable_ids=[rec1],
            face=Money.of(10000 * n, "CNY"),
            maturity_on=date(2025, 8, 29),
        )
        (root,) = certs.pieces_of(uow, cert)
    with world.uow("supplier") as uow:
        parts = certs.split_piece(uow, root.id, [Money.of("10000.00", "CNY")] * n)
    assert bank
    return [x.id for x in parts], t2, rec2


def test_concurrent_transfer_requests_share_commits(client: TestClient, world: World) -> None:
    pieces, t2, rec = _holder_with_pieces(world, 24)
    h = world.headers(client, "supplier")

    def send(pid: str) -> Any:
        return client.post(
            f"{API}/certificate-pieces/{pid}/transfer",
            headers=h,
            json={"to_org_id": t2, "receivable_id": rec},
        )

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(send, [*pieces, pieces[0]]))  # the first one twice
    codes = [a.status_code for a in answers]
    assert codes[1:-1] == [200] * 23 and sorted([codes[0], codes[-1]]) == [200, 409], codes
    (lost,) = [a for a in (answers[0], answers[-1]) if a.status_code == 409]
    assert lost.json()["code"] == "piece_not_live"
    assert {a.json()["holder_org_id"] for a in answers if a.status_code == 200} == {t2}
    stats = sequencer.for_platform(world.platform).stats
    assert stats.items == 25 and stats.groups < 25, stats  # some requests shared a commit
    mine = client.get(f"{API}/certificate-pieces", headers=world.headers(client, "supplier"))
    assert mine.json() == []
    theirs = client.get(
        f"{API}/certificate-pieces", headers={"Authorization": f"Bearer {token(client, 'tier2')}"}
    ).json()
    assert len(theirs) == 24 and {x["face"]["amount"] for x in theirs} == {"10000.00"}


def test_several_transfers_in_one_request(client: TestClient, world: World) -> None:
    pieces, t2, rec = _holder_with_pieces(world, 4)
    h = world.headers(client, "supplier")
    body = {
        "transfers": [
            {"piece_id": pieces[0], "to_org_id": t2, "receivable_id": rec},
            {"piece_id": pieces[1], "to_org_id": t2, "amount": money("2500.00")},
            {"piece_id": pieces[2], "to_org_id": world.orgs["supplier"]},  # its own holder
            {"piece_id": pieces[3], "to_org_id": t2, "amount": money("1.001")},
        ]
    }
    r = client.post(f"{API}/certificate-pieces/transfers", headers=h, json=body)
    assert r.status_code == 422, r.text  # an amount with three decimals refuses the request
    assert any(e["field"] == "transfers.3.amount" for e in r.json()["errors"]), r.json()
    body["transfers"].pop()
    r = client.post(f"{API}/certificate-pieces/transfers", headers=h, json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert [o["piece_id"] for o in out] == pieces[:3]
    assert out[0]["piece"]["face"] == money("10000.00") and out[0]["error"] is None
    assert out[1]["piece"]["face"] == money("2500.00")
    assert out[2]["piece"] is None and out[2]["error"]["code"] == "invalid_input"
    assert out[2]["error"]["errors"][0]["field"] == "to_org_id"
    left = client.get(f"{API}/certificate-pieces", headers=h).json()
    assert sorted(x["face"]["amount"] for x in left) == ["10000.00", "10000.00", "7500.00"]
    # not a holder's command
    bank = world.headers(client, "bank")
    assert (
        client.post(f"{API}/certificate-pieces/transfers", headers=bank, json=body).status_code
        == 403
    )
