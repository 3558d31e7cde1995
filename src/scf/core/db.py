"""Engines, the declarative base and column types shared by every room."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from weakref import WeakKeyDictionary

import orjson
from sqlalchemy import JSON, BigInteger, DateTime, Engine, Integer, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware UTC")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_dumps(value: Any) -> str:
    """The JSON columns' serializer: orjson, compact (a transfer writes four JSON documents to
    its audit rows, and the standard library's encoder cost more than its SQL). It writes what
    the standard library writes: keys that are not strings as strings, and numbers of numpy
    or of float subclasses as numbers."""
    return orjson.dumps(value, default=_json_default, option=_JSON_OPTIONS).decode()


_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _json_default(value: Any) -> Any:
    if isinstance(value, float):
        return float(value)
    if isinstance(value, int):
        return int(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    kwargs.setdefault("json_serializer", json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        if path in ("", ":memory:"):
            kwargs.setdefault("poolclass", NullPool)
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _rec: Any) -> None:
            # Let SQLAlchemy issue BEGIN itself so that a transaction covers reads too.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock at the start, so two writers queue instead of
            # failing half-way with "database is locked". A unit of work that expects only to
            # read (READS_FIRST) begins deferred: it reads a WAL snapshot and never waits for
            # the writers, until it writes (see _upgrade_on_write).
            reads_first = bool(conn.get_execution_options().get(READS_FIRST))
            conn.info[_DEFERRED] = reads_first
            conn.exec_driver_sql("BEGIN" if reads_first else "BEGIN IMMEDIATE")

        @event.listens_for(engine, "before_cursor_execute")
        def _upgrade_on_write(
            conn: Any, cursor: Any, statement: str, *_args: Any, **_kw: Any
        ) -> None:
            # Inside a savepoint the transaction cannot begin again; SQLite upgrades it itself.
            if conn.info.get(_DEFERRED) and _writes(statement) and not conn.in_nested_transaction():
                upgrade_to_writer(conn)

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _ended(conn: Any) -> None:
            conn.info[_DEFERRED] = False

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


# An execution option: the transaction begins without the write lock (SQLite), as a reader.
READS_FIRST = "scf_reads_first"
_DEFERRED = "scf_deferred"
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


def _writes(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(_WRITE_VERBS)


def upgrade_to_writer(conn: Any) -> None:
    """Turn a deferred SQLite transaction that has only read into an IMMEDIATE one.

    A deferred transaction that writes after another connection committed fails at once with
    SQLITE_BUSY_SNAPSHOT, whatever the busy timeout. It has written nothing yet, so it ends
    and begins again with the write lock, queueing behind the writers as every command does.
    What it read before stays read: the writes it then makes are logs of those reads and
    versioned rows, whose version check refuses a change to a row that moved meanwhile.
    """
    conn.info[_DEFERRED] = False
    dbapi = conn.connection.dbapi_connection
    dbapi.execute("COMMIT")
    dbapi.execute("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


_MISSING: Any = object()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    fixed: dict[str, Any]
    binds: list[tuple[str, Any]]
    results: list[Any]
    keys: list[str]
    positions: tuple[str, ...] | None
    # for positional drivers: per position, its name and fixed value (or _MISSING)
    slots: tuple[tuple[str, Any], ...] = ()
    # the positions whose values go through a bind processor, with it
    processed: tuple[tuple[int, Any], ...] = ()
    # per position, the last datetime converted and its driver value (replaced as one tuple)
    memo: list[tuple[Any, Any]] = field(default_factory=list)


class DriverStatement:
    """A Core statement compiled once per dialect and run straight on the driver's cursor.

    For hot paths (a certificate transfer, a receivable's use), where SQLAlchemy's own work
    per statement (cache key, execution context, result metadata, Row objects) costs more
    client CPU than the statement itself: on SQLite, where a statement is a function call,
    several times more. Named (psycopg) and positional (sqlite3) parameter styles are both
    served; `many` runs the driver's executemany. The values go through the type
    processors SQLAlchemy would apply (UTC datetimes, JSON) both ways, and driver errors are
    wrapped as SQLAlchemy wraps them (IntegrityError, OperationalError, ...), so callers see
    the same values and exceptions.
    (A psycopg pipeline would not save the BEGIN's round trip: psycopg syncs after it.)
    """

    def __init__(self, stmt: Any) -> None:
        self._stmt = stmt
        self._by_dialect: WeakKeyDictionary[Any, _Compiled] = WeakKeyDictionary()

    def _compiled(self, dialect: Any) -> _Compiled:
        got = self._by_dialect.get(dialect)
        if got is None:
            c = cast(Any, self._stmt.compile(dialect=dialect))
            fixed = {k: v for k, v in c.params.items() if v is not None}
            procs = dict(c._bind_processors)
            got = _Compiled(
                sql=c.string,
                fixed=fixed,
                binds=list(procs.items()),
                results=[e.type._cached_result_processor(dialect, None) for e in c._result_columns],
                keys=[e.keyname for e in c._result_columns],
                # qmark/numeric drivers (sqlite3) take a tuple in the compiled order
                positions=tuple(c.positiontup) if c.positional else None,
                slots=tuple((k, fixed.get(k, _MISSING)) for k in c.positiontup or ()),
                processed=tuple(
                    (i, procs[k]) for i, k in enumerate(c.positiontup or ()) if k in procs
                ),
                memo=[(None, None)] * len(c.positiontup or ()),
            )
            self._by_dialect[dialect] = got
        return got

    def keys(self, dialect: Any) -> list[str]:
        """The names of the columns the statement returns."""
        return list(self._compiled(dialect).keys)

    def _values(self, c: _Compiled, params: dict[str, Any]) -> Any:
        if c.positions is not None:
            return self._positional(c, params)
        values = {**c.fixed, **params}
        for key, process in c.binds:
            v = values.get(key)
            if v is not None:
                values[key] = process(v)
        return values

    @staticmethod
    def _positional(c: _Compiled, params: dict[str, Any]) -> tuple[Any, ...]:
        get = params.get
        out = [get(key, fixed) for key, fixed in c.slots]
        if _MISSING in out:
            missing = [key for (key, _), v in zip(c.slots, out, strict=True) if v is _MISSING]
            raise KeyError(f"no value for {', '.join(missing)}")
        memo = c.memo
        for i, process in c.processed:
            v = out[i]
            if v is None:
                continue
            if type(v) is datetime:
                # a command stamps many columns and rows with one `now`: convert it once
                last = memo[i]
                if last[0] is v:
                    out[i] = last[1]
                    continue
                done = process(v)
                memo[i] = (v, done)
                out[i] = done
            else:
                out[i] = process(v)
        return tuple(out)

    def rows(self, conn: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run with `params` in the connection's transaction; the rows it returns."""
        c = self._compiled(conn.dialect)
        values = self._values(c, params)
        got: list[tuple[Any, ...]] = self._run(
            conn, c, lambda cur: cur.execute(c.sql, values), values
        )
        results = c.results
        if any(results):
            return [
                tuple(
                    v if f is None or v is None else f(v) for f, v in zip(results, row, strict=True)
                )
                for row in got
            ]
        return got

    def many(self, conn: Any, params: Sequence[dict[str, Any]]) -> None:
        """Run once per item of `params` (the driver's executemany); returns nothing."""
        c = self._compiled(conn.dialect)
        values = [self._values(c, p) for p in params]
        self._run(conn, c, lambda cur: cur.executemany(c.sql, values), values)

    def _run(self, conn: Any, c: _Compiled, call: Callable[[Any], Any], values: Any) -> Any:
        dialect = conn.dialect
        dbapi = conn.connection.dbapi_connection
        cur = dbapi.cursor()
        try:
            call(cur)
            return cur.fetchall() if c.results and cur.description is not None else []
        except dialect.loaded_dbapi.Error as exc:
            lost = dialect.is_disconnect(exc, dbapi, cur)
            if lost:
                conn.invalidate(exc)
            raise DBAPIError.instance(
                c.sql,
                values,
                exc,
                dialect.loaded_dbapi.Error,
                connection_invalidated=lost,
                dialect=dialect,
            ) from exc
        finally:
            cur.close()
