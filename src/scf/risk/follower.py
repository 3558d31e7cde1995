"""The risk follower: signals and limits re-evaluated as the platform's audit log grows.

Every state change on the platform appends an audit entry (`scf.core.audit`) in the same
transaction, so the audit log is an outbox: the follower tails it from a stored cursor
(`risk_follower`), maps each new entry to the enterprises it touches, re-evaluates each of
them once per batch (`service.refresh_enterprise`: signals, alerts, limit) and moves the
cursor in the transaction that writes those alerts. A crash therefore loses nothing and
raises nothing twice: either the batch's alerts and the cursor move commit together, or
neither does and the next run takes the same batch again.

Ids come from a sequence, so a transaction that drew a lower id can commit after a higher one
was read. The follower remembers such holes (`gaps`) and looks for them again on every run,
forgetting a hole after `GAP_TTL` (a rolled-back transaction leaves one forever).

Writers never wait for it: it reads the log in its own transactions, from the CLI
(`scf risk follow`) or from the server's background task (setting `SCF_RISK_FOLLOW`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.attributes import flag_modified

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.errors import Conflict, NotFound
from scf.core.uow import UnitOfWork
from scf.parties import service as parties
from scf.platform import Platform
from scf.risk import service as risk
from scf.risk.rooms import room_service
from scf.risk.tables import RiskFollowerRow

log = logging.getLogger("scf.risk.follower")

FOLLOWER = "signals"
BATCH = 500
GAP_TTL = timedelta(minutes=5)
MAX_GAPS = 1000
MAX_ENTERPRISES = 50
# Between the batches of a backlog, the background follower pauses this long: on SQLite every
# transaction takes the write lock at BEGIN, and a follower that began its next batch at once
# would win the lock over requests waiting in SQLite's busy handler (which sleeps up to 100 ms
# between tries) until the whole backlog was through.
PAUSE = 0.15
ENTERPRISE_ROLES = frozenset({"core_enterprise", "supplier", "distributor"})

# What the features, signals and limits read: trade documents, confirmations, payments and
# disputes; financings (submitted, disbursed, overdue, defaulted, repaid); certificates
# issued, split, transferred, financed and paid; ownership, key persons and registration data.
FOLLOWED_PREFIXES = (
    "invoice.",
    "order.",
    "shipment.",
    "receivable.",
    "payment.",
    "fingerprint.",
    "financing.",
    "certificate.",
    "organization.",
    "shareholding.",
    "key_person.",
    "list.",
)
# Followed prefixes whose entries change nothing an enterprise is scored on.
IGNORED_ACTIONS = frozenset(
    {
        "financing.inbox.read",
        "financing.price.posted",
        "financing.product.created",
        "financing.cover.written",
    }
)
# Ownership and contact changes relate (or unrelate) whole groups: every member is touched.
GROUP_ACTIONS_PREFIXES = ("shareholding.", "key_person.", "organization.")


@dataclass
class FollowReport:
    """What one run did: audit entries read, enterprises re-evaluated, alerts raised."""

    entries: int = 0
    last_id: int = 0
    enterprises: list[str] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    batches: int = 0
    caught_up: bool = False

    def add(self, other: FollowReport) -> None:
        self.entries += other.entries
        self.last_id = max(self.last_id, other.last_id)
        self.enterprises.extend(e for e in other.enterprises if e not in self.enterprises)
        self.alerts.extend(other.alerts)
        self.batches += other.batches
        self.caught_up = other.caught_up

    def as_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "last_id": self.last_id,
            "batches": self.batches,
            "enterprises": len(self.enterprises),
            "alerts": self.alerts,
            "caught_up": self.caught_up,
        }


def followed(action: str) -> bool:
    return action.startswith(FOLLOWED_PREFIXES) and action not in IGNORED_ACTIONS


def _org_ids_in(value: Any, out: set[str], depth: int = 0) -> None:
    """Collect the organization ids a snapshot names (`org_id`, `*_org_id`, `*_org_ids`)."""
    if depth > 4:
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            key = str(k)
            if isinstance(v, str) and (key == "org_id" or key.endswith("_org_id")):
                out.add(v)
            elif isinstance(v, list) and key.endswith("_org_ids"):
                out.update(x for x in v if isinstance(x, str))
            elif isinstance(v, Mapping | list):
                _org_ids_in(v, out, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _org_ids_in(v, out, depth + 1)


def _parties_of_aggregate(uow: UnitOfWork, kind: str, agg_id: str) -> set[str]:
    """The parties of a receivable or a financing, which its audit entries may not name."""
    try:
        if kind == "trade_receivable":
            info = getattr(room_service("trade"), "receivable_info", None)
            if info is not None:
                r = info(uow, agg_id)
                return {r.seller_org_id, r.debtor_org_id}
        elif kind == "financing_application":
            get = getattr(room_service("financing"), "get_application", None)
            if get is not None:
                app = get(uow, agg_id)
                return {x for x in (app.applicant_org_id, app.debtor_org_id) if x}
    except NotFound:
        pass
    return set()


def _named(uow: UnitOfWork, e: AuditEntry) -> tuple[set[str], bool]:
    """The organizations one entry names or whose receivable or financing it changes, and
    whether it changes relations (then their whole related-party groups are touched)."""
    found: set[str] = set()
    if not followed(e.action):
        return found, False
    if e.org_id:
        found.add(e.org_id)
    _org_ids_in(e.before, found)
    _org_ids_in(e.after, found)
    if e.aggregate_type == "organization":
        found.add(e.aggregate_id)
    found |= _parties_of_aggregate(uow, e.aggregate_type, e.aggregate_id)
    return found, e.action.startswith(GROUP_ACTIONS_PREFIXES)


def _enterprises(uow: UnitOfWork, named: Iterable[tuple[set[str], bool]]) -> list[str]:
    touched: set[str] = set()
    grouped: set[str] = set()
    for found, group_wide in named:
        touched |= found
        if group_wide:
            grouped |= found
    if grouped:
        groups = risk.derived_graphs(uow).groups
        for org_id in grouped:
            touched |= groups.get(org_id, {org_id})
    orgs = parties.organizations_by_id(uow, touched)
    return sorted(oid for oid, row in orgs.items() if ENTERPRISE_ROLES & set(row.roles))


def affected_enterprises(uow: UnitOfWork, entries: Iterable[AuditEntry]) -> list[str]:
    """The enterprises (core enterprises, suppliers, distributors) the entries touch."""
    return _enterprises(uow, [_named(uow, e) for e in entries])


def follow_entries(uow: UnitOfWork, entries: Iterable[AuditEntry]) -> list[dict[str, Any]]:
    """Re-evaluate once each enterprise the entries touch, in the caller's transaction (the
    `risk` consumer of the event stream, which needs no cursor: the stream tracks delivery);
    the alerts raised."""
    raised: list[dict[str, Any]] = []
    for org_id in affected_enterprises(uow, entries):
        for alert in risk.refresh_enterprise(uow, org_id):
            raised.append({"id": alert.id, "org_id": alert.org_id, "kind": alert.kind})
    return raised


def _cursor(uow: UnitOfWork, name: str) -> RiskFollowerRow:
    row = uow.session.get(RiskFollowerRow, name)
    if row is None:
        row = RiskFollowerRow(name=name, last_id=0, gaps={}, entries=0, updated_at=uow.now())
        uow.session.add(row)
    return row


def follow_batch(
    uow: UnitOfWork,
    *,
    batch: int = BATCH,
    name: str = FOLLOWER,
    max_enterprises: int = MAX_ENTERPRISES,
) -> FollowReport:
    """Handle the next `batch` audit entries after the cursor (and any late ones below it) in
    one transaction: re-evaluate every enterprise they touch once, then move the cursor.

    The cursor row is written first, so a second follower waits on it and then gives up with
    `Conflict` (its version moved) instead of raising the same alerts again. A batch stops
    early once its entries name more than `max_enterprises` organizations (but always takes
    one entry), so a transaction stays short: on SQLite writers wait for it.
    """
    if batch < 1 or max_enterprises < 1:
        raise ValueError("batch and max_enterprises must be at least 1")
    now = uow.now()
    cursor = _cursor(uow, name)
    cursor.updated_at = now
    flag_modified(cursor, "updated_at")  # an UPDATE even when the clock stood still
    uow.flush()  # takes the cursor row: concurrent followers serialize (or fail) here
    start = cursor.last_id
    rows = list(
        uow.session.scalars(
            select(AuditEntry).where(AuditEntry.id > start).order_by(AuditEntry.id).limit(batch)
        )
    )
    named: list[tuple[set[str], bool]] = []
    seen: set[str] = set()
    full = len(rows) == batch  # more may follow
    for n, e in enumerate(rows):
        found = _named(uow, e)
        if n and len(seen | found[0]) > max_enterprises:
            rows, full = rows[:n], True
            break
        seen |= found[0]
        named.append(found)
    gaps = _live_gaps(cursor.gaps, now)
    late: list[AuditEntry] = []
    if gaps:
        late = list(
            uow.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.id.in_([int(k) for k in gaps]))
                .order_by(AuditEntry.id)
            )
        )
        for e in late:
            gaps.pop(str(e.id), None)
    last = start
    for e in rows:
        for missing in range(last + 1, min(e.id, last + 1 + MAX_GAPS)):
            gaps.setdefault(str(missing), now.isoformat())
        last = e.id
    if len(gaps) > MAX_GAPS:  # keep the newest holes
        gaps = dict(sorted(gaps.items(), key=lambda kv: int(kv[0]))[-MAX_GAPS:])
    report = FollowReport(entries=len(rows) + len(late), last_id=last, batches=1)
    report.caught_up = not full
    if rows or late:
        report.enterprises = _enterprises(uow, [*(_named(uow, e) for e in late), *named])
        for org_id in report.enterprises:
            for alert in risk.refresh_enterprise(uow, org_id):
                report.alerts.append({"id": alert.id, "org_id": alert.org_id, "kind": alert.kind})
    cursor.last_id = last
    cursor.gaps = gaps
    cursor.entries += len(rows) + len(late)
    uow.flush()
    uow.commit()
    return report


def _live_gaps(gaps: Mapping[str, str], now: datetime) -> dict[str, str]:
    return {k: v for k, v in gaps.items() if now - datetime.fromisoformat(v) < GAP_TTL}


def follow(
    platform: Platform,
    *,
    batch: int = BATCH,
    name: str = FOLLOWER,
    max_enterprises: int = MAX_ENTERPRISES,
    stop: threading.Event | None = None,
    pause: float = 0.0,
) -> FollowReport:
    """Run batches until the follower has caught up with the audit log (or is told to stop),
    pausing `pause` seconds between them so that other transactions get their turn."""
    total = FollowReport()
    stop = stop or threading.Event()
    while not stop.is_set():
        with platform.uow(Actor.system()) as uow:
            report = follow_batch(uow, batch=batch, name=name, max_enterprises=max_enterprises)
        total.add(report)
        if report.caught_up or (pause and stop.wait(pause)):
            break
    return total


def follow_quietly(platform: Platform, *, batch: int = BATCH, stop: threading.Event) -> None:
    """One background round: a follower that lost a race or hit a busy database tries again
    at the next tick; anything else is logged, never raised into the server."""
    try:
        report = follow(platform, batch=batch, stop=stop, pause=PAUSE)
    except (Conflict, IntegrityError, OperationalError) as exc:
        log.info("risk follower will retry: %s", exc)
        return
    except Exception:  # a background task must survive to try again
        log.exception("risk follower failed; it will retry")
        return
    if report.alerts or report.entries:
        log.info("risk follower", extra={"fields": report.as_dict()})


@asynccontextmanager
async def background(platform: Platform, seconds: float) -> AsyncIterator[None]:
    """Run the follower every `seconds` while the server lives; on shutdown, let the batch in
    progress finish (its transaction commits or rolls back whole) and stop."""
    stop = threading.Event()
    wake = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            await asyncio.to_thread(follow_quietly, platform, stop=stop)
            try:
                await asyncio.wait_for(wake.wait(), timeout=seconds)
            except TimeoutError:
                pass

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        stop.set()
        wake.set()
        await task
