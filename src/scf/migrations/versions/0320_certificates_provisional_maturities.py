"""certificates: the maturity asked for and its provisional mark

Revision ID: 0320
Revises: 0310
Create Date: 2026-12-03 13:40:00

A maturity rolled on a year without an official holiday schedule is provisional: the
requested date is kept so that loading the official schedule can roll it again. Rows stored
before keep their rolled date as the requested one (it was a working day when rolled), and
are marked provisional when they fall after 2026, the last year shipped at this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0320"
down_revision = "0310"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("maturity_requested_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column(
                "maturity_provisional", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.execute(
        "UPDATE certificates SET maturity_requested_on = maturity_on, "
        "maturity_provisional = (maturity_on >= '2027-01-01')"
    )
    op.create_index(
        "ix_certificates_maturity_provisional", "certificates", ["maturity_provisional"]
    )


def downgrade() -> None:
    op.drop_index("ix_certificates_maturity_provisional", table_name="certificates")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("maturity_provisional")
        batch.drop_column("maturity_requested_on")
