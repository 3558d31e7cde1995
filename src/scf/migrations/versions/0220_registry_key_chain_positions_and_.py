"""registry: key chain positions and witness cosignatures

Revision ID: 0220
Revises: 0210
Create Date: 2026-12-03 13:24:07.329473
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from scf.migrations.append_only import protect, unprotect

revision = "0220"
down_revision = "0210"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_cosignature",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("witness_key_id", sa.String(length=16), nullable=False),
        sa.Column("witness_public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("witnessed_ms", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_cosignature")),
        sa.UniqueConstraint(
            "witness_key_id", "tree_size", name=op.f("uq_registry_cosignature_witness_key_id")
        ),
    )
    op.create_index(
        op.f("ix_registry_cosignature_tree_size"), "registry_cosignature", ["tree_size"]
    )
    # plain ADD COLUMN and CREATE INDEX: a batch copy on SQLite would drop the table's
    # append-only triggers
    op.add_column("registry_signing_key", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.create_index(
        op.f("ix_registry_signing_key_seq"), "registry_signing_key", ["seq"], unique=True
    )
    protect(["registry_cosignature"])


def downgrade() -> None:
    unprotect(["registry_cosignature"])
    op.drop_index(op.f("ix_registry_signing_key_seq"), table_name="registry_signing_key")
    with op.batch_alter_table("registry_signing_key", schema=None) as batch_op:
        batch_op.drop_column("seq")
    if op.get_bind().dialect.name == "sqlite":  # the batch copy dropped its triggers
        protect(["registry_signing_key"])
    op.drop_index(op.f("ix_registry_cosignature_tree_size"), table_name="registry_cosignature")
    op.drop_table("registry_cosignature")
