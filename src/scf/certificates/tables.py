"""Database mapping of credit lines, certificates, pieces, financings and settlement."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.orm import Mapped, configure_mappers, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, JSONType, UTCDateTime
from scf.core.idempotency import IdempotencyColumns
from scf.core.money import Money, MoneyOf


class CreditLineRow(Base):
    __tablename__ = "cert_credit_lines"
    __classification__ = classes(
        "issue certificates within an institution's line to a core enterprise",
        internal="id funder_org_id core_org_id created_at version",
        confidential="currency limit_minor used_minor expires_on status",
    )
    __table_args__ = (Index("ix_cert_credit_lines_pair", "funder_org_id", "core_org_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    funder_org_id: Mapped[str] = mapped_column(String(40), ForeignKey("organizations.id"))
    core_org_id: Mapped[str] = mapped_column(String(40), ForeignKey("organizations.id"))
    currency: Mapped[str] = mapped_column(String(3))
    limit_minor: Mapped[int] = mapped_column(BigInteger)
    used_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    limit = MoneyOf("limit_minor")
    used = MoneyOf("used_minor")

    @property
    def available(self) -> Money:
        return Money(self.limit_minor - self.used_minor, self.currency)

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "funder_org_id": self.funder_org_id,
            "core_org_id": self.core_org_id,
            "limit": self.limit.as_json(),
            "used": self.used.as_json(),
            "expires_on": self.expires_on.isoformat(),
            "status": self.status,
        }


class ExposureCapRow(Base):
    """A cap the regulator set on one institution's exposure to one core enterprise."""

    __tablename__ = "cert_exposure_caps"
    __classification__ = classes(
        "enforce the regulator's caps on concentration",
        internal="id funder_org_id core_org_id",
        confidential="currency cap_minor set_at",
    )
    __table_args__ = (UniqueConstraint("funder_org_id", "core_org_id", "currency"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    funder_org_id: Mapped[str] = mapped_column(String(40), ForeignKey("organizations.id"))
    core_org_id: Mapped[str] = mapped_column(String(40), ForeignKey("organizations.id"))
    currency: Mapped[str] = mapped_column(String(3))
    cap_minor: Mapped[int] = mapped_column(BigInteger)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)

    cap = MoneyOf("cap_minor")


class CertificateRow(Base):
    __tablename__ = "certificates"
    __classification__ = classes(
        "carry the core enterprise's payment promise down the chain",
        internal=(
            "id issuer_org_id first_holder_org_id line_id receivable_ids registration_id "
            "settlement_msg_id created_at version"
        ),
        confidential=(
            "currency face_minor paid_minor issued_on maturity_on maturity_requested_on "
            "maturity_provisional status overdue_since defaulted_on settled_at"
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    issuer_org_id: Mapped[str] = mapped_column(String(40), ForeignKey("organizations.id"))
    first_holder_org_id: Mapped[str] = mapped_column(String(40), ForeignKey("organizations.id"))
    line_id: Mapped[str] = mapped_column(String(40), ForeignKey("cert_credit_lines.id"))
    currency: Mapped[str] = mapped_column(String(3))
    face_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    issued_on: Mapped[date] = mapped_column(Date)
    maturity_on: Mapped[date] = mapped_column(Date, index=True)
    # The maturity asked for before rolling, and whether a provisional calendar year (no
    # official schedule yet) decided the roll: loading that year's schedule rolls it again.
    maturity_requested_on: Mapped[date | None] = mapped_column(Date)
    maturity_provisional: Mapped[bool] = mapped_column(default=False, index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    receivable_ids: Mapped[list[str]] = mapped_column(JSONType)
    registration_id: Mapped[str | None] = mapped_column(String(40))
    settlement_msg_id: Mapped[str | None] = mapped_column(String(35))
    overdue_since: Mapped[date | None] = mapped_column(Date)
    defaulted_on: Mapped[date | None] = mapped_column(Date)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    face = MoneyOf("face_minor")
    paid = MoneyOf("paid_minor")

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "issuer_org_id": self.issuer_org_id,
            "first_holder_org_id": self.first_holder_org_id,
            "line_id": self.line_id,
            "face": self.face.as_json(),
            "paid": self.paid.as_json(),
            "maturity_on": self.maturity_on.isoformat(),
            "maturity_provisional": self.maturity_provisional,
            "status": self.status,
        }


class PieceRow(Base):
    __tablename__ = "cert_pieces"
    __classification__ = classes(
        "know who holds what part of a certificate",
        internal=(
            "id certificate_id parent_id holder_org_id from_org_id receivable_id registration_id "
            "created_at version"
        ),
        confidential="currency face_minor tier origin status spent_at",
    )
    # The holder alone: a transfer changes `status`, and an index on it would cost every
    # transfer extra index writes (and, on PostgreSQL, rule out a HOT update).
    __table_args__ = (Index("ix_cert_pieces_holder", "holder_org_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    certificate_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("certificates.id"), index=True
    )
    parent_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("cert_pieces.id"))
    holder_org_id: Mapped[str] = mapped_column(String(40), ForeignKey("organizations.id"))
    from_org_id: Mapped[str | None] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    face_minor: Mapped[int] = mapped_column(BigInteger)
    tier: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(8))
    receivable_id: Mapped[str | None] = mapped_column(String(40))
    registration_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    spent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @classmethod
    def detached(cls, values: dict[str, Any]) -> PieceRow:
        """A piece from its column values, in no session, as a query would load it: the
        values go straight to the instance's state (building it through `__init__` fires
        an attribute event per column, which costs more than a transfer's statement)."""
        mapper = inspect(cls)
        if not mapper.configured:
            configure_mappers()
        piece: PieceRow = mapper.class_manager.new_instance()
        piece.__dict__.update(values)
        return piece

    face = MoneyOf("face_minor")

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "certificate_id": self.certificate_id,
            "parent_id": self.parent_id,
            "holder_org_id": self.holder_org_id,
            "face": self.face.as_json(),
            "tier": self.tier,
            "origin": self.origin,
            "status": self.status,
            "receivable_id": self.receivable_id,
        }


class FinancingRow(Base):
    """A holder's offer to sell a piece (or part of it) to an institution, and its outcome."""

    __tablename__ = "cert_financings"
    __classification__ = classes(
        "sell certificate pieces to institutions",
        internal=(
            "id piece_id certificate_id seller_org_id funder_org_id funder_piece_id "
            "registration_id created_at version"
        ),
        confidential="currency amount_minor rate fee_minor status pricing reference decided_at",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    piece_id: Mapped[str] = mapped_column(String(40), ForeignKey("cert_pieces.id"), index=True)
    certificate_id: Mapped[str] = mapped_column(String(40), ForeignKey("certificates.id"))
    seller_org_id: Mapped[str] = mapped_column(String(40), ForeignKey("organizations.id"))
    funder_org_id: Mapped[str] = mapped_column(String(40), ForeignKey("organizations.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[Decimal] = mapped_column(Numeric(12, 8))
    fee_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))
    pricing: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    funder_piece_id: Mapped[str | None] = mapped_column(String(40))
    registration_id: Mapped[str | None] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    amount = MoneyOf("amount_minor")
    fee = MoneyOf("fee_minor")


class PaymentRow(Base):
    """One payment instruction at maturity: a piece's face to its holder of record."""

    __tablename__ = "cert_payments"
    __classification__ = classes(
        "pay every holder of record at maturity",
        internal="id certificate_id piece_id payee_org_id end_to_end_id msg_id created_at",
        confidential="currency amount_minor status paid_on bank_reference",
    )
    __table_args__ = (UniqueConstraint("piece_id"), UniqueConstraint("end_to_end_id"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    certificate_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("certificates.id"), index=True
    )
    piece_id: Mapped[str] = mapped_column(String(40), ForeignKey("cert_pieces.id"))
    payee_org_id: Mapped[str] = mapped_column(String(40), ForeignKey("organizations.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    end_to_end_id: Mapped[str] = mapped_column(String(35))
    msg_id: Mapped[str] = mapped_column(String(35))
    status: Mapped[str] = mapped_column(String(10))  # instructed, paid
    paid_on: Mapped[date | None] = mapped_column(Date)
    bank_reference: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    amount = MoneyOf("amount_minor")


class SettlementFileRow(Base):
    """A pain.001 message the platform produced for one certificate's settlement."""

    __tablename__ = "cert_settlement_files"
    __classification__ = classes(
        "keep the payment instructions the platform sent",
        internal="msg_id certificate_id created_at",
        confidential="xml",
    )

    msg_id: Mapped[str] = mapped_column(String(35), primary_key=True)
    certificate_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("certificates.id"), index=True
    )
    xml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SettlementAccountRow(Base):
    """A holder's real bank account for one currency: where its certificate payments go,
    named in pain.001 by the account number and the bank's CNAPS code (without one the
    holder is paid to its virtual sub-account at the settlement bank)."""

    __tablename__ = "cert_settlement_accounts"
    __classification__ = classes(
        "pay each holder into its own real account",
        internal="org_id updated_at version",
        confidential="currency account_number account_name bank_name cnaps_code",
    )

    org_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    account_number: Mapped[str] = mapped_column(String(34))
    account_name: Mapped[str] = mapped_column(String(140))
    bank_name: Mapped[str] = mapped_column(String(140))
    cnaps_code: Mapped[str] = mapped_column(String(12))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CertificateAlertRow(Base):
    __tablename__ = "cert_alerts"
    __classification__ = classes(
        "tell watchers about overdue and defaulted certificates",
        internal="id certificate_id issuer_org_id",
        confidential="kind message unpaid_minor currency raised_at",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    certificate_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("certificates.id"), index=True
    )
    issuer_org_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # overdue, default
    message: Mapped[str] = mapped_column(String(500))
    unpaid_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CertIdempotencyRow(IdempotencyColumns, Base):
    """A command's Idempotency-Key, the hash of its request and the answer it gave."""

    __tablename__ = "cert_idempotency"
