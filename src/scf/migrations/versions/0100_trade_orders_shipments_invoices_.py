"""trade: orders, shipments, invoices, payments, receivables, fingerprints

Revision ID: 0100
Revises: 0001
Create Date: 2026-11-27 18:27:02.700693
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "0100"
down_revision = "0001"
branch_labels = ("trade",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trade_fingerprint",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("first_seen_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_trade_fingerprint")),
    )
    op.create_table(
        "trade_fingerprint_mark",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_fingerprint_mark")),
        sa.UniqueConstraint(
            "fingerprint", "org_id", "state", name=op.f("uq_trade_fingerprint_mark_fingerprint")
        ),
    )
    with op.batch_alter_table("trade_fingerprint_mark", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_fingerprint_mark_fingerprint"), ["fingerprint"], unique=False
        )

    op.create_table(
        "trade_invoice",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("number_norm", sa.String(length=80), nullable=False),
        sa.Column("invoice_code", sa.String(length=12), nullable=True),
        sa.Column("seller_org_id", sa.String(length=40), nullable=False),
        sa.Column("buyer_org_id", sa.String(length=40), nullable=False),
        sa.Column("seller_uscc", sa.String(length=40), nullable=False),
        sa.Column("buyer_uscc", sa.String(length=40), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("net_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("payable_minor", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("order_number", sa.String(length=80), nullable=True),
        sa.Column("credited_invoice_id", sa.String(length=40), nullable=True),
        sa.Column("payee_name", sa.String(length=200), nullable=True),
        sa.Column("payee_id", sa.String(length=80), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("filed_by_org_id", sa.String(length=40), nullable=True),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_invoice")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_trade_invoice_fingerprint")),
    )
    with op.batch_alter_table("trade_invoice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_invoice_buyer_org_id"), ["buyer_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trade_invoice_credited_invoice_id"),
            ["credited_invoice_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_trade_invoice_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            "ix_trade_invoice_pair_date",
            ["seller_org_id", "buyer_org_id", "issue_date"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_trade_invoice_seller_org_id"), ["seller_org_id"], unique=False
        )

    op.create_table(
        "trade_order",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("seller_org_id", sa.String(length=40), nullable=False),
        sa.Column("buyer_org_id", sa.String(length=40), nullable=False),
        sa.Column("contract_id", sa.String(length=40), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("filed_by_org_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_order")),
        sa.UniqueConstraint(
            "seller_org_id",
            "buyer_org_id",
            "kind",
            "number",
            name=op.f("uq_trade_order_seller_org_id"),
        ),
    )
    with op.batch_alter_table("trade_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_order_buyer_org_id"), ["buyer_org_id"], unique=False
        )
        batch_op.create_index("ix_trade_order_number", ["number"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_trade_order_seller_org_id"), ["seller_org_id"], unique=False
        )

    op.create_table(
        "trade_payment",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("payer_org_id", sa.String(length=40), nullable=True),
        sa.Column("payee_org_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=False),
        sa.Column("remittance", sa.String(length=1000), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_payment")),
        sa.UniqueConstraint(
            "payee_org_id", "reference", name=op.f("uq_trade_payment_payee_org_id")
        ),
    )
    with op.batch_alter_table("trade_payment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_payment_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trade_payment_payee_org_id"), ["payee_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trade_payment_payer_org_id"), ["payer_org_id"], unique=False
        )

    op.create_table(
        "trade_invoice_line",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("invoice_id", sa.String(length=40), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=24, scale=6), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=24, scale=6), nullable=False),
        sa.Column("net_amount", sa.Numeric(precision=24, scale=6), nullable=False),
        sa.Column("order_line_no", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["trade_invoice.id"],
            name=op.f("fk_trade_invoice_line_invoice_id_trade_invoice"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_invoice_line")),
    )
    with op.batch_alter_table("trade_invoice_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_invoice_line_invoice_id"), ["invoice_id"], unique=False
        )

    op.create_table(
        "trade_order_line",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=24, scale=6), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=24, scale=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["trade_order.id"], name=op.f("fk_trade_order_line_order_id_trade_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_order_line")),
        sa.UniqueConstraint("order_id", "line_no", name=op.f("uq_trade_order_line_order_id")),
    )
    with op.batch_alter_table("trade_order_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_order_line_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "trade_receivable",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=False),
        sa.Column("seller_org_id", sa.String(length=40), nullable=False),
        sa.Column("debtor_org_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("face_minor", sa.BigInteger(), nullable=False),
        sa.Column("credited_minor", sa.BigInteger(), nullable=False),
        sa.Column("confirmed_minor", sa.BigInteger(), nullable=False),
        sa.Column("used_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("financed", sa.Boolean(), nullable=False),
        sa.Column("confirmed_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["trade_invoice.id"],
            name=op.f("fk_trade_receivable_invoice_id_trade_invoice"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_receivable")),
        sa.UniqueConstraint("invoice_id", name=op.f("uq_trade_receivable_invoice_id")),
    )
    with op.batch_alter_table("trade_receivable", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_receivable_debtor_org_id"), ["debtor_org_id"], unique=False
        )
        batch_op.create_index(
            "ix_trade_receivable_pair", ["seller_org_id", "debtor_org_id"], unique=False
        )

    op.create_table(
        "trade_shipment",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("filed_by_org_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["trade_order.id"], name=op.f("fk_trade_shipment_order_id_trade_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_shipment")),
        sa.UniqueConstraint("order_id", "kind", "number", name=op.f("uq_trade_shipment_order_id")),
    )
    with op.batch_alter_table("trade_shipment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trade_shipment_order_id"), ["order_id"], unique=False)

    op.create_table(
        "trade_receivable_use",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("receivable_id", sa.String(length=40), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("released_minor", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["receivable_id"],
            ["trade_receivable.id"],
            name=op.f("fk_trade_receivable_use_receivable_id_trade_receivable"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_receivable_use")),
    )
    with op.batch_alter_table("trade_receivable_use", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_receivable_use_receivable_id"), ["receivable_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trade_receivable_use_reference"), ["reference"], unique=False
        )

    op.create_table(
        "trade_shipment_line",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shipment_id", sa.String(length=40), nullable=False),
        sa.Column("order_line_no", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=24, scale=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["trade_shipment.id"],
            name=op.f("fk_trade_shipment_line_shipment_id_trade_shipment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_shipment_line")),
    )
    with op.batch_alter_table("trade_shipment_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_shipment_line_shipment_id"), ["shipment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("trade_shipment_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_shipment_line_shipment_id"))

    op.drop_table("trade_shipment_line")
    with op.batch_alter_table("trade_receivable_use", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_receivable_use_reference"))
        batch_op.drop_index(batch_op.f("ix_trade_receivable_use_receivable_id"))

    op.drop_table("trade_receivable_use")
    with op.batch_alter_table("trade_shipment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_shipment_order_id"))

    op.drop_table("trade_shipment")
    with op.batch_alter_table("trade_receivable", schema=None) as batch_op:
        batch_op.drop_index("ix_trade_receivable_pair")
        batch_op.drop_index(batch_op.f("ix_trade_receivable_debtor_org_id"))

    op.drop_table("trade_receivable")
    with op.batch_alter_table("trade_order_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_order_line_order_id"))

    op.drop_table("trade_order_line")
    with op.batch_alter_table("trade_invoice_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_invoice_line_invoice_id"))

    op.drop_table("trade_invoice_line")
    with op.batch_alter_table("trade_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_payment_payer_org_id"))
        batch_op.drop_index(batch_op.f("ix_trade_payment_payee_org_id"))
        batch_op.drop_index(batch_op.f("ix_trade_payment_invoice_id"))

    op.drop_table("trade_payment")
    with op.batch_alter_table("trade_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_order_seller_org_id"))
        batch_op.drop_index("ix_trade_order_number")
        batch_op.drop_index(batch_op.f("ix_trade_order_buyer_org_id"))

    op.drop_table("trade_order")
    with op.batch_alter_table("trade_invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_invoice_seller_org_id"))
        batch_op.drop_index("ix_trade_invoice_pair_date")
        batch_op.drop_index(batch_op.f("ix_trade_invoice_order_id"))
        batch_op.drop_index(batch_op.f("ix_trade_invoice_credited_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_trade_invoice_buyer_org_id"))

    op.drop_table("trade_invoice")
    with op.batch_alter_table("trade_fingerprint_mark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_fingerprint_mark_fingerprint"))

    op.drop_table("trade_fingerprint_mark")
    op.drop_table("trade_fingerprint")
