"""The consumers of the event stream and what each does with the entries it is handed."""

from __future__ import annotations

from scf.core.audit import AuditEntry
from scf.core.uow import UnitOfWork
from scf.events.consumers import Handler
from scf.events.notifications import send_notices
from scf.risk import service as risk
from scf.supervision import service as supervision


def follow_risk(uow: UnitOfWork, entries: list[AuditEntry]) -> object:
    """Signals, alerts and limits of the enterprises the entries touch (scf.risk.follower)."""
    return risk.follow_entries(uow, entries)


def count(uow: UnitOfWork, entries: list[AuditEntry]) -> object:
    """The regulator's counts of entries per action and day (scf.supervision.counters)."""
    return supervision.count_events(uow, entries)


def notify(uow: UnitOfWork, entries: list[AuditEntry]) -> object:
    """Messages to the organizations a certificate reached (scf.events.notifications)."""
    return send_notices(uow, entries)


CONSUMERS: dict[str, Handler] = {
    "risk": follow_risk,
    "counters": count,
    "notifications": notify,
}
