"""financing: ISO 20022 tsin requests and messages

Revision ID: 0430
Revises: 0420
Create Date: 2026-12-03 13:53:14.271699
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "0430"
down_revision = "0420"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fin_tsin_messages",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_tsin_messages")),
    )
    with op.batch_alter_table("fin_tsin_messages", schema=None) as batch_op:
        batch_op.create_index("ix_fin_tsin_messages_request", ["request_id", "seq"], unique=False)

    op.create_table(
        "fin_tsin_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("group_id", sa.String(length=35), nullable=False),
        sa.Column("requester_org_id", sa.String(length=40), nullable=False),
        sa.Column("funder_org_id", sa.String(length=40), nullable=False),
        sa.Column("relayed_by_org_id", sa.String(length=40), nullable=True),
        sa.Column("created_at_sender", sa.String(length=40), nullable=False),
        sa.Column(
            "application_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_tsin_requests")),
        sa.UniqueConstraint(
            "requester_org_id", "group_id", name=op.f("uq_fin_tsin_requests_requester_org_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("fin_tsin_requests")
    with op.batch_alter_table("fin_tsin_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_fin_tsin_messages_request")

    op.drop_table("fin_tsin_messages")
