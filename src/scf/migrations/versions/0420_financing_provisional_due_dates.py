"""financing: due dates and early-payment dates asked for, and their provisional mark

Revision ID: 0420
Revises: 0410
Create Date: 2026-12-03 13:50:00

A date rolled on a year without an official holiday schedule is provisional: the requested
date is kept so that loading the official schedule can roll it again. Rows stored before keep
their rolled date as the requested one, marked provisional when it falls after 2026, the last
year shipped at this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0420"
down_revision = "0410"
branch_labels = None
depends_on = None

COLUMNS = (
    ("fin_applications", "due_on", "due_requested_on", "due_provisional"),
    ("fin_discount_programs", "pay_on", "pay_requested_on", "pay_provisional"),
)


def upgrade() -> None:
    for table, rolled, requested, flag in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(requested, sa.Date(), nullable=True))
            batch.add_column(
                sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false())
            )
        op.execute(
            f"UPDATE {table} SET {requested} = {rolled}, "  # noqa: S608 - fixed names above
            f"{flag} = ({rolled} >= '2027-01-01')"
        )
        op.create_index(f"ix_{table}_{flag}", table, [flag])


def downgrade() -> None:
    for table, _, requested, flag in COLUMNS:
        op.drop_index(f"ix_{table}_{flag}", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column(flag)
            batch.drop_column(requested)
