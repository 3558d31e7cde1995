"""Event counters: audit entries per action and day, kept by a consumer of the event stream.

The `counters` consumer (scf.events) adds each entry it is handed to its action's count for the
Beijing day it was recorded, in the transaction that also marks the entry handled, so a count
is exactly the number of entries recorded however often the stream redelivers them. Concurrent
workers add with one upsert per (day, action), which the database serializes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from scf.core.audit import AuditEntry
from scf.core.uow import UnitOfWork
from scf.supervision.facts import require_regulator
from scf.supervision.tables import EventCountRow

SHANGHAI = ZoneInfo("Asia/Shanghai")


def count_events(uow: UnitOfWork, entries: Iterable[AuditEntry]) -> int:
    """Add the entries to their actions' counts of the day; flush, no commit. How many counted."""
    counts = Counter((e.at.astimezone(SHANGHAI).date(), e.action) for e in entries)
    if not counts:
        return 0
    dialect = uow.session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [{"day": d, "action": a, "count": n} for (d, a), n in sorted(counts.items())]
    stmt = make(EventCountRow).values(rows)
    uow.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["day", "action"],
            set_={"count": EventCountRow.count + stmt.excluded["count"]},
        )
    )
    return sum(counts.values())


def event_counts(uow: UnitOfWork, since: date, until: date) -> list[dict[str, Any]]:
    """The counts of every action on each day from `since` to `until` (regulator)."""
    require_regulator(uow)
    rows = uow.session.scalars(
        select(EventCountRow)
        .where(EventCountRow.day >= since, EventCountRow.day <= until)
        .order_by(EventCountRow.day, EventCountRow.action)
    )
    return [{"day": r.day.isoformat(), "action": r.action, "count": r.count} for r in rows]
