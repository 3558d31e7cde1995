"""governance: persons' ID numbers sealed at rest (AES-GCM)

Revision ID: 1001
Revises: 1000
Create Date: 2026-12-04 18:20:05.224765
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1001"
down_revision = "1000"
branch_labels = None
# The column belongs to the parties room's table: after the parties branch's head.
depends_on = "0710"


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_number_sealed", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_column("id_number_sealed")
