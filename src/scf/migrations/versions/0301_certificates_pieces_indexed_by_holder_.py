"""certificates: pieces indexed by holder alone

Revision ID: 0301
Revises: 0300
Create Date: 2026-11-27 21:13:37.555956

A transfer changes a piece's `status`; with `status` in the holder index every transfer
wrote three index entries more (and PostgreSQL could not update the row in place, HOT).
Every query by holder reads few rows, so the holder alone is enough.
"""

from __future__ import annotations

from alembic import op

revision = "0301"
down_revision = "0300"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_cert_pieces_holder_status", table_name="cert_pieces")
    op.create_index("ix_cert_pieces_holder", "cert_pieces", ["holder_org_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cert_pieces_holder", table_name="cert_pieces")
    op.create_index(
        "ix_cert_pieces_holder_status", "cert_pieces", ["holder_org_id", "status"], unique=False
    )
