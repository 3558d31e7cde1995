"""institutions: units, officers, authority, decisions, tolerances, exemptions, assessments

Revision ID: 0800
Revises: 0001
Create Date: 2026-12-04 18:18:42.512528
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "0800"
down_revision = "0001"
branch_labels = ("institutions",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inst_assessments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("indicator_set_id", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("computed_by", sa.String(length=80), nullable=False),
        sa.Column("computed_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inst_assessments")),
        sa.UniqueConstraint(
            "quarter", "indicator_set_id", name=op.f("uq_inst_assessments_quarter")
        ),
    )
    with op.batch_alter_table("inst_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inst_assessments_quarter"), ["quarter"], unique=False)

    op.create_table(
        "inst_authorities",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "bands",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("second_above_minor", sa.BigInteger(), nullable=False),
        sa.Column("set_by", sa.String(length=80), nullable=False),
        sa.Column("set_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inst_authorities")),
        sa.UniqueConstraint(
            "unit_id", "product_id", "revision", name=op.f("uq_inst_authorities_unit_id")
        ),
    )
    with op.batch_alter_table("inst_authorities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inst_authorities_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inst_authorities_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inst_decisions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("authority_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("tenor_days", sa.Integer(), nullable=False),
        sa.Column(
            "flagged",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "approvals",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("offer_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inst_decisions")),
        sa.UniqueConstraint(
            "application_id", "org_id", name=op.f("uq_inst_decisions_application_id")
        ),
    )
    with op.batch_alter_table("inst_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inst_decisions_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inst_decisions_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inst_decisions_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inst_exemptions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=False),
        sa.Column("officer_user_id", sa.String(length=40), nullable=False),
        sa.Column("officer_username", sa.String(length=80), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column(
            "record",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reviewer_username", sa.String(length=80), nullable=True),
        sa.Column("review_reasons", sa.Text(), nullable=True),
        sa.Column("filed_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inst_exemptions")),
        sa.UniqueConstraint(
            "application_id", "officer_user_id", name=op.f("uq_inst_exemptions_application_id")
        ),
    )
    with op.batch_alter_table("inst_exemptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inst_exemptions_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inst_exemptions_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inst_exemptions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_inst_exemptions_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inst_indicator_sets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "indicators",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inst_indicator_sets")),
        sa.UniqueConstraint("revision", name=op.f("uq_inst_indicator_sets_revision")),
    )
    op.create_table(
        "inst_npl_alerts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=False),
        sa.Column("product_key", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("raised_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inst_npl_alerts")),
    )
    with op.batch_alter_table("inst_npl_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inst_npl_alerts_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inst_npl_alerts_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inst_officers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("added_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inst_officers")),
        sa.UniqueConstraint("unit_id", "user_id", "role", name=op.f("uq_inst_officers_unit_id")),
    )
    with op.batch_alter_table("inst_officers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inst_officers_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inst_officers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "inst_scores",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("assessment_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column(
            "breakdown",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inst_scores")),
        sa.UniqueConstraint("assessment_id", "org_id", name=op.f("uq_inst_scores_assessment_id")),
    )
    with op.batch_alter_table("inst_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inst_scores_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inst_scores_org_id"), ["org_id"], unique=False)

    op.create_table(
        "inst_targets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("target", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("set_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inst_targets")),
        sa.UniqueConstraint(
            "unit_id", "period_kind", "indicator", name=op.f("uq_inst_targets_unit_id")
        ),
    )
    with op.batch_alter_table("inst_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inst_targets_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inst_tolerances",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=False),
        sa.Column("product_key", sa.String(length=40), nullable=False),
        sa.Column("ratio", sa.Numeric(precision=12, scale=8), nullable=False),
        sa.Column("set_by", sa.String(length=80), nullable=False),
        sa.Column("set_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inst_tolerances")),
        sa.UniqueConstraint("unit_id", "product_key", name=op.f("uq_inst_tolerances_unit_id")),
    )
    with op.batch_alter_table("inst_tolerances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inst_tolerances_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inst_unit_products",
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("assigned_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_inst_unit_products")),
    )
    with op.batch_alter_table("inst_unit_products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inst_unit_products_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inst_unit_products_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "inst_units",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "districts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "chains",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("nationwide", sa.Boolean(), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inst_units")),
    )
    with op.batch_alter_table("inst_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inst_units_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inst_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inst_units_org_id"))

    op.drop_table("inst_units")
    with op.batch_alter_table("inst_unit_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inst_unit_products_unit_id"))
        batch_op.drop_index(batch_op.f("ix_inst_unit_products_org_id"))

    op.drop_table("inst_unit_products")
    with op.batch_alter_table("inst_tolerances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inst_tolerances_unit_id"))

    op.drop_table("inst_tolerances")
    with op.batch_alter_table("inst_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inst_targets_unit_id"))

    op.drop_table("inst_targets")
    with op.batch_alter_table("inst_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inst_scores_org_id"))
        batch_op.drop_index(batch_op.f("ix_inst_scores_assessment_id"))

    op.drop_table("inst_scores")
    with op.batch_alter_table("inst_officers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inst_officers_user_id"))
        batch_op.drop_index(batch_op.f("ix_inst_officers_unit_id"))

    op.drop_table("inst_officers")
    with op.batch_alter_table("inst_npl_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inst_npl_alerts_unit_id"))
        batch_op.drop_index(batch_op.f("ix_inst_npl_alerts_org_id"))

    op.drop_table("inst_npl_alerts")
    op.drop_table("inst_indicator_sets")
    with op.batch_alter_table("inst_exemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inst_exemptions_unit_id"))
        batch_op.drop_index(batch_op.f("ix_inst_exemptions_status"))
        batch_op.drop_index(batch_op.f("ix_inst_exemptions_org_id"))
        batch_op.drop_index(batch_op.f("ix_inst_exemptions_application_id"))

    op.drop_table("inst_exemptions")
    with op.batch_alter_table("inst_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inst_decisions_unit_id"))
        batch_op.drop_index(batch_op.f("ix_inst_decisions_org_id"))
        batch_op.drop_index(batch_op.f("ix_inst_decisions_application_id"))

    op.drop_table("inst_decisions")
    with op.batch_alter_table("inst_authorities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inst_authorities_unit_id"))
        batch_op.drop_index(batch_op.f("ix_inst_authorities_product_id"))

    op.drop_table("inst_authorities")
    with op.batch_alter_table("inst_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inst_assessments_quarter"))

    op.drop_table("inst_assessments")
