"""financing: asset reservations held by accepted offers

Revision ID: 0410
Revises: 0401
Create Date: 2026-12-03 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import scf.core.db

revision = "0410"
down_revision = "0401"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fin_asset_reservations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("asset_key", sa.String(length=300), nullable=False),
        sa.Column("held_key", sa.String(length=300), nullable=True),
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("offer_id", sa.String(length=40), nullable=False),
        sa.Column("funder_org_id", sa.String(length=40), nullable=False),
        sa.Column("applicant_org_id", sa.String(length=40), nullable=False),
        sa.Column("reserved_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("until", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("released_because", sa.String(length=12), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_asset_reservations")),
        sa.UniqueConstraint("held_key", name=op.f("uq_fin_asset_reservations_held_key")),
    )
    with op.batch_alter_table("fin_asset_reservations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_asset_reservations_application_id"),
            ["application_id"],
            unique=False,
        )
        batch_op.create_index("ix_fin_asset_reservations_asset", ["asset_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fin_asset_reservations", schema=None) as batch_op:
        batch_op.drop_index("ix_fin_asset_reservations_asset")
        batch_op.drop_index(batch_op.f("ix_fin_asset_reservations_application_id"))
    op.drop_table("fin_asset_reservations")
