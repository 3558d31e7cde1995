"""Monthly partitions on PostgreSQL: the audit log.

The table that grows with every command is partitioned by month of its time column
(`PARTITION BY RANGE`, one partition `<table>_yYYYYmMM` a month, UTC month bounds), so a month
of the past can be detached and archived whole while the present stays small to index. The
primary key takes the time column in (PostgreSQL requires it of a partitioned table's unique
keys); the ids stay unique all the same, drawn from a sequence, and the append-only trigger
refuses any change to a row. Queries and proofs read the table as before: the mapping is
unchanged, and PostgreSQL routes each row and prunes partitions by time.

A default partition catches rows past the months created, so an insert never fails; the
scheduler's `partitions` job creates the coming months ahead (three by default), so the
default stays empty, and a partition is created only for a month the default holds no row of.
SQLite (the embedded mode) has no partitions: the functions here do nothing there.

The statements name tables and columns from `TABLES` and the catalog only, never from input
(a table asked for is looked up in `TABLES` first), hence the SQL built from strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from sqlalchemy import Connection, text

from scf.core.errors import InvalidInput

AHEAD = 3


@dataclass(frozen=True)
class Partitioned:
    """A table partitioned by month: its name, key columns and time column."""

    table: str
    key: tuple[str, ...]
    column: str


# The registry's log entries stay one table: a partitioned table enforces a unique key only
# with the month in it, and the database must go on refusing a second leaf of the same
# sequence number (tests/e2e/test_registry_integrity.py tampers with every column).
TABLES: tuple[Partitioned, ...] = (Partitioned("audit_log", ("id",), "at"),)
_BY_NAME = {t.table: t for t in TABLES}


def month_start(d: date) -> date:
    return d.replace(day=1)


def next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_y{month.year:04d}m{month.month:02d}"


def is_partitioned(conn: Connection, table: str) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    found = conn.execute(
        text(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = :t AND c.relnamespace = current_schema()::regnamespace"
        ),
        {"t": table},
    ).first()
    return found is not None


def partitions_of(conn: Connection, table: str) -> list[str]:
    """The table's attached partitions by name (the default one included), sorted."""
    if not is_partitioned(conn, table):
        return []
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :t ORDER BY 1"
        ),
        {"t": table},
    )
    return [r[0] for r in rows]


def create_month(conn: Connection, table: str, month: date) -> bool:
    """Create the month's partition unless it exists; whether it was created."""
    month = month_start(month)
    name = partition_name(table, month)
    if name in partitions_of(conn, table):
        return False
    start, end = f"{month.isoformat()} 00:00:00+00", f"{next_month(month).isoformat()} 00:00:00+00"
    column = _BY_NAME[table].column
    stray = conn.execute(
        text(f'SELECT 1 FROM "{table}_default" WHERE "{column}" >= :a AND "{column}" < :b LIMIT 1'),  # noqa: S608
        {"a": start, "b": end},
    ).first()
    if stray is not None:  # the month's rows stay in the default partition, still read
        return False
    conn.execute(
        text(
            f'CREATE TABLE "{name}" PARTITION OF "{table}" '
            f"FOR VALUES FROM ('{start}') TO ('{end}')"
        )
    )
    return True


def ensure_months(conn: Connection, today: date, ahead: int = AHEAD) -> list[str]:
    """Create this month's partition and the next `ahead` months' of every partitioned table;
    the names of those created."""
    made: list[str] = []
    for t in TABLES:
        if not is_partitioned(conn, t.table):
            continue
        month = month_start(today)
        for _ in range(ahead + 1):
            if create_month(conn, t.table, month):
                made.append(partition_name(t.table, month))
            month = next_month(month)
    return made


