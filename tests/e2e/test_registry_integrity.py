"""Every command path of the registry, then `scf registry verify`: the table and the log agree.

The clock ticks on every reading, as a real one does, so a row and its leaf that took two
readings of the clock would be microseconds apart and the replay would name them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scf.core.clock import FixedClock
from scf.registry import cli, replay
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
    ok(
        client.post(
            f"{REG}/registrations/{number}/amendments",
            headers=bank,
            json={"remove_collateral": [{"kind": "receivable", "identifier": fingerprint(4)}]},
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
                "receipt_nos": ["WR-1"],
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


def test_the_replay_covers_every_column_of_every_registry_table() -> None:
    import scf.models  # noqa: F401  (every room's tables on the metadata)
    from scf.core.db import Base

    tables = {
        t.name: t
        for t in Base.metadata.sorted_tables
        if t.name.startswith("registry_") and t.name not in replay.OPERATIONAL
    }
    assert set(replay.OPERATIONAL) <= {t.name for t in Base.metadata.sorted_tables}
    assert set(tables) == set(replay.COVERAGE), "a registry table the verifier does not know"
    for name, table in tables.items():
        assert {c.name for c in table.columns} == set(replay.COVERAGE[name]), name


def _altered(value: Any, column: Any) -> Any:
    """Another value of the column's type, as close to the old one as it gets."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, datetime):
        return value + timedelta(seconds=1)
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        return bytes([raw[0] ^ 1]) + raw[1:] if raw else b"\x01"
    if isinstance(value, str):
        return value[:-1] + ("0" if value[-1:] != "0" else "1") if value else "x"
    python_type = column.type.python_type
    return {
        int: 1,
        str: "x",
        bytes: b"\x01" * 32,
        datetime: datetime(2025, 3, 4, tzinfo=UTC),
    }[python_type]


def test_changing_any_stored_column_is_caught(
    client: TestClient, world: World, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select
    from sqlalchemy.exc import DBAPIError

    import scf.models  # noqa: F401
    from scf.core.db import Base
    from scf.registry import service, witness
    from tests.integration.test_registry_trust import LOG_TABLES, unguarded

    every_path(client, world, clock)
    p = world.platform
    with p.uow() as uow:
        service.rotate_key(uow, Ed25519PrivateKey.generate())
    state = Path(p.settings.calendar_dir or ".").parent / "witness"
    p.settings.registry_witness_keys = witness.witness_public_hex(state)
    ok(client.get(f"{REG}/log/sth"))
    witness.witness_once(
        lambda path, params: ok(client.get(REG + path, params=params)),
        lambda path, body: ok(client.post(REG + path, json=body), 201),
        state,
        None,
        1,
    )
    code, report = verify_cli(world, monkeypatch)
    assert code == 0, report["problems"]
    tables = [t for t in Base.metadata.sorted_tables if t.name in replay.COVERAGE]
    missed, refused, checked = [], [], 0
    with unguarded(world, (*LOG_TABLES, "registry_cosignature")):
        engine = p.engine
        for table in tables:
            pk = list(table.primary_key.columns)
            for column in table.columns:
                if replay.COVERAGE[table.name][column.name].startswith("not checked"):
                    continue
                with engine.connect() as conn:
                    row = conn.execute(
                        select(*pk, column).order_by(column.is_(None), *pk).limit(1)
                    ).first()
                if row is None:
                    missed.append(f"{table.name} has no row")
                    continue
                where = dict(zip([c.name for c in pk], row[: len(pk)], strict=True))
                old = row[-1]
                new = _altered(old, column)
                try:
                    with engine.begin() as conn:
                        conn.execute(
                            table.update()
                            .where(*(table.c[k] == v for k, v in where.items()))
                            .values({column.name: new})
                        )
                except DBAPIError:
                    refused.append(f"{table.name}.{column.name}")  # the database refuses it
                    continue
                checked += 1
                with p.uow() as uow:
                    if service.verify_log(uow).ok:
                        missed.append(f"{table.name}.{column.name}")
                if column.name in where:
                    where[column.name] = new
                with engine.begin() as conn:
                    conn.execute(
                        table.update()
                        .where(*(table.c[k] == v for k, v in where.items()))
                        .values({column.name: old})
                    )
    assert not missed, missed
    assert checked > 90, (checked, refused)
    with p.uow() as uow:
        assert service.verify_log(uow).ok
