"""trade: the fingerprint's state in its primary key index (PostgreSQL)

Revision ID: 0102
Revises: 0101
Create Date: 2026-11-27 21:35:00.000000

A duplicate check reads the state of a fingerprint by its primary key. With the state as an
INCLUDE column of that index, PostgreSQL answers from the index alone (an index-only scan)
instead of also reading a random page of the table for every known fingerprint. SQLite has
no INCLUDE; nothing changes there.
"""

from __future__ import annotations

from alembic import op

revision = "0102"
down_revision = "0101"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE trade_fingerprint DROP CONSTRAINT pk_trade_fingerprint, "
            "ADD CONSTRAINT pk_trade_fingerprint PRIMARY KEY (fingerprint) INCLUDE (state)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE trade_fingerprint DROP CONSTRAINT pk_trade_fingerprint, "
            "ADD CONSTRAINT pk_trade_fingerprint PRIMARY KEY (fingerprint)"
        )
