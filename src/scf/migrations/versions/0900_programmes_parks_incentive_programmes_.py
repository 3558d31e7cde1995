"""programmes: parks, incentive programmes and awards; parties: association members and read grants

Revision ID: 0900
Revises: 0001
Create Date: 2026-12-04 18:19:00.328612
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "0900"
down_revision = "0001"
branch_labels = ("programmes",)
depends_on = "0710"  # the parties room's head: association members and read grants are its tables


def upgrade() -> None:
    op.create_table(
        "prg_parks",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("operator_org_id", sa.String(length=40), nullable=False),
        sa.Column(
            "chains",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("established_on", sa.Date(), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prg_parks")),
        sa.UniqueConstraint("name", name=op.f("uq_prg_parks_name")),
    )
    with op.batch_alter_table("prg_parks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prg_parks_district"), ["district"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_prg_parks_operator_org_id"), ["operator_org_id"], unique=False
        )

    op.create_table(
        "prg_programmes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=True),
        sa.Column("budget_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("committed_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prg_programmes")),
        sa.UniqueConstraint("name", name=op.f("uq_prg_programmes_name")),
    )
    op.create_table(
        "association_members",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("association_org_id", sa.String(length=40), nullable=False),
        sa.Column("member_org_id", sa.String(length=40), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["association_org_id"],
            ["organizations.id"],
            name=op.f("fk_association_members_association_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["member_org_id"],
            ["organizations.id"],
            name=op.f("fk_association_members_member_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association_members")),
    )
    with op.batch_alter_table("association_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_association_members_association_org_id"),
            ["association_org_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_association_members_pair", ["association_org_id", "member_org_id"], unique=False
        )

    op.create_table(
        "prg_applications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("programme_id", sa.String(length=40), nullable=False),
        sa.Column("rules_number", sa.Integer(), nullable=False),
        sa.Column("applicant_org_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("computed_minor", sa.BigInteger(), nullable=False),
        sa.Column("awarded_minor", sa.BigInteger(), nullable=True),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("reviewer_user_id", sa.String(length=40), nullable=True),
        sa.Column("decided_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("payment_reference", sa.String(length=60), nullable=True),
        sa.Column("paid_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["prg_programmes.id"],
            name=op.f("fk_prg_applications_programme_id_prg_programmes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prg_applications")),
    )
    with op.batch_alter_table("prg_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prg_applications_applicant_org_id"), ["applicant_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_prg_applications_programme_id"), ["programme_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_prg_applications_status"), ["status"], unique=False)

    op.create_table(
        "prg_park_members",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("park_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["park_id"], ["prg_parks.id"], name=op.f("fk_prg_park_members_park_id_prg_parks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prg_park_members")),
    )
    with op.batch_alter_table("prg_park_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prg_park_members_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_prg_park_members_pair", ["park_id", "org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_prg_park_members_park_id"), ["park_id"], unique=False)

    op.create_table(
        "prg_park_scenarios",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("park_id", sa.String(length=40), nullable=False),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("enabled_on", sa.Date(), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["park_id"], ["prg_parks.id"], name=op.f("fk_prg_park_scenarios_park_id_prg_parks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prg_park_scenarios")),
        sa.UniqueConstraint("park_id", "scenario", name=op.f("uq_prg_park_scenarios_park_id")),
    )
    with op.batch_alter_table("prg_park_scenarios", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prg_park_scenarios_park_id"), ["park_id"], unique=False
        )

    op.create_table(
        "prg_programme_rules",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("programme_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("eligibility", sa.String(length=1000), nullable=False),
        sa.Column("amount", sa.String(length=1000), nullable=False),
        sa.Column(
            "indicators",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["prg_programmes.id"],
            name=op.f("fk_prg_programme_rules_programme_id_prg_programmes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prg_programme_rules")),
        sa.UniqueConstraint(
            "programme_id", "number", name=op.f("uq_prg_programme_rules_programme_id")
        ),
    )
    with op.batch_alter_table("prg_programme_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prg_programme_rules_programme_id"), ["programme_id"], unique=False
        )

    op.create_table(
        "read_grants",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("department_org_id", sa.String(length=40), nullable=False),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "districts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("granted_by", sa.String(length=40), nullable=True),
        sa.Column("granted_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_org_id"],
            ["organizations.id"],
            name=op.f("fk_read_grants_department_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_grants")),
    )
    with op.batch_alter_table("read_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_read_grants_department_org_id"), ["department_org_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("read_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_read_grants_department_org_id"))

    op.drop_table("read_grants")
    with op.batch_alter_table("prg_programme_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prg_programme_rules_programme_id"))

    op.drop_table("prg_programme_rules")
    with op.batch_alter_table("prg_park_scenarios", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prg_park_scenarios_park_id"))

    op.drop_table("prg_park_scenarios")
    with op.batch_alter_table("prg_park_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prg_park_members_park_id"))
        batch_op.drop_index("ix_prg_park_members_pair")
        batch_op.drop_index(batch_op.f("ix_prg_park_members_org_id"))

    op.drop_table("prg_park_members")
    with op.batch_alter_table("prg_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prg_applications_status"))
        batch_op.drop_index(batch_op.f("ix_prg_applications_programme_id"))
        batch_op.drop_index(batch_op.f("ix_prg_applications_applicant_org_id"))

    op.drop_table("prg_applications")
    with op.batch_alter_table("association_members", schema=None) as batch_op:
        batch_op.drop_index("ix_association_members_pair")
        batch_op.drop_index(batch_op.f("ix_association_members_association_org_id"))

    op.drop_table("association_members")
    op.drop_table("prg_programmes")
    with op.batch_alter_table("prg_parks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prg_parks_operator_org_id"))
        batch_op.drop_index(batch_op.f("ix_prg_parks_district"))

    op.drop_table("prg_parks")
