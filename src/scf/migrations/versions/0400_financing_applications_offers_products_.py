"""financing: applications, offers, products, prices, cover, inbox

Revision ID: 0400
Revises: 0001
Create Date: 2026-11-27 19:01:27.937754
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "0400"
down_revision = "0001"
branch_labels = ("financing",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fin_applications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("applicant_org_id", sa.String(length=40), nullable=False),
        sa.Column("debtor_org_id", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "asset",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "collateral",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "checks",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "funder_org_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column(
            "chain_tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("size_class", sa.String(length=10), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("red_listed", sa.Boolean(), nullable=False),
        sa.Column("accepted_offer_id", sa.String(length=40), nullable=True),
        sa.Column("funder_org_id", sa.String(length=40), nullable=True),
        sa.Column(
            "registrations",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "payment_redirect",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("cover_policy_id", sa.String(length=40), nullable=True),
        sa.Column("outstanding_minor", sa.BigInteger(), nullable=False),
        sa.Column("repaid_minor", sa.BigInteger(), nullable=False),
        sa.Column("submitted_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_seconds", sa.Integer(), nullable=True),
        sa.Column("disbursed_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("defaulted_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_applications")),
    )
    with op.batch_alter_table("fin_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_applications_applicant_org_id"), ["applicant_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_applications_debtor_org_id"), ["debtor_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_applications_funder_org_id"), ["funder_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_applications_scenario"), ["scenario"], unique=False
        )
        batch_op.create_index("ix_fin_applications_status", ["status"], unique=False)

    op.create_table(
        "fin_claims",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("policy_id", sa.String(length=40), nullable=False),
        sa.Column("insurer_org_id", sa.String(length=40), nullable=False),
        sa.Column("claimant_org_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("opened_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_claims")),
        sa.UniqueConstraint("application_id", name=op.f("uq_fin_claims_application_id")),
    )
    with op.batch_alter_table("fin_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_claims_claimant_org_id"), ["claimant_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_claims_insurer_org_id"), ["insurer_org_id"], unique=False
        )

    op.create_table(
        "fin_commodity_prices",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("commodity", sa.String(length=80), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("as_of", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("set_by", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_commodity_prices")),
    )
    with op.batch_alter_table("fin_commodity_prices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_commodity_prices_commodity"), ["commodity"], unique=False
        )

    op.create_table(
        "fin_cover_policies",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("insurer_org_id", sa.String(length=40), nullable=False),
        sa.Column("insured_org_id", sa.String(length=40), nullable=False),
        sa.Column("debtor_org_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("cover_ratio", sa.Numeric(precision=12, scale=8), nullable=False),
        sa.Column("premium_rate", sa.Numeric(precision=12, scale=8), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("limit_minor", sa.BigInteger(), nullable=False),
        sa.Column("used_minor", sa.BigInteger(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_cover_policies")),
    )
    with op.batch_alter_table("fin_cover_policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_cover_policies_insured_org_id"), ["insured_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_cover_policies_insurer_org_id"), ["insurer_org_id"], unique=False
        )

    op.create_table(
        "fin_discount_bids",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("program_id", sa.String(length=40), nullable=False),
        sa.Column("supplier_org_id", sa.String(length=40), nullable=False),
        sa.Column("receivable_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=12, scale=8), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_discount_bids")),
        sa.UniqueConstraint(
            "program_id", "receivable_id", name=op.f("uq_fin_discount_bids_program_id")
        ),
    )
    with op.batch_alter_table("fin_discount_bids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_discount_bids_program_id"), ["program_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_discount_bids_supplier_org_id"), ["supplier_org_id"], unique=False
        )

    op.create_table(
        "fin_discount_programs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("buyer_org_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cash_minor", sa.BigInteger(), nullable=False),
        sa.Column("hurdle_rate", sa.Numeric(precision=12, scale=8), nullable=False),
        sa.Column("pay_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_discount_programs")),
    )
    with op.batch_alter_table("fin_discount_programs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_discount_programs_buyer_org_id"), ["buyer_org_id"], unique=False
        )

    op.create_table(
        "fin_idempotency",
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("command", sa.String(length=80), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "key", name=op.f("pk_fin_idempotency")),
    )
    op.create_table(
        "fin_inbox",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_inbox")),
    )
    with op.batch_alter_table("fin_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_fin_inbox_org_read", ["org_id", "read_at"], unique=False)

    op.create_table(
        "fin_margin_calls",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("ltv", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.Column("threshold", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("value_minor", sa.BigInteger(), nullable=False),
        sa.Column("shortfall_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("opened_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cured_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_margin_calls")),
    )
    with op.batch_alter_table("fin_margin_calls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_margin_calls_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "fin_offers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("funder_org_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=12, scale=8), nullable=False),
        sa.Column("interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("proceeds_minor", sa.BigInteger(), nullable=False),
        sa.Column(
            "pricing",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_offers")),
        sa.UniqueConstraint(
            "application_id", "funder_org_id", name=op.f("uq_fin_offers_application_id")
        ),
    )
    with op.batch_alter_table("fin_offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_offers_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_offers_funder_org_id"), ["funder_org_id"], unique=False
        )

    op.create_table(
        "fin_products",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("funder_org_id", sa.String(length=40), nullable=False),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("base_rate", sa.Numeric(precision=12, scale=8), nullable=False),
        sa.Column(
            "rate_groups",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("max_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column(
            "exclusive_chains",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("offer_validity_hours", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_products")),
    )
    with op.batch_alter_table("fin_products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_products_funder_org_id"), ["funder_org_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("fin_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_products_funder_org_id"))

    op.drop_table("fin_products")
    with op.batch_alter_table("fin_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_offers_funder_org_id"))
        batch_op.drop_index(batch_op.f("ix_fin_offers_application_id"))

    op.drop_table("fin_offers")
    with op.batch_alter_table("fin_margin_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_margin_calls_application_id"))

    op.drop_table("fin_margin_calls")
    with op.batch_alter_table("fin_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_fin_inbox_org_read")

    op.drop_table("fin_inbox")
    op.drop_table("fin_idempotency")
    with op.batch_alter_table("fin_discount_programs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_discount_programs_buyer_org_id"))

    op.drop_table("fin_discount_programs")
    with op.batch_alter_table("fin_discount_bids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_discount_bids_supplier_org_id"))
        batch_op.drop_index(batch_op.f("ix_fin_discount_bids_program_id"))

    op.drop_table("fin_discount_bids")
    with op.batch_alter_table("fin_cover_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_cover_policies_insurer_org_id"))
        batch_op.drop_index(batch_op.f("ix_fin_cover_policies_insured_org_id"))

    op.drop_table("fin_cover_policies")
    with op.batch_alter_table("fin_commodity_prices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_commodity_prices_commodity"))

    op.drop_table("fin_commodity_prices")
    with op.batch_alter_table("fin_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_claims_insurer_org_id"))
        batch_op.drop_index(batch_op.f("ix_fin_claims_claimant_org_id"))

    op.drop_table("fin_claims")
    with op.batch_alter_table("fin_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_fin_applications_status")
        batch_op.drop_index(batch_op.f("ix_fin_applications_scenario"))
        batch_op.drop_index(batch_op.f("ix_fin_applications_funder_org_id"))
        batch_op.drop_index(batch_op.f("ix_fin_applications_debtor_org_id"))
        batch_op.drop_index(batch_op.f("ix_fin_applications_applicant_org_id"))

    op.drop_table("fin_applications")
