"""scenarios: intellectual property pledged on weak property rights

Revision ID: 1110
Revises: 1100
Create Date: 2026-12-04 18:39:26.677903
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import scf.core.db

revision = "1110"
down_revision = "1100"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scn_ip_assets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("owner_org_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("registration_no", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("appraiser_org_id", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("appraised_minor", sa.BigInteger(), nullable=True),
        sa.Column("haircut", sa.Numeric(precision=6, scale=4), nullable=True),
        sa.Column("report_no", sa.String(length=64), nullable=True),
        sa.Column("valued_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("application_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_ip_assets")),
        sa.UniqueConstraint("kind", "registration_no", name="uq_scn_ip_assets_number"),
    )
    with op.batch_alter_table("scn_ip_assets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scn_ip_assets_owner_org_id"), ["owner_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scn_ip_assets_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scn_ip_assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scn_ip_assets_status"))
        batch_op.drop_index(batch_op.f("ix_scn_ip_assets_owner_org_id"))

    op.drop_table("scn_ip_assets")
