"""Durable consumers of the stream: each a consumer group that any number of workers share.

A consumer (`risk`, `counters`, `notifications`) is one durable pull consumer on the stream;
every worker that runs it fetches from the same one, and JetStream hands each entry to one of
them, so a second worker adds throughput. A worker handles a fetched batch in one transaction
that also writes one `event_inbox` row per entry, and acknowledges the batch after it
commits. A worker killed before the commit leaves nothing: the entries come again after the
ack wait. Killed after the commit but before the acknowledgement, the entries come again and
find their inbox rows: acknowledged without being handled twice. Two workers handed the same
entry (a redelivery while the first still works) collide on the inbox key; the loser rolls
back and the entry is acknowledged on its next delivery. Every entry thus takes effect once.

The consumers' effects do not depend on the order in which entries of different batches are
handled (the risk consumer re-evaluates enterprises from the records as they stand, the
counters add, each notification is a message of its own), so workers need not be ordered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.errors import Conflict
from scf.core.uow import UnitOfWork
from scf.events.stream import MAX_AGE_DAYS, StreamSpec, connect_patiently, decode
from scf.events.tables import EventInboxRow
from scf.platform import Platform

if TYPE_CHECKING:
    from nats.js import JetStreamContext

log = logging.getLogger("scf.events.consumers")

BATCH = 100
Handler = Callable[[UnitOfWork, list[AuditEntry]], object]


def handle_batch(
    platform: Platform, consumer: str, handler: Handler, entries: Sequence[AuditEntry]
) -> int:
    """Handle the entries not handled yet, in one transaction with their inbox rows; how many."""
    with platform.uow(Actor.system()) as uow:
        ids = sorted({e.id for e in entries})
        done = set(
            uow.session.scalars(
                select(EventInboxRow.audit_id).where(
                    EventInboxRow.consumer == consumer, EventInboxRow.audit_id.in_(ids)
                )
            )
        )
        fresh: dict[int, AuditEntry] = {}
        for e in entries:
            if e.id not in done:
                fresh.setdefault(e.id, e)
        if not fresh:
            return 0
        now = uow.now()
        uow.session.add_all(
            EventInboxRow(consumer=consumer, audit_id=i, handled_at=now) for i in sorted(fresh)
        )
        uow.flush()  # takes the keys: a worker handed the same entries waits here, then fails
        handler(uow, [fresh[i] for i in sorted(fresh)])
        uow.commit()
        return len(fresh)


def purge_inbox(uow: UnitOfWork, days: int = MAX_AGE_DAYS) -> int:
    """Forget handled entries older than the stream keeps them (they cannot come again)."""
    result = uow.session.execute(
        delete(EventInboxRow).where(EventInboxRow.handled_at <= uow.now() - timedelta(days=days))
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class Worker:
    """One consumer's loop in one worker process: fetch, handle, acknowledge."""

    platform: Platform
    spec: StreamSpec
    consumer: str
    handler: Handler
    batch: int = BATCH
    handled: int = 0

    async def subscribe(self, js: JetStreamContext) -> object:
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        return await js.pull_subscribe(
            self.spec.wildcard,
            durable=self.spec.durable(self.consumer),
            stream=self.spec.stream,
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=self.spec.ack_wait,
                max_deliver=-1,
                max_ack_pending=self.batch * 10,
            ),
        )

    async def step(self, sub: object, timeout: float = 1.0) -> int:
        """Fetch one batch and handle it; how many entries took effect (0 when none came)."""
        import nats.errors

        try:
            msgs = await sub.fetch(self.batch, timeout=timeout)  # type: ignore[attr-defined]
        except nats.errors.TimeoutError:
            return 0
        entries = [decode(m.data) for m in msgs]
        try:
            n = await asyncio.to_thread(
                handle_batch, self.platform, self.consumer, self.handler, entries
            )
        except (Conflict, IntegrityError, OperationalError) as exc:
            log.info("consumer %s will take the batch again: %s", self.consumer, exc)
            for m in msgs:
                await m.nak(delay=1.0)
            return 0
        for m in msgs:
            await m.ack()
        self.handled += n
        return n

    async def run(self, stop: asyncio.Event) -> None:
        got = await connect_patiently(self.spec, f"scf-worker-{self.consumer}", stop)
        if got is None:
            return
        nc, js = got
        try:
            sub: object | None = None
            while not stop.is_set():
                try:
                    if sub is None:
                        sub = await self.subscribe(js)
                        log.info("consumer %s starts", self.consumer)
                    await self.step(sub)
                except Exception:  # a worker must survive to try again
                    log.exception("consumer %s failed; it will retry", self.consumer)
                    await asyncio.sleep(1.0)
        finally:
            await nc.drain()
