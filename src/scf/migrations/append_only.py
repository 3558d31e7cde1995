"""Database triggers that refuse UPDATE and DELETE on append-only tables.

Shared by the migrations of every room that keeps such a table (the audit trail, the
registry's transparency log), so the trigger names stay the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op

_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION scf_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql"
)


def protect(tables: Iterable[str]) -> None:
    """Create the refusing triggers on each table."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_FUNCTION)
    for table in tables:
        if dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION scf_append_only()"
            )


def unprotect(tables: Iterable[str]) -> None:
    """Drop the triggers (for downgrades)."""
    dialect = op.get_bind().dialect.name
    for table in tables:
        if dialect == "sqlite":
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
