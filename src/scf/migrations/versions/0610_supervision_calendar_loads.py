"""supervision: official calendars loaded and the dates they moved

Revision ID: 0610
Revises: 0600
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "0610"
down_revision = "0600"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sup_calendar_loads",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("replaced", sa.String(length=20), nullable=False),
        sa.Column(
            "changed_days", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "dates", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("loaded_by", sa.String(length=120), nullable=False),
        sa.Column("loaded_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sup_calendar_loads_year", "sup_calendar_loads", ["year"])
    op.create_index("ix_sup_calendar_loads_loaded_at", "sup_calendar_loads", ["loaded_at"])


def downgrade() -> None:
    op.drop_index("ix_sup_calendar_loads_loaded_at", table_name="sup_calendar_loads")
    op.drop_index("ix_sup_calendar_loads_year", table_name="sup_calendar_loads")
    op.drop_table("sup_calendar_loads")
