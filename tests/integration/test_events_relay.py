"""The relay on PostgreSQL and JetStream: in order, from where it stood, never past a hole."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.events import service as events
from scf.platform import Platform
from tests.integration.events_helpers import (
    needs_nats,
    needs_postgres,
    pg_events,
    stream_ids,
    write_entries,
)

pytestmark = [needs_postgres, needs_nats, pytest.mark.own_process]
__all__ = ["pg_events"]


def _ids(p: Platform) -> list[int]:
    with p.uow(reading=True) as uow:
        return list(uow.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


async def _until(relay: events.Relay, js: object, last: int, seconds: float = 20.0) -> None:
    """Step until the relay has passed `last` (other sessions' transactions on the same server
    may hold the oldest running transaction back for a moment)."""
    for _ in range(int(seconds / 0.1)):
        await relay.step(js)  # type: ignore[arg-type]
        if relay.last >= last:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the relay stayed at {relay.last}, short of {last}")


async def _drain(relay: events.Relay, js: object) -> int:
    total = 0
    while True:
        went = await relay.step(js)  # type: ignore[arg-type]
        total += went
        if not went:
            return total


def test_relay_publishes_every_entry_in_order_and_resumes_without_repeats(
    pg_events: Platform,
) -> None:
    p = pg_events
    spec = events.StreamSpec.of(p.settings)
    write_entries(p, 40, per_commit=3)

    async def scenario() -> tuple[int, int, int, int]:
        nc, js = await events.connect(spec, "test")
        try:
            first = events.Relay(p, spec, batch=7)
            await first.start(js)
            went = await _drain(first, js)
            # a relay started afresh (a restart) takes up after the last entry in the stream
            again = events.Relay(p, spec, batch=7)
            await again.start(js)
            resumed_at = again.last
            repeat = await _drain(again, js)
            write_entries(p, 5, start=40)
            more = await _drain(again, js)
            return went, resumed_at, repeat, more
        finally:
            await nc.close()

    went, resumed_at, repeat, more = asyncio.run(scenario())
    ids = _ids(p)
    assert went == 40 and repeat == 0 and more == 5
    assert resumed_at == ids[39]
    assert asyncio.run(stream_ids(p)) == ids


def test_relay_waits_at_a_hole_until_its_transaction_ends(pg_events: Platform) -> None:
    """An entry committed late is published in its place, never overtaken; a rolled-back
    transaction's hole is passed once every transaction that could fill it has ended."""
    p = pg_events
    spec = events.StreamSpec.of(p.settings)
    write_entries(p, 2)
    late = p.uow(Actor.system())
    late.__enter__()
    late.audit("demo.late", "tick", "late")
    late.flush()  # draws its id, not committed
    write_entries(p, 2, start=2)  # ids above the open transaction's

    async def scenario() -> tuple[list[int], list[int], list[int]]:
        nc, js = await events.connect(spec, "test")
        try:
            relay = events.Relay(p, spec, grace=0.0)
            await relay.start(js)
            await _drain(relay, js)
            before_commit = await stream_ids(p)
            late.commit()
            late.__exit__(None, None, None)
            await _drain(relay, js)
            after_commit = await stream_ids(p)
            # a transaction that draws an id and rolls back leaves a hole for ever
            with p.uow(Actor.system()) as gone:
                gone.audit("demo.gone", "tick", "gone")
                gone.flush()
                gone.rollback()
            write_entries(p, 1, start=4)
            await _until(relay, js, _ids(p)[-1])
            return before_commit, after_commit, await stream_ids(p)
        finally:
            await nc.close()

    before_commit, after_commit, final = asyncio.run(scenario())
    ids = _ids(p)
    assert len(ids) == 6
    late_id = ids[2]
    assert before_commit == ids[:2]  # held back at the open transaction's id
    assert after_commit == ids[:5] and after_commit[2] == late_id
    assert final == ids  # past the rolled-back hole, nothing lost, nothing reordered
    with p.uow(reading=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry)) == 6
