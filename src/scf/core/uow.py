"""The unit of work: one transaction per command, rolled back unless committed."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from types import TracebackType
from typing import Any, NamedTuple

from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.calendar import ChinaCalendar, china_calendar
from scf.core.clock import Clock
from scf.core.errors import Conflict
from scf.core.money import Money

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


class AuditItem(NamedTuple):
    """One entry of a bulk command for `UnitOfWork.audit_many`."""

    aggregate_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    org_id: str | None = None


def jsonable(value: Any) -> Any:
    """Turn a snapshot into JSON without floats: money and decimals become strings."""
    if isinstance(value, Money):
        return value.as_json()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        return str(value)
    return value


class UnitOfWork:
    """A session, a clock and the acting party; audit entries land in the same transaction."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        actor: Actor | None = None,
        *,
        settings: Any = None,
        calendar: ChinaCalendar | None = None,
        bind: Engine | None = None,
    ) -> None:
        self._factory = session_factory
        # The engine to run on when not the factory's own: the platform's reader, whose
        # transactions take no write lock until they write (scf.core.db.READS_FIRST).
        self._bind = bind
        self.clock = clock
        self.actor = actor or Actor.system()
        # The platform's settings (scf.config.Settings) and working-day calendar, for
        # services that need the secret key or to roll dates.
        self.settings = settings
        self._calendar = calendar
        self._session: Session | None = None
        self.committed = False
        self._held = 0

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory() if self._bind is None else self._factory(bind=self._bind)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches the objects without
        # expiring them, so results stay readable after the unit of work ends.
        if self._session is not None:
            self._session.close()
            self._session = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    @contextmanager
    def acting_as(self, actor: Actor) -> Iterator[UnitOfWork]:
        """Run the block as `actor` (the platform itself, for a step it takes on its own
        account inside a user's command), then act as before again, even if the block fails."""
        acting = self.actor
        self.actor = actor
        try:
            yield self
        finally:
            self.actor = acting

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.now().date()

    @property
    def calendar(self) -> ChinaCalendar:
        if self._calendar is None:
            self._calendar = china_calendar()
        return self._calendar

    def read_snapshot(self) -> None:
        """Read everything that follows from one snapshot of the database (long exports).

        What was read so far (the caller's token) ends with its transaction; the next one runs
        REPEATABLE READ on PostgreSQL. A SQLite transaction reads one WAL snapshot from its
        first read on, and a reader's (Platform.uow(reading=True)) takes no lock that would
        hold up the writers.
        """
        self.session.commit()
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})

    def commit(self) -> None:
        if self._held:
            self._write(self.session.flush)
            return
        self._write(self.session.commit)
        self.committed = True

    @contextmanager
    def one_commit(self) -> Iterator[None]:
        """Turn the commits of the commands run inside into flushes: the caller commits once
        at the end, with whatever it adds (an idempotency key's answer beside its effect)."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1

    def flush(self) -> None:
        self._write(self.session.flush)

    def _write(self, step: Callable[[], None]) -> None:
        """Flush or commit; a lost race with another writer becomes a Conflict, rolled back."""
        try:
            step()
        except StaleDataError:
            self.session.rollback()
            raise Conflict(
                "the record was changed by someone else meanwhile; reload it and try again",
                code="stale_version",
            ) from None
        except IntegrityError as exc:
            self.session.rollback()
            raise Conflict(
                f"the change collides with an existing record: {exc.orig}",
                code="integrity_conflict",
            ) from None

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()

    def audit(
        self,
        action: str,
        aggregate_type: str,
        aggregate_id: str,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        org_id: str | None = None,
    ) -> None:
        """Append who did what to which aggregate, with its before and after."""
        self.session.add(
            AuditEntry(
                at=self.now(),
                user_id=self.actor.user_id,
                org_id=org_id if org_id is not None else self.actor.org_id,
                action=action,
                aggregate_type=aggregate_type,
                aggregate_id=aggregate_id,
                before=jsonable(before) if before is not None else None,
                after=jsonable(after) if after is not None else None,
                request_id=request_id_var.get(),
            )
        )

    def audit_many(
        self,
        action: str,
        aggregate_type: str,
        entries: Sequence[AuditItem],
    ) -> None:
        """Append one entry per item of a bulk command in a single statement.

        The same rows `audit` would write, in the same order: whatever the session still holds
        is flushed first, so ids follow the order of the calls.
        """
        if not entries:
            return
        self.session.flush()
        at, user_id, request_id = self.now(), self.actor.user_id, request_id_var.get()
        self.session.execute(
            insert(AuditEntry),
            [
                {
                    "at": at,
                    "user_id": user_id,
                    "org_id": e.org_id if e.org_id is not None else self.actor.org_id,
                    "action": action,
                    "aggregate_type": aggregate_type,
                    "aggregate_id": e.aggregate_id,
                    "before": jsonable(e.before) if e.before is not None else None,
                    "after": jsonable(e.after) if e.after is not None else None,
                    "request_id": request_id,
                }
                for e in entries
            ],
        )
