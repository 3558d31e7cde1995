"""foundation: audit, parties

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db
from scf.migrations.append_only import protect, unprotect

revision = "0001"
down_revision = None
branch_labels = ("foundation",)
depends_on = None


APPEND_ONLY = ("audit_log", "data_access_log")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=True),
        sa.Column("org_id", sa.String(length=40), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("aggregate_type", sa.String(length=60), nullable=False),
        sa.Column("aggregate_id", sa.String(length=80), nullable=False),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(
            "ix_audit_log_aggregate", ["aggregate_type", "aggregate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_log_org_at", ["org_id", "at"], unique=False)

    op.create_table(
        "data_access_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reader_org_id", sa.String(length=40), nullable=True),
        sa.Column("reader_user_id", sa.String(length=40), nullable=True),
        sa.Column("subject_org_id", sa.String(length=40), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("consent_id", sa.String(length=40), nullable=True),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("resource", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_access_log")),
    )
    with op.batch_alter_table("data_access_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_access_log_reader_org_id"), ["reader_org_id"], unique=False
        )
        batch_op.create_index("ix_data_access_subject_at", ["subject_org_id", "at"], unique=False)

    op.create_table(
        "organizations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column(
            "roles",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "chain_tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("size_class", sa.String(length=10), nullable=False),
        sa.Column("founded_on", sa.Date(), nullable=False),
        sa.Column("registered_capital_minor", sa.BigInteger(), nullable=False),
        sa.Column("registered_capital_currency", sa.String(length=3), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("licence_no", sa.String(length=60), nullable=True),
        sa.Column("licence_authority", sa.String(length=120), nullable=True),
        sa.Column("licence_scope", sa.String(length=300), nullable=True),
        sa.Column("licence_expires_on", sa.Date(), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("uscc", name=op.f("uq_organizations_uscc")),
    )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organizations_name"), ["name"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("id_hash", name=op.f("uq_persons_id_hash")),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("grantor_org_id", sa.String(length=40), nullable=False),
        sa.Column("grantee_org_id", sa.String(length=40), nullable=False),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("granted_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grantee_org_id"],
            ["organizations.id"],
            name=op.f("fk_consents_grantee_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["grantor_org_id"],
            ["organizations.id"],
            name=op.f("fk_consents_grantor_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consents_grantee_org_id"), ["grantee_org_id"], unique=False
        )
        batch_op.create_index(
            "ix_consents_pair", ["grantor_org_id", "grantee_org_id"], unique=False
        )

    op.create_table(
        "key_persons",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_key_persons_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_key_persons_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_persons")),
    )
    with op.batch_alter_table("key_persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_key_persons_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_key_persons_person_id"), ["person_id"], unique=False)

    op.create_table(
        "list_entries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("authority", sa.String(length=120), nullable=False),
        sa.Column("listed_by", sa.String(length=40), nullable=True),
        sa.Column("lifted_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_list_entries_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entries")),
    )
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.create_index("ix_list_entries_org_kind", ["org_id", "kind"], unique=False)

    op.create_table(
        "shareholdings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("holder_org_id", sa.String(length=40), nullable=True),
        sa.Column("holder_person_id", sa.String(length=40), nullable=True),
        sa.Column("share", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["holder_org_id"],
            ["organizations.id"],
            name=op.f("fk_shareholdings_holder_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_person_id"],
            ["persons.id"],
            name=op.f("fk_shareholdings_holder_person_id_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_shareholdings_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shareholdings")),
    )
    with op.batch_alter_table("shareholdings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shareholdings_holder", ["holder_org_id", "holder_person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_shareholdings_org_id"), ["org_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_users_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_org_id"), ["org_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    protect(APPEND_ONLY)


def downgrade() -> None:
    unprotect(APPEND_ONLY)
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_org_id"))

    op.drop_table("users")
    with op.batch_alter_table("shareholdings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shareholdings_org_id"))
        batch_op.drop_index("ix_shareholdings_holder")

    op.drop_table("shareholdings")
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_list_entries_org_kind")

    op.drop_table("list_entries")
    with op.batch_alter_table("key_persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_key_persons_person_id"))
        batch_op.drop_index(batch_op.f("ix_key_persons_org_id"))

    op.drop_table("key_persons")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index("ix_consents_pair")
        batch_op.drop_index(batch_op.f("ix_consents_grantee_org_id"))

    op.drop_table("consents")
    op.drop_table("persons")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organizations_name"))

    op.drop_table("organizations")
    with op.batch_alter_table("data_access_log", schema=None) as batch_op:
        batch_op.drop_index("ix_data_access_subject_at")
        batch_op.drop_index(batch_op.f("ix_data_access_log_reader_org_id"))

    op.drop_table("data_access_log")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_org_at")
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index("ix_audit_log_aggregate")
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
