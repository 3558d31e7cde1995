"""governance: retention periods and legal holds

Revision ID: 1000
Revises: 0001
Create Date: 2026-12-04 18:20:05.224765
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import scf.core.db

revision = "1000"
down_revision = "0001"
branch_labels = ("governance",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gov_legal_holds",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("authority", sa.String(length=120), nullable=False),
        sa.Column("placed_by", sa.String(length=40), nullable=False),
        sa.Column("placed_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_legal_holds")),
    )
    with op.batch_alter_table("gov_legal_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gov_legal_holds_org_id"), ["org_id"], unique=False)

    op.create_table(
        "gov_retention_periods",
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=40), nullable=False),
        sa.Column("set_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_gov_retention_periods")),
    )


def downgrade() -> None:
    op.drop_table("gov_retention_periods")
    with op.batch_alter_table("gov_legal_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gov_legal_holds_org_id"))

    op.drop_table("gov_legal_holds")
