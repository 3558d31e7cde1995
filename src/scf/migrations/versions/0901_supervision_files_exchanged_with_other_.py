"""supervision: files exchanged with other departments and the alerts they raised

Revision ID: 0901
Revises: 0900
Create Date: 2026-12-04 18:35:08.483816
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "0901"
down_revision = "0900"
branch_labels = None
depends_on = "0610"  # the supervision room's head: these are its tables


def upgrade() -> None:
    op.create_table(
        "sup_exchange_alerts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("raised_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_exchange_alerts")),
    )
    with op.batch_alter_table("sup_exchange_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sup_exchange_alerts_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sup_exchange_alerts_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sup_exchange_alerts_raised_at"), ["raised_at"], unique=False
        )

    op.create_table(
        "sup_exchange_batches",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=6), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("by_user", sa.String(length=40), nullable=True),
        sa.Column("at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sup_exchange_batches")),
    )
    with op.batch_alter_table("sup_exchange_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sup_exchange_batches_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sup_exchange_batches_sha256"), ["sha256"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sup_exchange_batches_source"), ["source"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sup_exchange_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sup_exchange_batches_source"))
        batch_op.drop_index(batch_op.f("ix_sup_exchange_batches_sha256"))
        batch_op.drop_index(batch_op.f("ix_sup_exchange_batches_at"))

    op.drop_table("sup_exchange_batches")
    with op.batch_alter_table("sup_exchange_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sup_exchange_alerts_raised_at"))
        batch_op.drop_index(batch_op.f("ix_sup_exchange_alerts_org_id"))
        batch_op.drop_index(batch_op.f("ix_sup_exchange_alerts_batch_id"))

    op.drop_table("sup_exchange_alerts")
