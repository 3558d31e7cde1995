"""Leadership: of several processes, the one holding a PostgreSQL advisory lock acts alone.

The lock is a session lock on a connection the leader keeps out of the pool for as long as
it leads: when the process dies, or its connection does, PostgreSQL ends the session and
frees the lock, and the next candidate to ask takes it. No lease to renew, no clock to
trust. A session lock needs the leader's own server session: a scheduler reaches PostgreSQL
directly, or through a pgbouncer pool in session mode, never through a transaction-mode pool.
SQLite serves one process (the embedded mode), which always leads.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("scf.core.leader")


def lock_key(name: str) -> int:
    """The advisory lock's 64-bit key for a name (the same in every process)."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


class Leadership:
    """Ask for, keep and give up the lock `name`; `acquire()` each round says whether we lead."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self.key = lock_key(name)
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self.engine.dialect.name != "postgresql"

    def acquire(self) -> bool:
        """Whether this process leads now: it kept the lock, or it has just taken it."""
        if self.engine.dialect.name != "postgresql":
            return True
        if self._conn is not None:
            if self._alive(self._conn):
                return True
            log.warning("leadership %s lost with its connection", self.name)
            self._drop()
        conn = self.engine.connect()
        try:
            got = bool(
                conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            )
            conn.commit()
        except DBAPIError:
            conn.close()
            return False
        if not got:
            conn.close()
            return False
        self._conn = conn
        log.info("leadership %s taken", self.name)
        return True

    @staticmethod
    def _alive(conn: Connection) -> bool:
        try:
            conn.execute(text("SELECT 1"))
            conn.commit()
            return True
        except DBAPIError:
            return False

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except DBAPIError:
                pass

    def release(self) -> None:
        """Give the lock up (a clean shutdown; a dead process frees it all the same)."""
        conn = self._conn
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            conn.commit()
            conn.close()
        except DBAPIError:
            self._drop()
        self._conn = None
