"""trade: drop indexes that a composite index already leads

Revision ID: 0101
Revises: 0100
Create Date: 2026-11-27 21:17:58.335790
"""

from __future__ import annotations

from alembic import op

revision = "0101"
down_revision = "0100"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trade_fingerprint_mark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_fingerprint_mark_fingerprint"))

    with op.batch_alter_table("trade_invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_invoice_seller_org_id"))

    with op.batch_alter_table("trade_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_order_seller_org_id"))

    with op.batch_alter_table("trade_order_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_order_line_order_id"))

    with op.batch_alter_table("trade_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_payment_payee_org_id"))


def downgrade() -> None:
    with op.batch_alter_table("trade_payment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_payment_payee_org_id"), ["payee_org_id"], unique=False
        )

    with op.batch_alter_table("trade_order_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_order_line_order_id"), ["order_id"], unique=False
        )

    with op.batch_alter_table("trade_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_order_seller_org_id"), ["seller_org_id"], unique=False
        )

    with op.batch_alter_table("trade_invoice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_invoice_seller_org_id"), ["seller_org_id"], unique=False
        )

    with op.batch_alter_table("trade_fingerprint_mark", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_fingerprint_mark_fingerprint"), ["fingerprint"], unique=False
        )
