"""Durable consumers on JetStream: a redelivered entry takes effect once; a group shares work."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.events import service as events
from scf.events.tables import EventInboxRow
from scf.platform import Platform
from scf.supervision import service as supervision
from tests.integration.events_helpers import needs_nats, needs_postgres, pg_events, write_entries

pytestmark = [needs_postgres, needs_nats, pytest.mark.own_process]
__all__ = ["pg_events"]


def counts(p: Platform) -> dict[str, int]:
    with p.uow(Actor(user_id=None, org_id=None, roles=frozenset({"regulator"}))) as uow:
        rows = supervision.event_counts(uow, date(2000, 1, 1), date(2200, 1, 1))
    out: dict[str, int] = {}
    for r in rows:
        out[r["action"]] = out.get(r["action"], 0) + r["count"]
    return out


def inbox(p: Platform, consumer: str) -> int:
    with p.uow(reading=True) as uow:
        return int(
            uow.session.scalar(
                select(func.count())
                .select_from(EventInboxRow)
                .where(EventInboxRow.consumer == consumer)
            )
            or 0
        )


async def relay_all(p: Platform, spec: events.StreamSpec, js: object) -> None:
    relay = events.Relay(p, spec)
    await relay.start(js)  # type: ignore[arg-type]
    while await relay.step(js):  # type: ignore[arg-type]
        pass


def test_an_entry_delivered_again_after_its_effect_committed_counts_once(
    pg_events: Platform,
) -> None:
    """A worker that dies between its commit and its acknowledgement: JetStream delivers the
    batch again after the ack wait, and the inbox rows stop a second count."""
    p = pg_events
    spec = events.StreamSpec.of(p.settings)
    write_entries(p, 12, per_commit=4)

    async def scenario() -> tuple[int, int, int]:
        nc, js = await events.connect(spec, "test")
        try:
            await relay_all(p, spec, js)
            worker = events.Worker(p, spec, "counters", events.CONSUMERS["counters"], batch=12)
            sub = await worker.subscribe(js)
            msgs = await sub.fetch(12, timeout=5)  # type: ignore[attr-defined]
            first = events.handle_batch(
                p, "counters", events.CONSUMERS["counters"], [events.decode(m.data) for m in msgs]
            )
            # no acknowledgement: the worker "died" here
            await asyncio.sleep(spec.ack_wait + 0.5)
            again = 0
            for _ in range(20):
                again += await worker.step(sub, timeout=1.0)
                if worker.handled == 0 and again == 0:
                    info = await js.consumer_info(spec.stream, spec.durable("counters"))
                    if info.num_ack_pending == 0 and info.num_pending == 0:
                        break
            return first, again, len(msgs)
        finally:
            await nc.close()

    first, again, fetched = asyncio.run(scenario())
    assert fetched == 12 and first == 12
    assert again == 0  # redelivered, recognised, acknowledged, not counted again
    assert counts(p) == {"demo.filed": 4, "demo.checked": 4, "demo.closed": 4}
    assert inbox(p, "counters") == 12


def test_two_workers_of_one_consumer_share_the_entries(pg_events: Platform) -> None:
    p = pg_events
    spec = events.StreamSpec.of(p.settings)
    write_entries(p, 60, per_commit=5)

    async def scenario() -> tuple[int, int]:
        nc, js = await events.connect(spec, "test")
        try:
            await relay_all(p, spec, js)
            handler = events.CONSUMERS["counters"]
            a = events.Worker(p, spec, "counters", handler, batch=5)
            b = events.Worker(p, spec, "counters", handler, batch=5)
            sa, sb = await a.subscribe(js), await b.subscribe(js)
            for _ in range(40):
                await asyncio.gather(a.step(sa, timeout=0.5), b.step(sb, timeout=0.5))
                if a.handled + b.handled >= 60:
                    break
            return a.handled, b.handled
        finally:
            await nc.close()

    handled_a, handled_b = asyncio.run(scenario())
    assert handled_a + handled_b == 60
    assert handled_a > 0 and handled_b > 0  # both workers of the group took entries
    assert sum(counts(p).values()) == 60
    assert inbox(p, "counters") == 60
