"""financing: bills

Revision ID: 0401
Revises: 0400
Create Date: 2026-11-27 19:21:12.998302
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import scf.core.db

revision = "0401"
down_revision = "0400"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fin_bills",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("package_no", sa.String(length=40), nullable=False),
        sa.Column("sub_from", sa.BigInteger(), nullable=False),
        sa.Column("sub_to", sa.BigInteger(), nullable=False),
        sa.Column("drawer_org_id", sa.String(length=40), nullable=False),
        sa.Column("acceptor_org_id", sa.String(length=40), nullable=False),
        sa.Column("holder_org_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("face_minor", sa.BigInteger(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("endorsements", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_bills")),
    )
    with op.batch_alter_table("fin_bills", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_bills_acceptor_org_id"), ["acceptor_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_bills_holder_org_id"), ["holder_org_id"], unique=False
        )
        batch_op.create_index("ix_fin_bills_package", ["package_no", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fin_bills", schema=None) as batch_op:
        batch_op.drop_index("ix_fin_bills_package")
        batch_op.drop_index(batch_op.f("ix_fin_bills_holder_org_id"))
        batch_op.drop_index(batch_op.f("ix_fin_bills_acceptor_org_id"))

    op.drop_table("fin_bills")
