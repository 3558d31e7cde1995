"""registry: idempotency keys of filings

Revision ID: 0210
Revises: 0201
Create Date: 2026-12-03 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "0210"
down_revision = "0201"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_idempotency",
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("command", sa.String(length=80), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "key", name=op.f("pk_registry_idempotency")),
    )


def downgrade() -> None:
    op.drop_table("registry_idempotency")
