"""governance: correction requests

Revision ID: 1002
Revises: 1001
Create Date: 2026-12-04 18:48:31.720789
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import scf.core.db

revision = "1002"
down_revision = "1001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gov_correction_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("current_value", sa.String(length=300), nullable=False),
        sa.Column("requested_value", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("requested_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("decided_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_correction_requests")),
    )
    with op.batch_alter_table("gov_correction_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gov_correction_requests_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_gov_correction_requests_status"), ["status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("gov_correction_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gov_correction_requests_status"))
        batch_op.drop_index(batch_op.f("ix_gov_correction_requests_org_id"))

    op.drop_table("gov_correction_requests")
