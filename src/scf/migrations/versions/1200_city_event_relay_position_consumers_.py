"""city: event relay position, consumers' inbox, event counters, scheduler jobs

Revision ID: 1200
Revises: 0001
Create Date: 2026-12-04 18:18:41.858671
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "1200"
down_revision = "0001"
branch_labels = ("city",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_inbox",
        sa.Column("consumer", sa.String(length=40), nullable=False),
        sa.Column("audit_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("handled_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "audit_id", name=op.f("pk_event_inbox")),
    )
    with op.batch_alter_table("event_inbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_inbox_handled_at"), ["handled_at"], unique=False)

    op.create_table(
        "event_relay",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("published", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_event_relay")),
    )
    op.create_table(
        "ops_scheduler_jobs",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("last_run_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_holder", sa.String(length=120), nullable=False),
        sa.Column(
            "last_result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("runs", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ops_scheduler_jobs")),
    )
    op.create_table(
        "sup_event_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "action", name=op.f("pk_sup_event_counts")),
    )


def downgrade() -> None:
    op.drop_table("sup_event_counts")
    op.drop_table("ops_scheduler_jobs")
    op.drop_table("event_relay")
    with op.batch_alter_table("event_inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_inbox_handled_at"))

    op.drop_table("event_inbox")
