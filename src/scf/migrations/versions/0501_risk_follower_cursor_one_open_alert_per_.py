"""risk: follower cursor, one open alert per signal

Revision ID: 0501
Revises: 0500
Create Date: 2026-11-27 21:39:24.219325
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "0501"
down_revision = "0500"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_follower",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "gaps",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_risk_follower")),
    )
    # Before the index: an open alert raised twice for the same signal (two evaluations that
    # raced) keeps the first; the later ones are closed as duplicates of it.
    op.execute(
        "UPDATE risk_alerts SET status = 'resolved', resolved_at = raised_at, "
        "resolution = 'duplicate of an earlier open alert of the same signal', "
        "version = version + 1 "
        "WHERE status = 'open' AND org_id IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM risk_alerts o WHERE o.org_id = risk_alerts.org_id "
        "AND o.kind = risk_alerts.kind AND o.status = 'open' AND (o.raised_at < risk_alerts.raised_at "
        "OR (o.raised_at = risk_alerts.raised_at AND o.id < risk_alerts.id)))"
    )
    with op.batch_alter_table("risk_alerts", schema=None) as batch_op:
        batch_op.create_index(
            "uq_risk_alerts_open_signal",
            ["org_id", "kind"],
            unique=True,
            sqlite_where=sa.text("status = 'open' AND org_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'open' AND org_id IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("risk_alerts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_risk_alerts_open_signal",
            sqlite_where=sa.text("status = 'open' AND org_id IS NOT NULL"),
            postgresql_where=sa.text("status = 'open' AND org_id IS NOT NULL"),
        )

    op.drop_table("risk_follower")
