"""certificates: lines, certificates, pieces, settlement

Revision ID: 0300
Revises: 0001
Create Date: 2026-11-27 18:27:13.968975
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import scf.core.db

revision = "0300"
down_revision = "0001"
branch_labels = ("certificates",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cert_credit_lines",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("funder_org_id", sa.String(length=40), nullable=False),
        sa.Column("core_org_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("limit_minor", sa.BigInteger(), nullable=False),
        sa.Column("used_minor", sa.BigInteger(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["core_org_id"],
            ["organizations.id"],
            name=op.f("fk_cert_credit_lines_core_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["funder_org_id"],
            ["organizations.id"],
            name=op.f("fk_cert_credit_lines_funder_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cert_credit_lines")),
    )
    with op.batch_alter_table("cert_credit_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cert_credit_lines_pair", ["funder_org_id", "core_org_id"], unique=False
        )

    op.create_table(
        "cert_exposure_caps",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("funder_org_id", sa.String(length=40), nullable=False),
        sa.Column("core_org_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cap_minor", sa.BigInteger(), nullable=False),
        sa.Column("set_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["core_org_id"],
            ["organizations.id"],
            name=op.f("fk_cert_exposure_caps_core_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["funder_org_id"],
            ["organizations.id"],
            name=op.f("fk_cert_exposure_caps_funder_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cert_exposure_caps")),
        sa.UniqueConstraint(
            "funder_org_id",
            "core_org_id",
            "currency",
            name=op.f("uq_cert_exposure_caps_funder_org_id"),
        ),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("issuer_org_id", sa.String(length=40), nullable=False),
        sa.Column("first_holder_org_id", sa.String(length=40), nullable=False),
        sa.Column("line_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("face_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("maturity_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column(
            "receivable_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("registration_id", sa.String(length=40), nullable=True),
        sa.Column("settlement_msg_id", sa.String(length=35), nullable=True),
        sa.Column("overdue_since", sa.Date(), nullable=True),
        sa.Column("defaulted_on", sa.Date(), nullable=True),
        sa.Column("settled_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_holder_org_id"],
            ["organizations.id"],
            name=op.f("fk_certificates_first_holder_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["issuer_org_id"],
            ["organizations.id"],
            name=op.f("fk_certificates_issuer_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["cert_credit_lines.id"],
            name=op.f("fk_certificates_line_id_cert_credit_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_maturity_on"), ["maturity_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certificates_status"), ["status"], unique=False)

    op.create_table(
        "cert_alerts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("certificate_id", sa.String(length=40), nullable=False),
        sa.Column("issuer_org_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("unpaid_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("raised_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_cert_alerts_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cert_alerts")),
    )
    with op.batch_alter_table("cert_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cert_alerts_certificate_id"), ["certificate_id"], unique=False
        )

    op.create_table(
        "cert_pieces",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("certificate_id", sa.String(length=40), nullable=False),
        sa.Column("parent_id", sa.String(length=40), nullable=True),
        sa.Column("holder_org_id", sa.String(length=40), nullable=False),
        sa.Column("from_org_id", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("face_minor", sa.BigInteger(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("receivable_id", sa.String(length=40), nullable=True),
        sa.Column("registration_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("spent_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_cert_pieces_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_org_id"],
            ["organizations.id"],
            name=op.f("fk_cert_pieces_holder_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["cert_pieces.id"], name=op.f("fk_cert_pieces_parent_id_cert_pieces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cert_pieces")),
    )
    with op.batch_alter_table("cert_pieces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cert_pieces_certificate_id"), ["certificate_id"], unique=False
        )
        batch_op.create_index(
            "ix_cert_pieces_holder_status", ["holder_org_id", "status"], unique=False
        )

    op.create_table(
        "cert_settlement_files",
        sa.Column("msg_id", sa.String(length=35), nullable=False),
        sa.Column("certificate_id", sa.String(length=40), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_cert_settlement_files_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("msg_id", name=op.f("pk_cert_settlement_files")),
    )
    with op.batch_alter_table("cert_settlement_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cert_settlement_files_certificate_id"), ["certificate_id"], unique=False
        )

    op.create_table(
        "cert_financings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("piece_id", sa.String(length=40), nullable=False),
        sa.Column("certificate_id", sa.String(length=40), nullable=False),
        sa.Column("seller_org_id", sa.String(length=40), nullable=False),
        sa.Column("funder_org_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=12, scale=8), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column(
            "pricing",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("funder_piece_id", sa.String(length=40), nullable=True),
        sa.Column("registration_id", sa.String(length=40), nullable=True),
        sa.Column("reference", sa.String(length=80), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", scf.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_cert_financings_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["funder_org_id"],
            ["organizations.id"],
            name=op.f("fk_cert_financings_funder_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["piece_id"], ["cert_pieces.id"], name=op.f("fk_cert_financings_piece_id_cert_pieces")
        ),
        sa.ForeignKeyConstraint(
            ["seller_org_id"],
            ["organizations.id"],
            name=op.f("fk_cert_financings_seller_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cert_financings")),
    )
    with op.batch_alter_table("cert_financings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cert_financings_piece_id"), ["piece_id"], unique=False)

    op.create_table(
        "cert_payments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("certificate_id", sa.String(length=40), nullable=False),
        sa.Column("piece_id", sa.String(length=40), nullable=False),
        sa.Column("payee_org_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column("msg_id", sa.String(length=35), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("bank_reference", sa.String(length=80), nullable=True),
        sa.Column("created_at", scf.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_cert_payments_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["payee_org_id"],
            ["organizations.id"],
            name=op.f("fk_cert_payments_payee_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["piece_id"], ["cert_pieces.id"], name=op.f("fk_cert_payments_piece_id_cert_pieces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cert_payments")),
        sa.UniqueConstraint("end_to_end_id", name=op.f("uq_cert_payments_end_to_end_id")),
        sa.UniqueConstraint("piece_id", name=op.f("uq_cert_payments_piece_id")),
    )
    with op.batch_alter_table("cert_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cert_payments_certificate_id"), ["certificate_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cert_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cert_payments_certificate_id"))

    op.drop_table("cert_payments")
    with op.batch_alter_table("cert_financings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cert_financings_piece_id"))

    op.drop_table("cert_financings")
    with op.batch_alter_table("cert_settlement_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cert_settlement_files_certificate_id"))

    op.drop_table("cert_settlement_files")
    with op.batch_alter_table("cert_pieces", schema=None) as batch_op:
        batch_op.drop_index("ix_cert_pieces_holder_status")
        batch_op.drop_index(batch_op.f("ix_cert_pieces_certificate_id"))

    op.drop_table("cert_pieces")
    with op.batch_alter_table("cert_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cert_alerts_certificate_id"))

    op.drop_table("cert_alerts")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_status"))
        batch_op.drop_index(batch_op.f("ix_certificates_maturity_on"))

    op.drop_table("certificates")
    op.drop_table("cert_exposure_caps")
    with op.batch_alter_table("cert_credit_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_cert_credit_lines_pair")

    op.drop_table("cert_credit_lines")
