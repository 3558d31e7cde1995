"""registry: log frontier in the locked state row

Revision ID: 0201
Revises: 0200
Create Date: 2026-11-27 18:57:16.669000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0201"
down_revision = "0200"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registry_log_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frontier", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registry_log_state", schema=None) as batch_op:
        batch_op.drop_column("frontier")