def detach_month(conn: Connection, table: str, month: date) -> str:
    """Detach a month's partition: it stays as a table of its own, to archive and drop."""
    if table not in _BY_NAME:
        raise InvalidInput(
            f"{table} is not partitioned by month: one of {', '.join(_BY_NAME)}",
            field="table",
            code="not_partitioned",
        )
    name = partition_name(table, month_start(month))
    if name not in partitions_of(conn, table):
        raise InvalidInput(
            f"{table} has no partition for {month:%Y-%m}", field="month", code="no_partition"
        )
    conn.execute(text(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"'))
    return name


def convert(conn: Connection, t: Partitioned, today: date, ahead: int = AHEAD) -> None:
    """Turn a plain table into one partitioned by month, rows, indexes and triggers kept."""
    if conn.dialect.name != "postgresql" or is_partitioned(conn, t.table):
        return
    old = f"{t.table}_unpartitioned"
    indexes = [
        (name, sql)
        for name, sql in conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t "
                "AND schemaname = current_schema() AND indexname <> :pk"
            ),
            {"t": t.table, "pk": f"pk_{t.table}"},
        )
    ]
    conn.execute(text(f'DROP TRIGGER IF EXISTS "{t.table}_append_only" ON "{t.table}"'))
    for name, _ in indexes:
        conn.execute(text(f'ALTER INDEX "{name}" RENAME TO "{name}_old"'))
    conn.execute(text(f'ALTER TABLE "{t.table}" RENAME CONSTRAINT "pk_{t.table}" TO "pk_{old}"'))
    conn.execute(text(f'ALTER TABLE "{t.table}" RENAME TO "{old}"'))
    conn.execute(
        text(
            f'CREATE TABLE "{t.table}" (LIKE "{old}" INCLUDING DEFAULTS) '
            f'PARTITION BY RANGE ("{t.column}")'
        )
    )
    keys = ", ".join(f'"{c}"' for c in (*t.key, t.column))
    conn.execute(
        text(f'ALTER TABLE "{t.table}" ADD CONSTRAINT "pk_{t.table}" PRIMARY KEY ({keys})')
    )
    for _, sql in indexes:
        conn.execute(text(sql))
    conn.execute(text(f'CREATE TABLE "{t.table}_default" PARTITION OF "{t.table}" DEFAULT'))
    first = conn.execute(text(f'SELECT min("{t.column}") FROM "{old}"')).scalar()  # noqa: S608
    month = month_start(first.astimezone(UTC).date()) if first is not None else month_start(today)
    while month <= month_start(today):
        create_month(conn, t.table, month)
        month = next_month(month)
    for _ in range(ahead):
        create_month(conn, t.table, month)
        month = next_month(month)
    conn.execute(text(f'INSERT INTO "{t.table}" SELECT * FROM "{old}"'))  # noqa: S608
    _move_sequences(conn, old, t.table)
    conn.execute(text(f'DROP TABLE "{old}"'))
    _protect(conn, t.table)


def revert(conn: Connection, t: Partitioned) -> None:
    """Turn a partitioned table back into a plain one (the migration's downgrade)."""
    if conn.dialect.name != "postgresql" or not is_partitioned(conn, t.table):
        return
    old = f"{t.table}_partitioned"
    indexes = [
        (name, sql)
        for name, sql in conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t "
                "AND schemaname = current_schema() AND indexname <> :pk"
            ),
            {"t": t.table, "pk": f"pk_{t.table}"},
        )
    ]
    conn.execute(text(f'DROP TRIGGER IF EXISTS "{t.table}_append_only" ON "{t.table}"'))
    for name, _ in indexes:
        conn.execute(text(f'ALTER INDEX "{name}" RENAME TO "{name}_old"'))
    conn.execute(text(f'ALTER TABLE "{t.table}" RENAME CONSTRAINT "pk_{t.table}" TO "pk_{old}"'))
    conn.execute(text(f'ALTER TABLE "{t.table}" RENAME TO "{old}"'))
    conn.execute(text(f'CREATE TABLE "{t.table}" (LIKE "{old}" INCLUDING DEFAULTS)'))
    keys = ", ".join(f'"{c}"' for c in t.key)
    conn.execute(
        text(f'ALTER TABLE "{t.table}" ADD CONSTRAINT "pk_{t.table}" PRIMARY KEY ({keys})')
    )
    for _, sql in indexes:
        conn.execute(text(sql.replace(" ONLY ", " ")))
    conn.execute(text(f'INSERT INTO "{t.table}" SELECT * FROM "{old}"'))  # noqa: S608
    _move_sequences(conn, old, t.table)
    conn.execute(text(f'DROP TABLE "{old}" CASCADE'))
    _protect(conn, t.table)


def _move_sequences(conn: Connection, old: str, new: str) -> None:
    """Give the new table the sequences the old one owned (dropping it would drop them)."""
    rows = conn.execute(
        text(
            "SELECT s.relname, a.attname FROM pg_depend d "
            "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
            "JOIN pg_class t ON t.oid = d.refobjid "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
            "WHERE t.relname = :t AND d.deptype = 'a'"
        ),
        {"t": old},
    ).all()
    for seq, column in rows:
        conn.execute(text(f'ALTER SEQUENCE "{seq}" OWNED BY "{new}"."{column}"'))


def _protect(conn: Connection, table: str) -> None:
    conn.execute(
        text(
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION scf_append_only()"
        )
    )
