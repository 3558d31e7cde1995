"""The shared Idempotency-Key mechanism on storage: scope, lifetime, purge, rollbacks."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from scf.core import idempotency
from scf.core.clock import FixedClock
from scf.core.errors import Conflict, InvalidInput
from scf.trade import service as trade
from scf.trade.tables import TradeIdempotencyRow
from tests.factories import World


def _keys(world: World) -> int:
    with world.uow("operator") as uow:
        return int(uow.session.scalar(select(func.count()).select_from(TradeIdempotencyRow)) or 0)


def test_keys_are_scoped_to_the_organization_and_live_their_lifetime(
    world: World, clock: FixedClock
) -> None:
    runs: list[str] = []

    def command(uow: Any, who: str, key: str, body: dict[str, Any]) -> Any:
        def run() -> dict[str, Any]:
            runs.append(who)
            uow.commit()  # the command's own commit only flushes: one commit with the answer
            return {"who": who, "n": len(runs)}

        return trade.idempotent(uow, key, "demo", body, run)

    with world.uow("supplier") as uow:
        assert command(uow, "supplier", "k", {"a": 1}) == {"who": "supplier", "n": 1}
    with world.uow("supplier") as uow:
        assert command(uow, "supplier", "k", {"a": 1}) == {"who": "supplier", "n": 1}
    with world.uow("supplier") as uow, pytest.raises(InvalidInput) as refused:
        command(uow, "supplier", "k", {"a": 2})
    assert refused.value.code == "idempotency_key_reused"
    with world.uow("bank") as uow:  # another organization's key of the same name is its own
        assert command(uow, "bank", "k", {"a": 1}) == {"who": "bank", "n": 2}
    assert runs == ["supplier", "bank"]

    clock.set(clock.now() + idempotency.KEY_LIFETIME + timedelta(seconds=1))
    with world.uow("supplier") as uow:  # expired: the key is free again
        assert command(uow, "supplier", "k", {"a": 2}) == {"who": "supplier", "n": 3}
    assert _keys(world) == 2
    clock.set(clock.now() + timedelta(seconds=1))
    with world.uow("operator") as uow:
        assert trade.idempotent.purge(uow) == 1  # the bank's; the supplier's is fresh
        uow.commit()
    assert _keys(world) == 1


def test_a_refused_command_stores_no_key(world: World) -> None:
    def run() -> dict[str, Any]:
        raise Conflict("refused", code="demo_refused")

    with world.uow("supplier") as uow, pytest.raises(Conflict):
        trade.idempotent(uow, "k2", "demo", {}, run)
    assert _keys(world) == 0
    with world.uow("supplier") as uow:  # a retry with the same key runs again
        assert trade.idempotent(uow, "k2", "demo", {}, lambda: {"ok": True}) == {"ok": True}
    assert _keys(world) == 1


def test_the_nightly_purge_deletes_expired_keys_of_every_room(
    world: World, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from scf.certificates import service as certificates
    from scf.cli import app
    from scf.config import get_settings
    from scf.registry import service as registry
    from tests.conftest import TEST_SECRET

    # keys made on the test clock (2025); the command runs on the real clock, years later
    with world.uow("supplier") as uow:
        for room in (certificates, registry, trade):
            room.idempotent(uow, "old", "demo", {}, lambda: {"ok": True})
        uow.commit()
    monkeypatch.setenv("SCF_DATABASE_URL", db_url)
    monkeypatch.setenv("SCF_SECRET_KEY", TEST_SECRET)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "purge-keys"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output.strip().splitlines()[-1])
    assert counts == {"certificates": 1, "financing": 0, "registry": 1, "trade": 1}
    assert _keys(world) == 0
