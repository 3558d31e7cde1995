"""Records of the parties room that outlive their retention: deleted when they ended before
the cutoff, except those of organizations under a legal hold (`scf.governance` decides the
periods and the holds, and audits what was purged)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select

from scf.core.uow import UnitOfWork
from scf.parties.tables import (
    ApiTokenRow,
    LoginThrottleRow,
    SecurityAlertRow,
    UserRow,
)


def _users_of(orgs: Collection[str]) -> Any:
    return select(UserRow.id).where(UserRow.org_id.in_(orgs))


def _sessions(before: datetime, held: Collection[str], only: str | None) -> Any:
    ended = or_(
        and_(ApiTokenRow.revoked_at.is_not(None), ApiTokenRow.revoked_at < before),
        and_(ApiTokenRow.revoked_at.is_(None), ApiTokenRow.expires_at < before),
    )
    stmt = delete(ApiTokenRow).where(ended)
    if held:
        stmt = stmt.where(ApiTokenRow.user_id.not_in(_users_of(held)))
    if only is not None:
        stmt = stmt.where(ApiTokenRow.user_id.in_(_users_of([only])))
    return stmt


def _counters(before: datetime, held: Collection[str], only: str | None) -> Any:
    # Counters are keyed by login name and client address, of no organization: none is held.
    stmt = delete(LoginThrottleRow).where(LoginThrottleRow.expires_at < before)
    return stmt if only is None else None


def _security_alerts(before: datetime, held: Collection[str], only: str | None) -> Any:
    stmt = delete(SecurityAlertRow).where(SecurityAlertRow.raised_at < before)
    if held:
        names = select(UserRow.username).where(UserRow.org_id.in_(held))
        stmt = stmt.where(SecurityAlertRow.subject.not_in(names))
    if only is not None:
        own = select(UserRow.username).where(UserRow.org_id == only)
        stmt = stmt.where(SecurityAlertRow.subject.in_(own))
    return stmt


# Kind of record -> the statement that deletes those of its kind that ended before a cutoff
# (None: the kind has no records of one organization).
PURGEABLE: dict[str, Callable[[datetime, Collection[str], str | None], Any]] = {
    "session": _sessions,
    "login_counter": _counters,
    "security_alert": _security_alerts,
}


def purge_expired(
    uow: UnitOfWork,
    kind: str,
    before: datetime,
    held_org_ids: Collection[str],
    only: str | None = None,
) -> int:
    """Delete the records of a kind that ended before `before`, keeping the held ones (and,
    given `only`, touching none but that organization's); how many. The caller audits and
    commits."""
    stmt = PURGEABLE[kind](before, sorted(held_org_ids), only)
    if stmt is None:
        return 0
    result = uow.session.execute(stmt, execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0) or 0)
