"""Database mappings of the trade room."""

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
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from scf.core.classification import classes
from scf.core.db import Base, BigIntPK, JSONType, UTCDateTime
from scf.core.idempotency import IdempotencyColumns

Qty = Numeric(24, 6)


class TradeOrderRow(Base):
    """A contract or purchase order between a buyer and a seller."""

    __tablename__ = "trade_order"
    __classification__ = classes(
        "prove the trade background of receivables and financings",
        internal="id seller_org_id buyer_org_id contract_id filed_by_org_id created_at",
        confidential="kind number issue_date currency total_minor",
    )
    __table_args__ = (
        UniqueConstraint("seller_org_id", "buyer_org_id", "kind", "number"),
        Index("ix_trade_order_number", "number"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(80))
    # No index of its own: it leads the unique (seller, buyer, kind, number).
    seller_org_id: Mapped[str] = mapped_column(String(40))
    buyer_org_id: Mapped[str] = mapped_column(String(40), index=True)
    contract_id: Mapped[str | None] = mapped_column(String(40))
    issue_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    filed_by_org_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TradeOrderLineRow(Base):
    __tablename__ = "trade_order_line"
    __classification__ = classes(
        "match deliveries and invoices to what was ordered",
        internal="id order_id line_no",
        confidential="item quantity unit_price",
    )
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # No index of its own: it leads the unique (order_id, line_no).
    order_id: Mapped[str] = mapped_column(ForeignKey("trade_order.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Qty)
    unit_price: Mapped[Decimal] = mapped_column(Qty)


class ShipmentRow(Base):
    """A delivery note or waybill (filed by the seller or a logistics participant) or a goods
    receipt (the buyer's acceptance)."""

    __tablename__ = "trade_shipment"
    __classification__ = classes(
        "prove goods moved before they were invoiced",
        internal="id order_id filed_by_org_id created_at",
        confidential="kind number on_date",
    )
    __table_args__ = (UniqueConstraint("order_id", "kind", "number"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(80))
    order_id: Mapped[str] = mapped_column(ForeignKey("trade_order.id"), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    filed_by_org_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ShipmentLineRow(Base):
    __tablename__ = "trade_shipment_line"
    __classification__ = classes(
        "match delivered quantities to order lines",
        internal="id shipment_id order_line_no",
        confidential="quantity",
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    shipment_id: Mapped[str] = mapped_column(ForeignKey("trade_shipment.id"), index=True)
    order_line_no: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[Decimal] = mapped_column(Qty)


class InvoiceRow(Base):
    """An invoice or credit note with the Chinese VAT e-invoice and EN 16931 fields."""

    __tablename__ = "trade_invoice"
    __classification__ = classes(
        "prove the receivable and detect duplicate or forged invoices",
        internal=(
            "id number_norm seller_org_id buyer_org_id order_id credited_invoice_id "
            "fingerprint filed_by_org_id created_at"
        ),
        confidential=(
            "kind number invoice_code seller_uscc buyer_uscc issue_date due_date currency "
            "net_minor tax_minor total_minor payable_minor order_number payee_name payee_id "
            "source document"
        ),
    )
    __table_args__ = (
        Index("ix_trade_invoice_pair_date", "seller_org_id", "buyer_org_id", "issue_date"),
        UniqueConstraint("fingerprint"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(80))
    number_norm: Mapped[str] = mapped_column(String(80))
    invoice_code: Mapped[str | None] = mapped_column(String(12))
    # No index of its own: it leads ix_trade_invoice_pair_date.
    seller_org_id: Mapped[str] = mapped_column(String(40))
    buyer_org_id: Mapped[str] = mapped_column(String(40), index=True)
    seller_uscc: Mapped[str] = mapped_column(String(40))
    buyer_uscc: Mapped[str] = mapped_column(String(40))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    net_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    payable_minor: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[str | None] = mapped_column(String(40), index=True)
    order_number: Mapped[str | None] = mapped_column(String(80))
    credited_invoice_id: Mapped[str | None] = mapped_column(String(40), index=True)
    payee_name: Mapped[str | None] = mapped_column(String(200))
    payee_id: Mapped[str | None] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(10))
    fingerprint: Mapped[str] = mapped_column(String(64))
    filed_by_org_id: Mapped[str | None] = mapped_column(String(40))
    document: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InvoiceLineRow(Base):
    __tablename__ = "trade_invoice_line"
    __classification__ = classes(
        "match invoiced lines to orders and deliveries",
        internal="id invoice_id line_no order_line_no",
        confidential="item quantity unit_price net_amount",
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("trade_invoice.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Qty)
    unit_price: Mapped[Decimal] = mapped_column(Qty)
    net_amount: Mapped[Decimal] = mapped_column(Numeric(24, 6))
    order_line_no: Mapped[int | None] = mapped_column(Integer)


class PaymentRow(Base):
    __tablename__ = "trade_payment"
    __classification__ = classes(
        "match payments to invoices and detect diverted repayments",
        internal="id payer_org_id payee_org_id invoice_id created_at",
        confidential="currency amount_minor value_date reference remittance source",
    )
    __table_args__ = (UniqueConstraint("payee_org_id", "reference"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    payer_org_id: Mapped[str | None] = mapped_column(String(40), index=True)
    # No index of its own: it leads the unique (payee_org_id, reference).
    payee_org_id: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    value_date: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(140))
    remittance: Mapped[str] = mapped_column(String(1000))
    invoice_id: Mapped[str | None] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReceivableRow(Base):
    """What the debtor owes the seller on one invoice, how much it confirmed and what is used."""

    __tablename__ = "trade_receivable"
    __classification__ = classes(
        "track what a debtor confirmed and how much of it is used",
        internal="id invoice_id seller_org_id debtor_org_id created_at version",
        confidential=(
            "currency face_minor credited_minor confirmed_minor used_minor paid_minor due_date "
            "disputed financed confirmed_at"
        ),
    )
    __table_args__ = (Index("ix_trade_receivable_pair", "seller_org_id", "debtor_org_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("trade_invoice.id"), unique=True)
    seller_org_id: Mapped[str] = mapped_column(String(40))
    debtor_org_id: Mapped[str] = mapped_column(String(40), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    face_minor: Mapped[int] = mapped_column(BigInteger)
    credited_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    confirmed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    used_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    due_date: Mapped[date] = mapped_column(Date)
    disputed: Mapped[bool] = mapped_column(default=False)
    financed: Mapped[bool] = mapped_column(default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ReceivableUseRow(Base):
    __tablename__ = "trade_receivable_use"
    __classification__ = classes(
        "refuse financing the same receivable twice",
        internal="id receivable_id",
        confidential="amount_minor released_minor purpose reference at",
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    receivable_id: Mapped[str] = mapped_column(ForeignKey("trade_receivable.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    released_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    purpose: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(120), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class FingerprintRow(Base):
    """The platform-wide state of one invoice fingerprint; never says who marked it."""

    __tablename__ = "trade_fingerprint"
    __classification__ = classes(
        "detect an invoice financed on two platforms without saying by whom",
        internal="fingerprint updated_at",
        confidential="state first_seen_at",
    )
    # On PostgreSQL the primary key's index carries the state too, so a duplicate check is
    # answered from the index alone (an index-only scan, no read of the table).
    __table_args__ = (PrimaryKeyConstraint("fingerprint", postgresql_include=["state"]),)

    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FingerprintMarkRow(Base):
    __tablename__ = "trade_fingerprint_mark"
    __classification__ = classes(
        "detect an invoice financed on two platforms without saying by whom",
        internal="id fingerprint org_id",
        confidential="state at",
    )
    __table_args__ = (UniqueConstraint("fingerprint", "org_id", "state"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # No index of its own: it leads the unique (fingerprint, org_id, state).
    fingerprint: Mapped[str] = mapped_column(String(64))
    org_id: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class TradeIdempotencyRow(IdempotencyColumns, Base):
    """A command's Idempotency-Key, the hash of its request and the answer it gave."""

    __tablename__ = "trade_idempotency"
