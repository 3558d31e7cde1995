"""registry: registrations, goods and the transparency log

Revision ID: 0200
Revises: 0001
Create Date: 2026-11-27 18:26:06.644617
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import scf.core.db
from scf.migrations.append_only import protect, unprotect

revision = "0200"
down_revision = "0001"
branch_labels = ("registry",)
depends_on = None

# The log's leaves, subtree hashes, signed heads and keys are append-only: nobody, not even
# the application, may update or delete them (the verifier would notice, this stops it first).
APPEND_ONLY = ("registry_entry", "registry_log_node", "registry_tree_head", "registry_signing_key")


def upgrade() -> None:
    op.create_table(
        "registry_agency",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("principal_org_id", sa.String(length=40), nullable=False),
        sa.Column("agent_org_id", sa.String(length=40), nullable=False),
        sa.Column("granted_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_agency")),
    )
    with op.batch_alter_table("registry_agency", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_agency_agent_org_id"), ["agent_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_registry_agency_principal_org_id"), ["principal_org_id"], unique=False
        )

    op.create_table(
        "registry_entry",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("op", sa.String(length=30), nullable=False),
        sa.Column("registration_id", sa.String(length=40), nullable=True),
        sa.Column("at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_registry_entry")),
    )
    with op.batch_alter_table("registry_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_entry_registration_id"), ["registration_id"], unique=False
        )

    op.create_table(
        "registry_goods",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("warehouse_org_id", sa.String(length=40), nullable=False),
        sa.Column("warehouse_uscc", sa.String(length=18), nullable=False),
        sa.Column("holder_org_id", sa.String(length=40), nullable=False),
        sa.Column("commodity", sa.String(length=120), nullable=False),
        sa.Column("grade", sa.String(length=120), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        sa.Column("lot_key", sa.String(length=260), nullable=False),
        sa.Column("lot", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("confirmed_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_goods")),
    )
    with op.batch_alter_table("registry_goods", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_goods_holder_org_id"), ["holder_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registry_goods_lot_key"), ["lot_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registry_goods_warehouse_org_id"), ["warehouse_org_id"], unique=False
        )

    op.create_table(
        "registry_log_node",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_registry_log_node")),
    )
    op.create_table(
        "registry_log_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("last_sth_size", sa.BigInteger(), nullable=False),
        sa.Column("last_sth_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_log_state")),
    )
    op.create_table(
        "registry_registration",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("secured_party_org_id", sa.String(length=40), nullable=False),
        sa.Column("secured_party_uscc", sa.String(length=18), nullable=False),
        sa.Column("secured_party_name", sa.String(length=200), nullable=False),
        sa.Column("filer_user_id", sa.String(length=40), nullable=True),
        sa.Column("filer_org_id", sa.String(length=40), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("registered_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_registration")),
        sa.UniqueConstraint("number", name=op.f("uq_registry_registration_number")),
        sa.UniqueConstraint("seq", name=op.f("uq_registry_registration_seq")),
    )
    with op.batch_alter_table("registry_registration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_registration_secured_party_org_id"),
            ["secured_party_org_id"],
            unique=False,
        )

    op.create_table(
        "registry_signing_key",
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column("first_used_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_registry_signing_key")),
    )
    op.create_table(
        "registry_tree_head",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_registry_tree_head")),
    )
    op.create_table(
        "registry_collateral",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=220), nullable=False),
        sa.Column("lo", sa.BigInteger(), nullable=False),
        sa.Column("hi", sa.BigInteger(), nullable=False),
        sa.Column("identifier", sa.String(length=260), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("goods_id", sa.String(length=40), nullable=True),
        sa.Column("quantity_units", sa.BigInteger(), nullable=True),
        sa.Column("added_seq", sa.BigInteger(), nullable=False),
        sa.Column("removed_seq", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registry_registration.id"],
            name=op.f("fk_registry_collateral_registration_id_registry_registration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_collateral")),
    )
    with op.batch_alter_table("registry_collateral", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_collateral_goods_id"), ["goods_id"], unique=False
        )
        batch_op.create_index("ix_registry_collateral_lookup", ["kind", "key", "lo"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registry_collateral_registration_id"), ["registration_id"], unique=False
        )

    op.create_table(
        "registry_goods_receipt",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("goods_id", sa.String(length=40), nullable=False),
        sa.Column("receipt_key", sa.String(length=220), nullable=False),
        sa.ForeignKeyConstraint(
            ["goods_id"],
            ["registry_goods.id"],
            name=op.f("fk_registry_goods_receipt_goods_id_registry_goods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_goods_receipt")),
        sa.UniqueConstraint("receipt_key", name=op.f("uq_registry_goods_receipt_receipt_key")),
    )
    with op.batch_alter_table("registry_goods_receipt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_goods_receipt_goods_id"), ["goods_id"], unique=False
        )

    op.create_table(
        "registry_grantor",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_folded", sa.String(length=200), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registry_registration.id"],
            name=op.f("fk_registry_grantor_registration_id_registry_registration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_grantor")),
    )
    with op.batch_alter_table("registry_grantor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_grantor_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registry_grantor_name_folded"), ["name_folded"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registry_grantor_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registry_grantor_registration_id"), ["registration_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registry_grantor_uscc"), ["uscc"], unique=False)

    op.create_table(
        "registry_objection",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("objector_org_id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("filed_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lapses_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("litigated_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("case_reference", sa.String(length=120), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registry_registration.id"],
            name=op.f("fk_registry_objection_registration_id_registry_registration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_objection")),
    )
    with op.batch_alter_table("registry_objection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_objection_registration_id"), ["registration_id"], unique=False
        )

    protect(APPEND_ONLY)


def downgrade() -> None:
    unprotect(APPEND_ONLY)
    with op.batch_alter_table("registry_objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_objection_registration_id"))

    op.drop_table("registry_objection")
    with op.batch_alter_table("registry_grantor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_grantor_uscc"))
        batch_op.drop_index(batch_op.f("ix_registry_grantor_registration_id"))
        batch_op.drop_index(batch_op.f("ix_registry_grantor_org_id"))
        batch_op.drop_index(batch_op.f("ix_registry_grantor_name_folded"))
        batch_op.drop_index(batch_op.f("ix_registry_grantor_name"))

    op.drop_table("registry_grantor")
    with op.batch_alter_table("registry_goods_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_goods_receipt_goods_id"))

    op.drop_table("registry_goods_receipt")
    with op.batch_alter_table("registry_collateral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_collateral_registration_id"))
        batch_op.drop_index("ix_registry_collateral_lookup")
        batch_op.drop_index(batch_op.f("ix_registry_collateral_goods_id"))

    op.drop_table("registry_collateral")
    op.drop_table("registry_tree_head")
    op.drop_table("registry_signing_key")
    with op.batch_alter_table("registry_registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_registration_secured_party_org_id"))

    op.drop_table("registry_registration")
    op.drop_table("registry_log_state")
    op.drop_table("registry_log_node")
    with op.batch_alter_table("registry_goods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_goods_warehouse_org_id"))
        batch_op.drop_index(batch_op.f("ix_registry_goods_lot_key"))
        batch_op.drop_index(batch_op.f("ix_registry_goods_holder_org_id"))

    op.drop_table("registry_goods")
    with op.batch_alter_table("registry_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_entry_registration_id"))

    op.drop_table("registry_entry")
    with op.batch_alter_table("registry_agency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_agency_principal_org_id"))
        batch_op.drop_index(batch_op.f("ix_registry_agency_agent_org_id"))

    op.drop_table("registry_agency")
