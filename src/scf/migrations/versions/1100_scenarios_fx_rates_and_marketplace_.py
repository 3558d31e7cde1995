"""scenarios: FX rates and marketplace payouts

Revision ID: 1100
Revises: 0001
Create Date: 2026-12-04 18:18:39.586478
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "1100"
down_revision = "0001"
branch_labels = ("scenarios",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scn_fx_rates",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("quote", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(precision=18, scale=8), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("observed_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("loaded_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_fx_rates")),
    )
    with op.batch_alter_table("scn_fx_rates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scn_fx_rates_pair", ["base", "quote", "observed_at"], unique=False
        )

    op.create_table(
        "scn_payouts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("seller_org_id", sa.String(length=40), nullable=False),
        sa.Column("marketplace_org_id", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "sales_history",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("confirmed_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assigned_to_org_id", sa.String(length=40), nullable=True),
        sa.Column("application_id", sa.String(length=40), nullable=True),
        sa.Column("advance_currency", sa.String(length=3), nullable=True),
        sa.Column("advance_minor", sa.BigInteger(), nullable=True),
        sa.Column("registration_number", sa.String(length=40), nullable=True),
        sa.Column("notice_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_payouts")),
        sa.UniqueConstraint("marketplace_org_id", "reference", name="uq_scn_payouts_reference"),
    )
    with op.batch_alter_table("scn_payouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scn_payouts_marketplace_org_id"), ["marketplace_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scn_payouts_seller_org_id"), ["seller_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scn_payouts_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scn_payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scn_payouts_status"))
        batch_op.drop_index(batch_op.f("ix_scn_payouts_seller_org_id"))
        batch_op.drop_index(batch_op.f("ix_scn_payouts_marketplace_org_id"))

    op.drop_table("scn_payouts")
    with op.batch_alter_table("scn_fx_rates", schema=None) as batch_op:
        batch_op.drop_index("ix_scn_fx_rates_pair")

    op.drop_table("scn_fx_rates")
