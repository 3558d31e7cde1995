"""registry: grantor names searched by trigrams on PostgreSQL

The tolerant public search ranks grantor names by trigram similarity (pg_trgm) and finds them
by substring; a GIN trigram index serves both. SQLite matches in the application instead
(rapidfuzz), so nothing changes there.

Revision ID: 0230
Revises: 0220
Create Date: 2026-12-03 14:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0230"
down_revision = "0220"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_registry_grantor_name_trgm "
        "ON registry_grantor USING gin (name_folded gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_registry_grantor_name_trgm")
