"""city: the audit log partitioned by month (PostgreSQL)

Revision ID: 1201
Revises: 1200
Create Date: 2026-12-04 18:40:00

Converts an existing database in place: the table is renamed, a partitioned table of the
same columns, defaults, indexes and append-only trigger takes its name, with a partition for
every month from its oldest row to three months ahead and a default one, the rows are copied
and the old table dropped (scf.ops.partitions.convert). SQLite is left as it is. The registry's
log entries stay one table, whose sequence number the database keeps unique.
"""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import op

from scf.ops.partitions import TABLES, convert, revert

revision = "1201"
down_revision = "1200"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    for t in TABLES:
        convert(conn, t, datetime.now(UTC).date())


def downgrade() -> None:
    conn = op.get_bind()
    for t in TABLES:
        revert(conn, t)
