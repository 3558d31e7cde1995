"""Throttling of failed logins per account and per client address, with the limits library.

Each tier ("5/minute", "10/15 minutes", ...) is a fixed window that opens at the first failure:
once a tier's count is reached, the account (or the address) is locked until its window ends,
so the longer tiers make the wait grow with the failures. The counters live in the database
(`DatabaseStorage`, a limits storage over `login_throttle`) unless a Redis URL is configured,
which several API instances then share. When that shared store does not answer, the
counters fall back to the database (`FallbackStorage`): a login never fails because Redis is
down, and failures are still counted.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from weakref import WeakKeyDictionary

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Connection, Engine, Table, case, delete, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from scf.core.db import READS_FIRST, UTCDateTime
from scf.parties.tables import LoginThrottleRow

_T = cast(Table, LoginThrottleRow.__table__)
_log = logging.getLogger(__name__)
# Expired counters are swept when a failure is counted, a day after they expired.
_SWEEP_AFTER = timedelta(days=1)


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class DatabaseStorage(Storage):
    """A limits storage over the `login_throttle` table: one row per window, atomic upserts.

    limits keeps time with `time.time()`, so these counters do too (not the platform's clock).
    """

    STORAGE_SCHEME = ["scf+database"]  # noqa: RUF012 (the limits registry reads a list)

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine
        self._reader = engine.execution_options(**{READS_FIRST: True})

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the window's count, opening a new window if the last one ended."""
        now = _at(time.time())
        until = literal(now + timedelta(seconds=expiry), UTCDateTime())
        expired = _T.c.expires_at <= now
        upsert = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        stmt = (
            upsert(_T)
            .values(key=key, count=amount, expires_at=until)
            .on_conflict_do_update(
                index_elements=[_T.c.key],
                set_={
                    "count": case((expired, amount), else_=_T.c.count + amount),
                    "expires_at": case((expired, until), else_=_T.c.expires_at),
                },
            )
            .returning(_T.c.count)
        )
        with self._engine.begin() as conn:
            conn.execute(delete(_T).where(_T.c.expires_at < now - _SWEEP_AFTER))
            count: int = conn.execute(stmt).scalar_one()
        return count

    def get(self, key: str) -> int:
        now = _at(time.time())
        with self._reader.connect() as conn:
            got = conn.scalar(select(_T.c.count).where(_T.c.key == key, _T.c.expires_at > now))
        return int(got or 0)

    def get_expiry(self, key: str) -> float:
        with self._reader.connect() as conn:
            at = conn.scalar(select(_T.c.expires_at).where(_T.c.key == key))
        return at.timestamp() if at is not None else time.time()

    def check(self) -> bool:
        try:
            with self._reader.connect() as conn:
                conn.scalar(select(func.count()).select_from(_T))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._engine.begin() as conn:
            return conn.execute(delete(_T)).rowcount

    def clear(self, key: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(_T).where(_T.c.key == key))


class FallbackStorage(Storage):
    """A shared store (Redis) that falls back to the database storage while it does not answer.

    Each call goes to the shared store first; if it raises one of its errors (connection
    refused, timeout), the call is made on the database instead and a warning is logged once
    per outage. Counts made during an outage stay in the database: the throttle is then per
    database rather than shared, which is stricter than none.
    """

    STORAGE_SCHEME = ["scf+fallback"]  # noqa: RUF012

    def __init__(self, primary: Storage, fallback: Storage) -> None:
        super().__init__()
        self._primary = primary
        self._fallback = fallback
        self._down = False

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return self._fallback.base_exceptions

    def _call(self, name: str, *args: Any) -> Any:
        try:
            result = getattr(self._primary, name)(*args)
        except Exception as exc:
            if not isinstance(exc, _exceptions(self._primary)):
                raise
            if not self._down:
                _log.warning("login throttle store unreachable, using the database: %s", exc)
                self._down = True
            return getattr(self._fallback, name)(*args)
        if self._down:
            _log.warning("login throttle store answers again")
            self._down = False
        return result

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return cast(int, self._call("incr", key, expiry, amount))

    def get(self, key: str) -> int:
        return cast(int, self._call("get", key))

    def get_expiry(self, key: str) -> float:
        return cast(float, self._call("get_expiry", key))

    def check(self) -> bool:
        return bool(self._call("check"))

    def reset(self) -> int | None:
        return cast("int | None", self._call("reset"))

    def clear(self, key: str) -> None:
        self._call("clear", key)


def _exceptions(storage: Storage) -> tuple[type[Exception], ...]:
    base = storage.base_exceptions
    found = base if isinstance(base, tuple) else (base,)
    # A store that cannot connect may also raise the socket's own errors.
    return (*found, OSError, TimeoutError)


@dataclass(frozen=True)
class Lock:
    """A tier that a failure just exhausted: what is locked, after how many, until when."""

    kind: str  # account or address
    subject: str
    failures: int
    window_seconds: int
    until: datetime


@dataclass
class LoginThrottle:
    """The limiter and its tiers for accounts and client addresses."""

    limiter: FixedWindowRateLimiter
    account: list[RateLimitItem]
    address: list[RateLimitItem]
    namespace: str

    def _tiers(self, username: str, address: str) -> list[tuple[str, str, RateLimitItem]]:
        return [("account", username, i) for i in self.account] + [
            ("address", address, i) for i in self.address if address
        ]

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds until the longest lock on the account or the address ends; None if none."""
        waits = [
            self.limiter.get_window_stats(item, self.namespace, kind, subject).reset_time
            for kind, subject, item in self._tiers(username, address)
            if not self.limiter.test(item, self.namespace, kind, subject)
        ]
        if not waits:
            return None
        return max(1, math.ceil(max(waits) - time.time()))

    def failed(self, username: str, address: str) -> list[Lock]:
        """Count a failed login against every tier; return the locks it begins."""
        locks = []
        for kind, subject, item in self._tiers(username, address):
            ids = (self.namespace, kind, subject)
            was_open = self.limiter.test(item, *ids)
            self.limiter.hit(item, *ids)
            if was_open and not self.limiter.test(item, *ids):
                reset = self.limiter.get_window_stats(item, *ids).reset_time
                locks.append(Lock(kind, subject, item.amount, item.get_expiry(), _at(reset)))
        return locks

    def succeeded(self, username: str) -> None:
        """Forget the account's failures once its password was given (the address keeps its)."""
        for item in self.account:
            ids = (self.namespace, "account", username)
            if self.limiter.get_window_stats(item, *ids).remaining < item.amount:
                self.limiter.clear(item, *ids)


_by_engine: WeakKeyDictionary[Engine, Storage] = WeakKeyDictionary()
_by_url: dict[str, Storage] = {}
_lock = threading.Lock()


def _storage(settings: Any, engine: Engine) -> Storage:
    url = settings.login_throttle_storage if settings is not None else "database"
    with _lock:
        if engine not in _by_engine:
            _by_engine[engine] = DatabaseStorage(engine)
        database = _by_engine[engine]
        if url == "database":
            return database
        if url not in _by_url:
            _by_url[url] = cast(Storage, storage_from_string(url))
        return FallbackStorage(_by_url[url], database)


def throttle_for(settings: Any, bind: Engine | Connection) -> LoginThrottle:
    """The login throttle of these settings, over the platform's engine or the shared Redis."""
    from scf.config import Settings

    s = settings if settings is not None else Settings()
    return LoginThrottle(
        limiter=FixedWindowRateLimiter(_storage(s, bind.engine)),
        account=parse_many(s.login_throttle_account),
        address=parse_many(s.login_throttle_address),
        namespace=s.login_throttle_namespace,
    )
