"""supervision: alert cases

Revision ID: 0600
Revises: 0001
Create Date: 2026-11-27 18:57:34.391951
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "0600"
down_revision = "0001"
branch_labels = ("supervision",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sup_alert_cases",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("alert_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("assignee", sa.String(length=120), nullable=True),
        sa.Column(
            "notes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("opened_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assigned_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=1000), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_alert_cases")),
        sa.UniqueConstraint("source", "alert_id", name=op.f("uq_sup_alert_cases_source")),
    )
    with op.batch_alter_table("sup_alert_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sup_alert_cases_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sup_alert_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sup_alert_cases_status"))

    op.drop_table("sup_alert_cases")
