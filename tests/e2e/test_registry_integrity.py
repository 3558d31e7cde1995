"""Every command path of the registry, then `scf registry verify`: the table and the log agree.

The clock ticks on every reading, as a real one does, so a row and its leaf that took two
readings of the clock would be microseconds apart and the replay would name them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scf.core.clock import FixedClock
from scf.registry import cli
from tests.e2e.test_financing_api import money, ok, setup, walk
from tests.factories import World, confirmed_receivable, fingerprint

REG = "/api/v1/registry"
FIN = "/api/v1/financing"


class TickingClock(FixedClock):
    """A clock that moves on by a few microseconds every time it is read."""

    def now(self) -> datetime:
        self.advance(timedelta(microseconds=7))
        return super().now()


@pytest.fixture
def clock() -> FixedClock:
    return TickingClock(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))


def filing(w: World, n: int, secured: str = "bank", months: int = 12) -> dict[str, Any]:
    return {
        "kind": "pledge",
        "grantor_org_ids": [w.orgs["supplier"]],
        "secured_party_org_id": w.orgs[secured],
        "collateral": [{"kind": "receivable", "identifier": fingerprint(n)}],
        "amount": money("1000.00"),
        "period_months": months,
    }


def verify_cli(w: World, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any]]:
    import json

    monkeypatch.setattr(cli, "create_platform", lambda: w.platform)
    result = CliRunner().invoke(cli.app, ["verify"])
    report = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    return result.exit_code, report


def every_path(client: TestClient, world: World, clock: FixedClock) -> dict[str, str]:
    """Run each command path of the registry once; return what a later check needs."""
    h = setup(client, world)
    w, p = world, world.platform
    bank, sup = h["bank"], h["supplier"]
    one = ok(client.post(f"{REG}/registrations", headers=bank, json=filing(w, 1)), 201)
    number = one["registration"]["number"]
    batch = ok(
        client.post(
            f"{REG}/registrations/batch",
            headers=bank,
            json={"filings": [filing(w, 2), filing(w, 3, months=1)]},
        ),
        201,
    )
    short = batch["filings"][1]["registration"]["number"]
    ok(
        client.post(
            f"{REG}/registrations/{number}/amendments",
            headers=bank,
            json={
                "amount": money("2500.00"),
                "description": "amended",
                "add_collateral": [{"kind": "receivable", "identifier": fingerprint(4)}],
            },
        )
    )
    ok(client.post(f"{REG}/registrations/{number}/extensions", headers=bank, json={"months": 6}))
    obj = ok(
        client.post(
            f"{REG}/registrations/{number}/objections", headers=sup, json={"reason": "not ours"}
        ),
        201,
    )
    ok(
        client.post(
            f"{REG}/objections/{obj['id']}/litigation",
            headers=sup,
            json={"case_reference": "(2025)沪0115民初1号"},
        )
    )
    agency = ok(
        client.post(
            f"{REG}/agencies", headers=bank, json={"agent_org_id": w.orgs["factoring_company"]}
        ),
        201,
    )
    by_agent = ok(
        client.post(f"{REG}/registrations", headers=h["factoring_company"], json=filing(w, 5)),
        201,
    )
    ok(client.post(f"{REG}/agencies/{agency['id']}/revoke", headers=bank))
    ok(
        client.post(
            f"{REG}/registrations/{by_agent['registration']['number']}/cancellation",
            headers=bank,
            json={"reason": "filed in error"},
        )
    )
    goods = ok(
        client.post(
            f"{REG}/goods",
            headers=h["warehouse"],
            json={
                "holder_org_id": w.orgs["supplier"],
                "commodity": "copper",
                "grade": "A",
                "location": "Shanghai",
                "quantity": "10",
                "unit": "t",
                "lot": "LOT-1",
            },
        ),
        201,
    )
    ok(client.post(f"{REG}/goods/{goods['id']}/release", headers=h["warehouse"]))
    # cancellation on repayment: the financing closes and its registration is cancelled
    rid = confirmed_receivable(p, w.orgs["supplier"], w.orgs["core_enterprise"], "100000.00")
    body = {
        "scenario": "receivables_factoring",
        "amount": money("80000.00"),
        "asset": {"receivable_id": rid, "recourse": False},
        "funder_org_ids": [w.orgs["bank"]],
    }
    app = ok(client.post(f"{FIN}/applications", headers=sup, json=body), 201)
    if app["status"] == "escalated":
        app = ok(
            client.post(
                f"{FIN}/applications/{app['id']}/review",
                headers=h["operator"],
                json={"approve": True, "note": "checked"},
            )
        )
    app = walk(client, h, app)
    paid = ok(
        client.post(
            f"{FIN}/applications/{app['id']}/repayments",
            headers={**bank, "Idempotency-Key": "rep-all-paths"},
            json={"amount": money("80000.00")},
        )
    )
    assert paid["status"] == "closed"
    # and expiry: the one-month registration runs out while the clock goes on
    clock.advance(timedelta(days=40))
    assert ok(client.get(f"{REG}/registrations/{short}"))["status"] == "expired"
    return {"number": number, "agency": agency["id"]}


def test_every_command_path_leaves_a_log_that_verifies(
    client: TestClient, world: World, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    every_path(client, world, clock)
    code, report = verify_cli(world, monkeypatch)
    assert code == 0 and report["ok"], report["problems"]
    assert report["registrations_checked"] == 5
    ops = {e["op"] for e in ok(client.get(f"{REG}/log/entries", params={"end": 1000}))}
    assert ops >= {
        "initial",
        "amendment",
        "extension",
        "cancellation",
        "objection",
        "objection_litigated",
        "agency_granted",
        "agency_revoked",
        "goods_confirmed",
        "goods_released",
    }
