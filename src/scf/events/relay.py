"""The relay: the audit log, the platform's transactional outbox, published to JetStream in order.

Every state change appends its audit entry in the transaction that makes it, so the log holds
exactly what committed. The relay reads it in id order and publishes each entry, awaiting the
stream's acknowledgement before the next, so the stream holds the entries in id order: per
aggregate, that is the order its changes committed, because a change takes its aggregate's
row (a versioned update or a row lock) before it writes the entry.

Ids come from a sequence, so on PostgreSQL a transaction that drew a lower id can commit after
a higher one was read: a hole. The relay never publishes past a hole, so nothing is lost and
nothing overtakes. A hole stays until its entry turns up (published then, in place) or until
it is proven abandoned: every transaction that was running when the hole was first seen has
ended (the database's oldest running transaction, `pg_snapshot_xmin`, has passed the newest
one of that first snapshot, `pg_snapshot_xmax`) and it is still empty, which is what a
rolled-back transaction leaves. A short grace covers the instant between drawing the id and
taking a transaction id. A long transaction therefore holds the relay back for as long as
it runs (`idle_in_transaction_session_timeout` bounds that), never past it.

A relay that restarts reads how far it had come from the stream's newest message (and the
`event_relay` row written after each round), so it publishes nothing twice; were it to, the
message id drops the copy within the stream's duplicate window, and the consumers handle
each entry once whatever arrives (their `event_inbox`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.events.stream import AUDIT_ID, StreamSpec, connect_patiently, encode, last_relayed
from scf.events.tables import EventRelayRow
from scf.platform import Platform

if TYPE_CHECKING:
    from nats.js import JetStreamContext

log = logging.getLogger("scf.events.relay")

BATCH = 500
GRACE = 2.0
_SNAPSHOT = text(
    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
    "pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
)


@dataclass
class Hole:
    """An id not yet seen: the newest transaction of the snapshot that first missed it."""

    xmax: int | None
    seen: float


@dataclass
class Snapshot:
    """The entries after the relay's position, read in one snapshot, and its bounds."""

    entries: list[AuditEntry]
    xmin: int | None = None
    xmax: int | None = None


def abandoned(hole: Hole, xmin: int | None, now: float, grace: float) -> bool:
    """Whether every transaction that might still fill the hole has ended (SQLite: the grace,
    since its single writer draws ids in commit order and leaves no holes)."""
    if now - hole.seen < grace:
        return False
    return xmin is None or hole.xmax is None or xmin >= hole.xmax


def releasable(
    last: int,
    ids: list[int],
    holes: dict[int, Hole],
    snapshot: Snapshot,
    now: float,
    grace: float = GRACE,
) -> tuple[list[int], int]:
    """The ids to publish now, in order, and the position after them (past abandoned holes);
    stops at the first hole that may still fill. `holes` is updated in place."""
    out: list[int] = []
    expected = last + 1
    for i in sorted(ids):
        if i < expected:
            continue
        while expected < i:
            hole = holes.setdefault(expected, Hole(snapshot.xmax, now))
            if not abandoned(hole, snapshot.xmin, now, grace):
                return out, expected - 1
            del holes[expected]
            expected += 1
        holes.pop(i, None)
        out.append(i)
        expected = i + 1
    return out, expected - 1


@dataclass
class Relay:
    """Publish the audit log to the stream, round after round, from where it stands."""

    platform: Platform
    spec: StreamSpec
    batch: int = BATCH
    grace: float = GRACE
    clock: Callable[[], float] = time.monotonic
    last: int = 0
    published: int = 0
    holes: dict[int, Hole] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"relay:{self.spec.stream}"

    async def start(self, js: JetStreamContext) -> None:
        """Take up from the stream's newest entry or the stored position, whichever is later."""
        stored = await asyncio.to_thread(self._stored)
        self.last = max(await last_relayed(js, self.spec), stored)
        self.holes.clear()

    def _stored(self) -> int:
        with self.platform.uow(Actor.system(), reading=True) as uow:
            row = uow.session.get(EventRelayRow, self.name)
            return row.last_id if row is not None else 0

    def read(self) -> Snapshot:
        """The next entries after the position, and on PostgreSQL the snapshot's bounds."""
        with self.platform.uow(Actor.system(), reading=True) as uow:
            snap = Snapshot(entries=[])
            if uow.session.get_bind().dialect.name == "postgresql":
                uow.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                snap.xmin, snap.xmax = uow.session.execute(_SNAPSHOT).one()
            snap.entries = list(
                uow.session.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.id > self.last)
                    .order_by(AuditEntry.id)
                    .limit(self.batch)
                )
            )
            return snap

    async def step(self, js: JetStreamContext) -> int:
        """One round: publish what may go now, in order; how many entries went."""
        snap = await asyncio.to_thread(self.read)
        by_id = {e.id: e for e in snap.entries}
        ids, position = releasable(
            self.last, list(by_id), self.holes, snap, self.clock(), self.grace
        )
        for i in ids:
            e = by_id[i]
            await js.publish(
                self.spec.subject_for(e.aggregate_type),
                encode(e),
                stream=self.spec.stream,
                headers={"Nats-Msg-Id": f"{self.spec.stream}-{i}", AUDIT_ID: str(i)},
            )
            self.last = i
            self.published += 1
        if position > self.last:
            self.last = position
        if ids:
            await asyncio.to_thread(self._store)
        return len(ids)

    def _store(self) -> None:
        with self.platform.uow(Actor.system()) as uow:
            row = uow.session.get(EventRelayRow, self.name)
            if row is None:
                row = EventRelayRow(name=self.name, last_id=0, published=0, updated_at=uow.now())
                uow.session.add(row)
            row.last_id = max(row.last_id, self.last)
            row.published += self.published
            self.published = 0
            row.updated_at = uow.now()
            uow.commit()

    async def run(self, stop: asyncio.Event, every: float = 0.2) -> None:
        """Relay until told to stop; a lost connection or database is retried, never fatal."""
        got = await connect_patiently(self.spec, "scf-relay", stop)
        if got is None:
            return
        nc, js = got
        try:
            started = False
            while not stop.is_set():
                try:
                    if not started:
                        await self.start(js)
                        started = True
                        log.info("relay starts after entry %s", self.last)
                    went = await self.step(js)
                except Exception:  # the relay must survive to try again
                    log.exception("relay round failed; it will retry")
                    went, started = 0, False  # take up again from the stream's newest entry
                    await asyncio.sleep(1.0)
                if went < self.batch:
                    try:
                        await asyncio.wait_for(stop.wait(), timeout=every)
                    except TimeoutError:
                        pass
        finally:
            await nc.drain()
