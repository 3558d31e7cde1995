"""Engines, the declarative base and column types shared by every room."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from weakref import WeakKeyDictionary

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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
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
            # failing half-way with "database is locked".
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


class DriverStatement:
    """A Core statement compiled once per dialect and run straight on the driver's cursor.

    For hot paths on PostgreSQL (a certificate transfer, a receivable's use), where
    SQLAlchemy's own work per statement (cache key, execution context, result metadata, Row
    objects) costs more client CPU than the statement itself. The values go through the type
    processors SQLAlchemy would apply (UTC datetimes, JSON) both ways, and driver errors are
    wrapped as SQLAlchemy wraps them (IntegrityError, OperationalError, ...), so callers see
    the same values and exceptions.
    (A psycopg pipeline would not save the BEGIN's round trip: psycopg syncs after it.)
    """

    def __init__(self, stmt: Any) -> None:
        self._stmt = stmt
        self._by_dialect: WeakKeyDictionary[Any, tuple[str, dict[str, Any], list[Any], list[Any]]]
        self._by_dialect = WeakKeyDictionary()
        self._keys: WeakKeyDictionary[Any, list[str]] = WeakKeyDictionary()

    def _compiled(self, dialect: Any) -> tuple[str, dict[str, Any], list[Any], list[Any]]:
        got = self._by_dialect.get(dialect)
        if got is None:
            c = cast(Any, self._stmt.compile(dialect=dialect))
            fixed = {k: v for k, v in c.params.items() if v is not None}
            binds = list(c._bind_processors.items())
            results = [e.type._cached_result_processor(dialect, None) for e in c._result_columns]
            got = (c.string, fixed, binds, results)
            self._by_dialect[dialect] = got
            self._keys[dialect] = [e.keyname for e in c._result_columns]
        return got

    def keys(self, dialect: Any) -> list[str]:
        """The names of the columns the statement returns."""
        self._compiled(dialect)
        return list(self._keys[dialect])

    def rows(self, conn: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run with `params` in the connection's transaction; the rows it returns."""
        dialect = conn.dialect
        sql, fixed, binds, results = self._compiled(dialect)
        values = {**fixed, **params}
        for key, process in binds:
            v = values.get(key)
            if v is not None:
                values[key] = process(v)
        dbapi = conn.connection.dbapi_connection
        cur = dbapi.cursor()
        try:
            cur.execute(sql, values)
            got = cur.fetchall() if results else []
        except dialect.loaded_dbapi.Error as exc:
            lost = dialect.is_disconnect(exc, dbapi, cur)
            if lost:
                conn.invalidate(exc)
            raise DBAPIError.instance(
                sql,
                values,
                exc,
                dialect.loaded_dbapi.Error,
                connection_invalidated=lost,
                dialect=dialect,
            ) from exc
        finally:
            cur.close()
        if any(results):
            return [
                tuple(
                    v if f is None or v is None else f(v) for f, v in zip(results, row, strict=True)
                )
                for row in got
            ]
        return got
