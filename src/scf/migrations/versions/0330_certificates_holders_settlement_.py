"""certificates: holders' settlement accounts with CNAPS codes

Revision ID: 0330
Revises: 0320
Create Date: 2026-12-03 13:48:48.833096
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import scf.core.db

revision = "0330"
down_revision = "0320"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cert_settlement_accounts",
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("account_number", sa.String(length=34), nullable=False),
        sa.Column("account_name", sa.String(length=140), nullable=False),
        sa.Column("bank_name", sa.String(length=140), nullable=False),
        sa.Column("cnaps_code", sa.String(length=12), nullable=False),
        sa.Column("updated_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "currency", name=op.f("pk_cert_settlement_accounts")),
    )


def downgrade() -> None:
    op.drop_table("cert_settlement_accounts")
