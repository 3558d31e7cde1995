"""governance data quality results

Revision ID: 1003
Revises: 1002
Create Date: 2026-12-04 22:29:08.320014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "1003"
down_revision = "1002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gov_quality_results",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("run_no", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("failing", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("threshold", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column(
            "examples",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("run_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_quality_results")),
    )
    with op.batch_alter_table("gov_quality_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gov_quality_results_check"), ["check"], unique=False)
        batch_op.create_index(batch_op.f("ix_gov_quality_results_run_no"), ["run_no"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gov_quality_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gov_quality_results_run_no"))
        batch_op.drop_index(batch_op.f("ix_gov_quality_results_check"))

    op.drop_table("gov_quality_results")
